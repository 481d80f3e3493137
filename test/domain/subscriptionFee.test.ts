// The subscription fee rule: the amount and its "(partial period)" label come from one computation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feeFor } from '../../activities/subscriptions/subscriptionPeriods.js';
import {
  type BillingSchedule,
  billingPeriods,
  proratedLineAmount,
  type SeatPlan,
  seatFee,
  subscriptionFee,
} from '../../domain/index.js';

const pro: SeatPlan = { id: 'plan_pro', name: 'Pro', interval: 'month', pricePerSeat: '30.00', currency: 'USD' };
const monthly: BillingSchedule = { anchorDay: 1, timeZone: 'UTC', interval: 'month' };
const march = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z') };

describe('subscriptionFee', () => {
  it('charges and labels a period started a few milliseconds late as the whole period', () => {
    // The workflow's clock can put the first fee's start 500 ms after the boundary. Billing counts whole seconds,
    // so that is the whole period: the full fee, without "(partial period)".
    const fee = feeFor(pro, 3, march, new Date('2026-03-01T00:00:00.500Z'), monthly);
    expect(fee.amount.toString()).toBe('90.00');
    expect(fee.partial).toBe(false);
    expect(fee.description).toBe('3 × Pro (monthly), 1 Mar 2026 – 31 Mar 2026');
  });

  it('charges and labels a span one second short as partial', () => {
    // 2,678,399 of 2,678,400 s: 90 × 2678399 / 2678400 = 89.99996640... -> 90.00 (rounds to the full fee).
    const fee = feeFor(pro, 3, march, new Date('2026-03-01T00:00:01Z'), monthly);
    expect(fee.partial).toBe(true);
    expect(fee.fraction).toEqual({ seconds: 2_678_399, periodSeconds: 2_678_400 });
    expect(fee.amount.toString()).toBe('90.00');
    expect(fee.description).toBe('3 × Pro (monthly), 1 Mar 2026 00:00:01 – 31 Mar 2026 (partial period)');
    // 16 of 31 days: 90 × 16/31 = 46.4516... -> 46.45, with the unit price per seat.
    const half = feeFor(pro, 3, march, new Date('2026-03-16T00:00:00Z'), monthly);
    expect([half.amount.toString(), half.unitAmount.toString(), half.partial]).toEqual(['46.45', '30.00', true]);
  });

  it('never labels a whole period partial and never charges a partial one the full fee unless it rounds to it', () => {
    const schedules: BillingSchedule[] = [
      { anchorDay: 31, timeZone: 'America/New_York', interval: 'month' },
      { anchorDay: 1, timeZone: 'Europe/Berlin', interval: 'year', anchorMonth: 12 },
      { anchorDay: 15, timeZone: 'Australia/Lord_Howe', interval: 'month' },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('30.00', '9.99', '0.333333', '1200'),
        (schedule, index, share, ms, seats, price) => {
          const plan: SeatPlan = { ...pro, interval: schedule.interval, pricePerSeat: price };
          const period = billingPeriods(new Date('2026-01-10T00:00:00Z'), index + 1, schedule)[index]!;
          const full = seatFee(plan, seats);
          // The whole period, also started up to 999 ms late: never partial, always the full fee.
          const whole = subscriptionFee(
            plan,
            seats,
            period,
            { start: new Date(period.start.getTime() + ms), end: period.end },
            schedule.timeZone,
          );
          expect(whole.partial).toBe(false);
          expect(whole.amount.equals(full)).toBe(true);
          expect(whole.description).not.toContain('partial');
          // A later start: partial exactly when whole seconds are missing, charged the rounded share.
          const length = period.end.getTime() - period.start.getTime();
          const from = new Date(period.start.getTime() + Math.floor(share * (length - 1)));
          const fee = subscriptionFee(plan, seats, period, { start: from, end: period.end }, schedule.timeZone);
          const missing = Math.floor(from.getTime() / 1000) > Math.floor(period.start.getTime() / 1000);
          expect(fee.partial).toBe(missing);
          expect(fee.description.endsWith('(partial period)')).toBe(missing);
          if (missing) {
            expect(fee.amount.equals(proratedLineAmount(full, fee.fraction))).toBe(true);
            if (fee.amount.equals(full)) expect(proratedLineAmount(full, fee.fraction).equals(full.round())).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
