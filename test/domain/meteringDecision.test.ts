import type { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  availableCredits,
  BillingDecimal,
  type CreditGrantBalance,
  decideMeteredEvent,
  type MeteringDecision,
  type MeteringDecisionInput,
  planDrawdown,
} from '../../domain/index.js';

const PROPERTY_TIMEOUT_MS = 60_000;

const asOf = new Date('2026-02-15T00:00:00Z');
const dec = (s: string | number) => new BillingDecimal(s);
/** Thousandths: amounts of the metering path have more digits than a currency's minor unit. */
const amount = (opts: { min: number; max: number }) => fc.integer(opts).map((n) => dec(n).div(1000));

const grantArbitrary = fc.record({
  id: fc.uuid(),
  remaining: fc.integer({ min: 0, max: 20_000 }).map((n) => dec(n).div(1000).toFixed()),
  expiresAt: fc.option(
    fc.integer({ min: -48, max: 48 }).map((h) => new Date(asOf.getTime() + h * 3_600_000)),
    { nil: null },
  ),
  priority: fc.integer({ min: 0, max: 3 }),
  createdAt: fc.integer({ min: -1000, max: 0 }).map((h) => new Date(asOf.getTime() + h * 3_600_000)),
});

interface Scenario {
  entityStatus: 'active' | 'suspended';
  overagePolicy: 'reject' | 'bill';
  rated: Decimal;
  creditLimit: Decimal | null;
  spent: Decimal;
  grants: CreditGrantBalance[];
}

/** Positive amounts mostly, negatives (a volume-tier crossing) and zero now and then. */
const scenario: fc.Arbitrary<Scenario> = fc.record({
  entityStatus: fc.constantFrom<'active' | 'suspended'>('active', 'active', 'active', 'suspended'),
  overagePolicy: fc.constantFrom<'reject' | 'bill'>('reject', 'bill'),
  rated: fc.oneof(
    { weight: 6, arbitrary: amount({ min: 1, max: 30_000 }) },
    { weight: 2, arbitrary: amount({ min: -5_000, max: -1 }) },
    { weight: 1, arbitrary: fc.constant(dec(0)) },
  ),
  creditLimit: fc.option(amount({ min: 0, max: 40_000 }), { nil: null }),
  spent: amount({ min: 0, max: 40_000 }),
  grants: fc.array(grantArbitrary, { maxLength: 6 }),
});

interface Observed {
  decision: MeteringDecision;
  rateCalls: number;
  planCalls: Decimal[];
  available: Decimal;
}

/** Runs the decision with the real draw-down planner over the scenario's grants, recording what it asked for. */
function decide(s: Scenario): Observed {
  const planCalls: Decimal[] = [];
  let rateCalls = 0;
  const input: MeteringDecisionInput = {
    entityStatus: s.entityStatus,
    overagePolicy: s.overagePolicy,
    rate: () => {
      rateCalls += 1;
      return s.rated;
    },
    creditLimit: s.creditLimit,
    spent: s.spent,
    planDraw: (a) => {
      planCalls.push(a);
      return planDrawdown(s.grants, a, asOf);
    },
  };
  return { decision: decideMeteredEvent(input), rateCalls, planCalls, available: availableCredits(s.grants, asOf) };
}

const overLimit = (s: Scenario) =>
  s.creditLimit !== null && s.rated.greaterThan(0) && s.spent.plus(s.rated).greaterThan(s.creditLimit);

