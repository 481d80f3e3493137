// Payout timing: the security hold (exact at its end), netting a negative balance against credits as they become
// available, the weekly and monthly schedule, the minimum.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money, nextScheduledPayout, payeeFunds, payoutDecision } from '../../domain/index.js';

const usd = (a: string) => Money.of(a, 'USD');
const at = (iso: string) => new Date(iso);
const shown = (f: ReturnType<typeof payeeFunds>) => ({
  pending: f.pending.toString(),
  available: f.available.toString(),
  nextReleaseAt: f.nextReleaseAt?.toISOString() ?? null,
});

describe('payeeFunds', () => {
  const credits = [
    { amount: usd('1030.00'), postedAt: at('2026-12-01T10:00:00Z') },
    { amount: usd('100.00'), postedAt: at('2026-12-03T10:00:00Z') },
  ];

  it('holds each credit for the hold, and releases it exactly when the hold ends', () => {
    expect(shown(payeeFunds(usd('1130.00'), credits, at('2026-12-06T09:59:59.999Z'), 5))).toEqual({
      pending: '1130.00',
      available: '0.00',
      nextReleaseAt: '2026-12-06T10:00:00.000Z',
    });
    expect(shown(payeeFunds(usd('1130.00'), credits, at('2026-12-06T10:00:00Z'), 5))).toEqual({
      pending: '100.00',
      available: '1030.00',
      nextReleaseAt: '2026-12-08T10:00:00.000Z',
    });
    expect(shown(payeeFunds(usd('1130.00'), credits, at('2026-12-08T10:00:00Z'), 5))).toEqual({
      pending: '0.00',
      available: '1130.00',
      nextReleaseAt: null,
    });
  });

  it('nets a negative balance (a refund after a payout) against credits as they become available', () => {
    // Paid out 1,030.00, then 100.00 refunded took back 85.83: the balance is -85.83; a new credit of 200.00 arrives.
    const balance = usd('-85.83').add(usd('200.00'));
    const fresh = [{ amount: usd('200.00'), postedAt: at('2026-12-10T00:00:00Z') }];
    expect(shown(payeeFunds(balance, fresh, at('2026-12-11T00:00:00Z'), 5)).available).toBe('-85.83');
    expect(shown(payeeFunds(balance, fresh, at('2026-12-15T00:00:00Z'), 5)).available).toBe('114.17');
    expect(payoutDecision(usd('-85.83'), usd('0'))).toEqual({ kind: 'hold', reason: 'nothing_available' });
    expect(payoutDecision(usd('114.17'), usd('50.00'))).toMatchObject({ kind: 'pay' });
  });

  it('never makes more available than the balance, whatever the credits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.array(fc.record({ cents: fc.integer({ min: 1, max: 100_000 }), hour: fc.integer({ min: 0, max: 400 }) })),
        fc.integer({ min: 0, max: 400 }),
        (balanceCents, posted, nowHour) => {
          const balance = Money.fromMinorUnits(BigInt(balanceCents), 'USD');
          const list = posted.map((p) => ({
            amount: Money.fromMinorUnits(BigInt(p.cents), 'USD'),
            postedAt: new Date(Date.UTC(2026, 11, 1) + p.hour * 3_600_000),
          }));
          const funds = payeeFunds(balance, list, new Date(Date.UTC(2026, 11, 1) + nowHour * 3_600_000), 5);
          expect(funds.available.add(funds.pending).equals(balance)).toBe(true);
          expect(funds.pending.isNegative()).toBe(false);
          expect(funds.available.lessThanOrEqual(balance)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('nextScheduledPayout', () => {
  it('weekly: the next Monday 00:00 UTC, a whole week on from a Monday', () => {
    expect(nextScheduledPayout('weekly', at('2026-12-08T12:00:00Z'))?.toISOString()).toBe('2026-12-14T00:00:00.000Z');
    expect(nextScheduledPayout('weekly', at('2026-12-14T00:00:00Z'))?.toISOString()).toBe('2026-12-21T00:00:00.000Z');
    expect(nextScheduledPayout('weekly', at('2026-12-13T23:59:59Z'))?.toISOString()).toBe('2026-12-14T00:00:00.000Z');
    expect(nextScheduledPayout('weekly', at('2026-12-28T09:00:00Z'))?.toISOString()).toBe('2027-01-04T00:00:00.000Z');
  });

  it('monthly: the 1st of the next month 00:00 UTC; on_demand: never by itself', () => {
    expect(nextScheduledPayout('monthly', at('2026-12-31T23:00:00Z'))?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextScheduledPayout('monthly', at('2027-01-01T00:00:00Z'))?.toISOString()).toBe('2027-02-01T00:00:00.000Z');
    expect(nextScheduledPayout('on_demand', at('2027-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('payoutDecision', () => {
  it('pays all that is available from the minimum on', () => {
    expect(payoutDecision(usd('49.99'), usd('50.00'))).toEqual({ kind: 'hold', reason: 'below_minimum' });
    const pay = payoutDecision(usd('50.00'), usd('50.00'));
    expect(pay.kind === 'pay' && pay.amount.toString()).toBe('50.00');
    expect(payoutDecision(usd('0'), usd('0'))).toEqual({ kind: 'hold', reason: 'nothing_available' });
  });
});
