import { describe, expect, it } from 'vitest';
import {
  expiringCreditRecommendations,
  nearLimitRecommendations,
  packageRecommendation,
  type RecommendationFacts,
  recommendations,
  seatRecommendations,
} from '../../domain/recommendations.js';

const now = new Date('2026-03-10T00:00:00.000Z');
const day = (n: number) => new Date(now.getTime() + n * 86_400_000);

const empty: RecommendationFacts = {
  currency: 'USD',
  now,
  seats: [],
  overageBilled: '0',
  packages: [],
  members: [],
  grants: [],
  burnRatePerDay: '0',
};

describe('unused seats', () => {
  it('10 seats at 12.50, at most 6 used over three observations: reduce to 6, saving 50.00 a period', () => {
    const [r] = seatRecommendations({
      currency: 'USD',
      seats: [{ subscriptionId: 's1', planName: 'Team', seatsPurchased: 10, seatsUsed: [4, 6, 5], seatPrice: '12.50' }],
    });
    expect(r).toEqual({
      kind: 'reduce_seats',
      subscriptionId: 's1',
      summary: 'Team: 10 seats bought, at most 6 used; reduce to 6 to save 50.00 USD a period',
      numbers: {
        seatsPurchased: 10,
        maxSeatsUsed: 6,
        observations: 3,
        reduceTo: 6,
        seatPrice: '12.50',
        savingPerPeriod: '50.00',
      },
    });
  });

  it('every seat used at some observation: nothing to recommend', () => {
    expect(
      seatRecommendations({
        currency: 'USD',
        seats: [{ subscriptionId: 's1', planName: 'T', seatsPurchased: 3, seatsUsed: [1, 3], seatPrice: '9' }],
      }),
    ).toEqual([]);
  });

  it('no seat used: keeps one (a subscription needs a seat), saving the other two', () => {
    const [r] = seatRecommendations({
      currency: 'USD',
      seats: [{ subscriptionId: 's1', planName: 'T', seatsPurchased: 3, seatsUsed: [0], seatPrice: '9.99' }],
    });
    expect(r?.kind === 'reduce_seats' && r.numbers).toMatchObject({ reduceTo: 1, savingPerPeriod: '19.98' });
  });
});

describe('credit package instead of overage', () => {
  const packages = [
    { id: 'big', name: 'Big', credits: '500.00', price: '450.00', currency: 'USD', active: true },
    { id: 'small', name: 'Small', credits: '150.00', price: '135.00', currency: 'USD', active: true },
    { id: 'tiny', name: 'Tiny', credits: '50.00', price: '40.00', currency: 'USD', active: true },
    { id: 'old', name: 'Old', credits: '200.00', price: '100.00', currency: 'USD', active: false },
    { id: 'eur', name: 'Euro', credits: '200.00', price: '90.00', currency: 'EUR', active: true },
  ];

  it('142.30 billed beyond credits: the cheapest active package covering it (Small, 135.00) saves 7.30', () => {
    expect(packageRecommendation({ currency: 'USD', overageBilled: '142.30', packages })).toEqual([
      {
        kind: 'buy_credit_package',
        packageId: 'small',
        summary:
          '142.30 USD of usage was billed beyond credits last period; "Small" (150.00 credits for 135.00) would ' +
          'have saved 7.30 USD',
        numbers: { overageBilled: '142.30', packagePrice: '135.00', packageCredits: '150.00', saving: '7.30' },
      },
    ]);
  });

  it('no package both covers the overage and costs less than it: nothing', () => {
    expect(packageRecommendation({ currency: 'USD', overageBilled: '130.00', packages })).toEqual([]);
    expect(packageRecommendation({ currency: 'USD', overageBilled: '0.00', packages })).toEqual([]);
  });
});

describe('members near their limit', () => {
  it('at 80% or more of a limit; no limit and 79% are left alone', () => {
    const rs = nearLimitRecommendations(
      {
        currency: 'USD',
        members: [
          { userId: 'u1', name: 'Ada', spent: '85.00', creditLimit: '100.00' },
          { userId: 'u2', name: 'Bob', spent: '79.00', creditLimit: '100.00' },
          { userId: 'u3', name: 'Cy', spent: '900.00', creditLimit: null },
          { userId: 'u4', name: null, spent: '60.00', creditLimit: '50.00' },
        ],
      },
      '0.8',
    );
    expect(rs).toEqual([
      {
        kind: 'user_near_limit',
        userId: 'u1',
        summary:
          'Ada has spent 85.00 of a 100.00 USD limit (85%); raise the limit or expect their events to be refused',
        numbers: { spent: '85.00', creditLimit: '100.00', remaining: '15.00', shareUsed: '0.8500' },
      },
      {
        kind: 'user_near_limit',
        userId: 'u4',
        summary: 'u4 has spent 60.00 of a 50.00 USD limit (120%); raise the limit or expect their events to be refused',
        numbers: { spent: '60.00', creditLimit: '50.00', remaining: '0.00', shareUsed: '1.2000' },
      },
    ]);
  });
});

describe('credits expiring unused', () => {
  it('burning 2.00 a day: of 50.00 expiring in 10 days, 20.00 are used and 30.00 expire; the next grant is used', () => {
    const rs = expiringCreditRecommendations(
      {
        currency: 'USD',
        now,
        burnRatePerDay: '2.00',
        grants: [
          { id: 'g1', remaining: '50.00', expiresAt: day(10) },
          // By day 40 the entity has consumed 80.00 in all: 20.00 from g1, so up to 60.00 from g2.
          { id: 'g2', remaining: '40.00', expiresAt: day(40) },
          { id: 'g3', remaining: '100.00', expiresAt: null },
        ],
      },
      90,
    );
    expect(rs).toEqual([
      {
        kind: 'credits_expiring_unused',
        grantId: 'g1',
        summary:
          '30.00 USD of credits expire on 2026-03-20 unused at the current pace (2.00 a day); use them or move ' +
          'them to another entity',
        numbers: {
          remaining: '50.00',
          expiresAt: '2026-03-20T00:00:00.000Z',
          daysUntilExpiry: '10.00',
          burnRatePerDay: '2.00',
          projectedUse: '20.00',
          projectedUnused: '30.00',
        },
      },
    ]);
  });

  it('nothing burns: every expiring grant within the horizon expires whole; beyond the horizon is not reported', () => {
    const rs = expiringCreditRecommendations(
      {
        currency: 'USD',
        now,
        burnRatePerDay: '0.00',
        grants: [
          { id: 'g1', remaining: '5.00', expiresAt: day(3) },
          { id: 'g2', remaining: '7.00', expiresAt: day(120) },
        ],
      },
      90,
    );
    expect(rs.map((r) => r.kind === 'credits_expiring_unused' && [r.grantId, r.numbers.projectedUnused])).toEqual([
      ['g1', '5.00'],
    ]);
  });
});

describe('all together', () => {
  it('an entity with nothing to improve gets no recommendation', () => {
    expect(recommendations(empty)).toEqual([]);
  });
});
