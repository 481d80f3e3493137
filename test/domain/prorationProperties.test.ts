// Proration invariants over random periods (time zones, DST), plans, currencies and change instants, with fast-check:
// segments sum to the whole fee, a sequence of changes bills the time-weighted fee, a change and its reversal net to
// zero, more seats never credit. Named cases: proration.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BillingPeriod,
  Money,
  periodContaining,
  periodLengthSeconds,
  prorateAmount,
  prorateChange,
  proratedLineAmount,
  type SeatPlan,
  type SubscriptionChange,
  seatFee,
  segmentFraction,
} from '../../domain/index.js';

// Property tests run hundreds of cases; on a loaded 2-core machine they need more than vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 60_000;

const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Apia'];
const CURRENCIES = ['USD', 'JPY', 'KWD'] as const;
const DIGITS = { USD: 2, JPY: 0, KWD: 3 } as const;

const periodArb = fc
  .record({
    anchorDay: fc.integer({ min: 1, max: 31 }),
    timeZone: fc.constantFrom(...ZONES),
    interval: fc.constantFrom('month' as const, 'year' as const),
    anchorMonth: fc.integer({ min: 1, max: 12 }),
    instant: fc.date({
      min: new Date('2015-01-01T00:00:00Z'),
      max: new Date('2035-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
  })
  .map(({ instant, ...schedule }) => ({ period: periodContaining(instant, schedule), schedule }));

const planArb = (currency: (typeof CURRENCIES)[number], interval: 'month' | 'year') =>
  fc
    .record({
      id: fc.constantFrom('a', 'b', 'c'),
      units: fc.integer({ min: 0, max: 10_000_000 }),
    })
    .map(
      ({ id, units }): SeatPlan => ({
        id,
        name: `Plan ${id}`,
        interval,
        currency,
        pricePerSeat: Money.fromMinorUnits(BigInt(units), currency).toString(),
      }),
    );

/** k distinct instants strictly inside the period, sorted. */
const instantsIn = (period: BillingPeriod, maxCount: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: periodLengthSeconds(period) - 1 }), { minLength: 1, maxLength: maxCount })
    .map((offsets) => offsets.sort((a, b) => a - b).map((s) => new Date(period.start.getTime() + s * 1000)));

describe('properties', () => {
  it(
    'splitting a period at k instants: the segment prorations sum to the full fee within one minor unit per split',
    () => {
      fc.assert(
        fc.property(
          periodArb.chain(({ period }) =>
            fc.record({
              period: fc.constant(period),
              cuts: instantsIn(period, 12),
              currency: fc.constantFrom(...CURRENCIES),
              units: fc.bigInt({ min: 0n, max: 10n ** 12n }),
            }),
          ),
          ({ period, cuts, currency, units }) => {
            const fee = Money.fromMinorUnits(units, currency);
            const bounds = [period.start, ...cuts, period.end];
            let sum = Money.zero(currency);
            for (let i = 0; i + 1 < bounds.length; i += 1) {
              sum = sum.add(proratedLineAmount(fee, segmentFraction(period, bounds[i]!, bounds[i + 1]!)));
            }
            const error = sum.subtract(fee).abs();
            expect(error.lessThanOrEqual(Money.fromMinorUnits(BigInt(cuts.length), currency))).toBe(true);
            // Unrounded segments sum to the fee up to the 40 significant digits kept by BillingDecimal.
            const exact = bounds.slice(1).map((end, i) => prorateAmount(fee, segmentFraction(period, bounds[i]!, end)));
            expect(Money.sum(exact, currency).roundTo(20).equals(fee)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a sequence of seat and plan changes bills the time-weighted fee within one minor unit per change',
    () => {
      fc.assert(
        fc.property(
          periodArb.chain(({ period, schedule }) =>
            fc.constantFrom(...CURRENCIES).chain((currency) =>
              fc.record({
                period: fc.constant(period),
                timeZone: fc.constant(schedule.timeZone),
                currency: fc.constant(currency),
                at: instantsIn(period, 8),
                states: fc.array(
                  fc.record({ plan: planArb(currency, schedule.interval), seats: fc.integer({ min: 0, max: 500 }) }),
                  { minLength: 9, maxLength: 9 },
                ),
              }),
            ),
          ),
          ({ period, timeZone, currency, at, states }) => {
            const total = periodLengthSeconds(period);
            let state = states[0]!;
            let billed = seatFee(state.plan, state.seats); // the in-advance fee (exact at the minor unit)
            let expected = Money.zero(currency);
            let segmentStart = period.start;
            at.forEach((instant, i) => {
              const next = states[i + 1]!;
              const seconds = (instant.getTime() - segmentStart.getTime()) / 1000;
              expected = expected.add(seatFee(state.plan, state.seats).multiplyByFraction(seconds, total));
              billed = billed.add(
                prorateChange({ kind: 'update', from: state, to: next }, { period, at: instant, timeZone }).net,
              );
              state = next;
              segmentStart = instant;
            });
            const lastSeconds = (period.end.getTime() - segmentStart.getTime()) / 1000;
            expected = expected.add(seatFee(state.plan, state.seats).multiplyByFraction(lastSeconds, total));
            const tolerance = Money.fromMinorUnits(BigInt(at.length), currency);
            expect(billed.subtract(expected).abs().lessThanOrEqual(tolerance)).toBe(true);
            expect(billed.isRounded()).toBe(true);
            expect(DIGITS[currency]).toBe(billed.minorUnitDigits);
          },
        ),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a change and its reversal at the same instant net to exactly zero; so do pause and resume',
    () => {
      fc.assert(
        fc.property(
          periodArb.chain(({ period, schedule }) =>
            fc.constantFrom(...CURRENCIES).chain((currency) =>
              fc.record({
                period: fc.constant(period),
                timeZone: fc.constant(schedule.timeZone),
                at: instantsIn(period, 1),
                a: fc.record({ plan: planArb(currency, schedule.interval), seats: fc.integer({ min: 0, max: 1000 }) }),
                b: fc.record({ plan: planArb(currency, schedule.interval), seats: fc.integer({ min: 0, max: 1000 }) }),
              }),
            ),
          ),
          ({ period, timeZone, at, a, b }) => {
            const context = { period, at: at[0]!, timeZone };
            const pairs: [SubscriptionChange, SubscriptionChange][] = [
              [
                { kind: 'update', from: a, to: b },
                { kind: 'update', from: b, to: a },
              ],
              [
                { kind: 'pause', state: a },
                { kind: 'resume', state: a },
              ],
            ];
            for (const [change, reversal] of pairs) {
              const forth = prorateChange(change, context);
              const back = prorateChange(reversal, context);
              expect(forth.net.add(back.net).isZero()).toBe(true);
              expect(forth.net.negate().equals(back.net)).toBe(true);
              const forthIsCharge = forth.settlement === 'charge_now';
              expect(back.settlement === 'credit_next_invoice').toBe(forthIsCharge);
            }
          },
        ),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('more seats on the same plan is never a credit, fewer is never a charge', () => {
    fc.assert(
      fc.property(
        periodArb.chain(({ period, schedule }) =>
          fc.record({
            period: fc.constant(period),
            at: instantsIn(period, 1),
            plan: planArb('USD', schedule.interval),
            from: fc.integer({ min: 0, max: 1000 }),
            to: fc.integer({ min: 0, max: 1000 }),
          }),
        ),
        ({ period, at, plan, from, to }) => {
          fc.pre(from !== to);
          const p = prorateChange(
            { kind: 'update', from: { plan, seats: from }, to: { plan, seats: to } },
            { period, at: at[0]!, timeZone: 'UTC' },
          );
          expect(p.reason).toBe(to > from ? 'seat_increase' : 'seat_decrease');
          expect(p.settlement).not.toBe(to > from ? 'credit_next_invoice' : 'charge_now');
        },
      ),
    );
  });
});