describe('decideMeteredEvent', () => {
  it(
    'an accepted event satisfies rated = drawn + billedLater, and drawn = the sum of its draws',
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const { decision } = decide(s);
          if (decision.status !== 'accepted') return;
          expect(decision.drawn.plus(decision.billedLater).toString()).toBe(decision.rated.toString());
          const sum = decision.draws.reduce((acc: Decimal, d) => acc.plus(d.amount), dec(0));
          expect(sum.toString()).toBe(decision.drawn.toString());
          expect(decision.rated.toString()).toBe(s.rated.toString());
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a suspended entity rejects the event unrated: nothing rated, planned or drawn, no limit reached',
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const observed = decide({ ...s, entityStatus: 'suspended' });
          expect(observed.decision).toEqual({
            status: 'rejected',
            code: 'ENTITY_SUSPENDED',
            rated: dec(0),
            limitReached: false,
          });
          expect(observed.rateCalls).toBe(0);
          expect(observed.planCalls).toEqual([]);
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'an active entity rates the event exactly once',
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          expect(decide({ ...s, entityStatus: 'active' }).rateCalls).toBe(1);
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a positive amount over the limit is rejected, marks the limit reached and draws nothing',
    () => {
      fc.assert(
        fc.property(scenario, (raw) => {
          const s = { ...raw, entityStatus: 'active' as const };
          const observed = decide(s);
          if (overLimit(s)) {
            expect(observed.decision).toEqual({
              status: 'rejected',
              code: 'USER_CREDIT_LIMIT_EXCEEDED',
              rated: s.rated,
              limitReached: true,
            });
            expect(observed.planCalls).toEqual([]);
          } else {
            expect(observed.decision.status === 'rejected' && observed.decision.code).not.toBe(
              'USER_CREDIT_LIMIT_EXCEEDED',
            );
          }
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'an accepted event marks the limit reached exactly when the spend reaches the limit',
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const { decision } = decide(s);
          if (decision.status !== 'accepted') return;
          const reaches = s.creditLimit !== null && s.spent.plus(s.rated).greaterThanOrEqualTo(s.creditLimit);
          expect(decision.limitReached).toBe(reaches);
          if (s.creditLimit !== null && s.rated.greaterThan(0)) {
            expect(s.spent.plus(s.rated).lessThanOrEqualTo(s.creditLimit)).toBe(true);
          }
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'policy reject never bills a positive shortfall: it rejects INSUFFICIENT_CREDITS exactly when credits fall short',
    () => {
      fc.assert(
        fc.property(scenario, (raw) => {
          const s = { ...raw, entityStatus: 'active' as const, overagePolicy: 'reject' as const };
          const { decision, available } = decide(s);
          if (decision.status === 'accepted') expect(decision.billedLater.greaterThan(0)).toBe(false);
          const short = !overLimit(s) && s.rated.greaterThan(0) && available.lessThan(s.rated);
          expect(decision.status === 'rejected' && decision.code === 'INSUFFICIENT_CREDITS').toBe(short);
          if (decision.status === 'rejected' && decision.code === 'INSUFFICIENT_CREDITS') {
            expect(decision.rated.toString()).toBe(s.rated.toString());
            expect(decision.limitReached).toBe(false);
          }
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'policy bill never rejects for credits: the credits cover what they can and the shortfall is billed later',
    () => {
      fc.assert(
        fc.property(scenario, (raw) => {
          const s = { ...raw, entityStatus: 'active' as const, overagePolicy: 'bill' as const };
          const { decision, available } = decide(s);
          if (overLimit(s)) return;
          expect(decision.status).toBe('accepted');
          if (decision.status !== 'accepted' || !s.rated.greaterThan(0)) return;
          const covered = BillingDecimal.min(available, s.rated);
          expect(decision.drawn.toString()).toBe(covered.toString());
          expect(decision.billedLater.toString()).toBe(s.rated.minus(covered).toString());
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'drawn never exceeds what the plan offers, nor the rated amount, and is never negative',
    () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const { decision, available, planCalls } = decide(s);
          if (decision.status !== 'accepted') return;
          expect(decision.drawn.isNegative()).toBe(false);
          expect(decision.drawn.lessThanOrEqualTo(available)).toBe(true);
          expect(decision.drawn.lessThanOrEqualTo(BillingDecimal.max(decision.rated, 0))).toBe(true);
          if (decision.plan) {
            expect(planCalls.map(String)).toEqual([s.rated.toString()]);
            expect(decision.drawn.toString()).toBe(decision.plan.drawn.toString());
            expect(decision.draws).toBe(decision.plan.draws);
          }
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a zero or negative amount draws nothing and bills the negative amount (a volume credit) later',
    () => {
      fc.assert(
        fc.property(scenario, fc.oneof(amount({ min: -5_000, max: -1 }), fc.constant(dec(0))), (raw, rated) => {
          const s = { ...raw, entityStatus: 'active' as const, rated };
          const { decision, planCalls } = decide(s);
          expect(decision.status).toBe('accepted');
          if (decision.status !== 'accepted') return;
          expect(planCalls).toEqual([]);
          expect(decision.plan).toBeNull();
          expect(decision.draws).toEqual([]);
          expect(decision.drawn.toString()).toBe('0');
          expect(decision.billedLater.toString()).toBe(rated.toString());
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('examples: the order of the checks', () => {
    const grants: CreditGrantBalance[] = [
      { id: 'A', remaining: '5', expiresAt: null, priority: 0, createdAt: new Date('2026-01-01T00:00:00Z') },
    ];
    const base: Scenario = {
      entityStatus: 'active',
      overagePolicy: 'reject',
      rated: dec('7.5'),
      creditLimit: dec('10'),
      spent: dec('3'),
      grants,
    };
    // Over the limit is checked before the credits: 3 + 7.5 > 10 rejects for the limit, not for the credits.
    expect(decide(base).decision).toMatchObject({ status: 'rejected', code: 'USER_CREDIT_LIMIT_EXCEEDED' });
    // Within the limit, 5 credits for 7.5 rejects under policy reject ...
    expect(decide({ ...base, spent: dec('2.5') }).decision).toMatchObject({
      status: 'rejected',
      code: 'INSUFFICIENT_CREDITS',
      limitReached: false,
    });
    // ... and bills 2.5 later under policy bill, reaching the limit exactly (2.5 + 7.5 = 10).
    const billed = decide({ ...base, spent: dec('2.5'), overagePolicy: 'bill' }).decision;
    expect(billed.status).toBe('accepted');
    if (billed.status !== 'accepted') return;
    expect([billed.drawn.toString(), billed.billedLater.toString(), billed.limitReached]).toEqual(['5', '2.5', true]);
    // A negative amount never exceeds a limit, even one the member is already over.
    expect(decide({ ...base, rated: dec('-1'), spent: dec('12') }).decision).toMatchObject({
      status: 'accepted',
      limitReached: true,
    });
  });
});
