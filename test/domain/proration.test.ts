import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BillingPeriod,
  ChangeOutsidePeriodError,
  CurrencyMismatchError,
  describeSeats,
  fractionToJSON,
  InvalidPriceDefinitionError,
  InvalidSubscriptionChangeError,
  Money,
  periodContaining,
  periodLengthSeconds,
  prorateAmount,
  prorateChange,
  proratedLineAmount,
  remainingFraction,
  type SeatPlan,
  type SeatState,
  type SubscriptionChange,
  seatFee,
  segmentFraction,
  subscriptionFeeLine,
} from '../../domain/index.js';

// Property tests run hundreds of cases; on a loaded 2-core machine they need more than vitest's default 5 s.
const PROPERTY_TIMEOUT_MS = 60_000;

const pro: SeatPlan = { id: 'plan_pro', name: 'Pro', interval: 'month', pricePerSeat: '30.00', currency: 'USD' };
const business: SeatPlan = { id: 'plan_biz', name: 'Business', interval: 'month', pricePerSeat: '50', currency: 'USD' };
const march: BillingPeriod = { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-04-01T00:00:00Z') };
const mid = new Date('2026-03-16T00:00:00Z'); // 16 of 31 days remain
const ctx = { period: march, at: mid, timeZone: 'UTC' };
const amounts = (p: { lines: { amount: Money }[] }) => p.lines.map((l) => l.amount.toString());

describe('seat pricing', () => {
  it('prices N seats for a period and describes the fee line', () => {
    expect(seatFee(pro, 12).toString()).toBe('360.00');
    expect(seatFee(pro, 0).toString()).toBe('0.00');
    expect(seatFee({ ...pro, pricePerSeat: '9.999999' }, 3).toString()).toBe('29.999997');
    expect(describeSeats({ plan: pro, seats: 12 })).toBe('12 × Pro (monthly)');
    expect(describeSeats({ plan: { ...pro, interval: 'year' }, seats: 1 })).toBe('1 × Pro (yearly)');
    const ny = periodContaining(new Date('2026-03-15T00:00:00Z'), {
      anchorDay: 1,
      timeZone: 'America/New_York',
      interval: 'month',
    });
    const line = subscriptionFeeLine({ plan: pro, seats: 12 }, ny, 'America/New_York');
    expect(line).toMatchObject({
      kind: 'subscription_fee',
      description: '12 × Pro (monthly), 1 Mar 2026 – 31 Mar 2026',
      quantity: '12',
      periodStart: ny.start,
      periodEnd: ny.end,
    });
    expect(line.amount.toString()).toBe('360.00');
  });

  it('rejects bad seat counts and prices', () => {
    for (const seats of [-1, 1.5, Number.NaN]) {
      expect(() => seatFee(pro, seats)).toThrowError(expect.objectContaining({ code: 'INVALID_QUANTITY' }));
    }
    expect(() => seatFee({ ...pro, pricePerSeat: '30.0000001' }, 1)).toThrow(InvalidPriceDefinitionError);
    expect(() => seatFee({ ...pro, pricePerSeat: '-1' }, 1)).toThrow(InvalidPriceDefinitionError);
  });
});

describe('proration fractions', () => {
  it('counts whole seconds remaining, the change second included', () => {
    expect(remainingFraction(march, mid)).toEqual({ seconds: 16 * 86_400, periodSeconds: 31 * 86_400 });
    expect(remainingFraction(march, march.start)).toEqual({ seconds: 31 * 86_400, periodSeconds: 31 * 86_400 });
    expect(remainingFraction(march, new Date('2026-03-31T23:59:59.000Z')).seconds).toBe(1);
    expect(remainingFraction(march, new Date('2026-03-31T23:59:59.999Z')).seconds).toBe(1);
    expect(segmentFraction(march, march.start, mid).seconds).toBe(15 * 86_400);
  });

  it('rejects instants outside [start, end)', () => {
    expect(() => remainingFraction(march, march.end)).toThrow(ChangeOutsidePeriodError);
    expect(() => remainingFraction(march, new Date('2026-02-28T23:59:59.999Z'))).toThrowError(
      expect.objectContaining({ code: 'CHANGE_OUTSIDE_PERIOD' }),
    );
    expect(() => segmentFraction(march, mid, march.start)).toThrow(InvalidSubscriptionChangeError);
    expect(() => remainingFraction(march, new Date(Number.NaN))).toThrow(ChangeOutsidePeriodError);
  });
});

describe('prorateChange: named cases', () => {
  it('seat increase 10 -> 12 on 16 Mar: credit unused 10, charge remaining 12, charged now', () => {
    const p = prorateChange({ kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: pro, seats: 12 } }, ctx);
    expect(p.reason).toBe('seat_increase');
    expect(p.lines.map((l) => l.description)).toEqual([
      'Unused time on 10 × Pro (monthly) after 16 Mar 2026',
      'Remaining time on 12 × Pro (monthly) after 16 Mar 2026',
    ]);
    expect(amounts(p)).toEqual(['-154.84', '185.81']); // 300 * 16/31 = 154.8387..., 360 * 16/31 = 185.8064...
    expect(p.net.toString()).toBe('30.97');
    expect(p.settlement).toBe('charge_now');
    expect(p.lines.map((l) => l.direction)).toEqual(['credit', 'charge']);
    expect(p.lines[0]).toMatchObject({ kind: 'proration', quantity: '10', periodStart: mid, periodEnd: march.end });
  });

  it('seat decrease 12 -> 10 is credited to the next invoice', () => {
    const p = prorateChange({ kind: 'update', from: { plan: pro, seats: 12 }, to: { plan: pro, seats: 10 } }, ctx);
    expect(p.reason).toBe('seat_decrease');
    expect(amounts(p)).toEqual(['-185.81', '154.84']);
    expect(p.net.toString()).toBe('-30.97');
    expect(p.settlement).toBe('credit_next_invoice');
  });

  it('same-day change and change-back: exactly zero at the same instant, the hours held otherwise', () => {
    const ten: SeatState = { plan: pro, seats: 10 };
    const twelve: SeatState = { plan: pro, seats: 12 };
    const up = prorateChange({ kind: 'update', from: ten, to: twelve }, ctx);
    const back = prorateChange({ kind: 'update', from: twelve, to: ten }, ctx);
    expect([...amounts(up), ...amounts(back)]).toEqual(['-154.84', '185.81', '-185.81', '154.84']);
    expect(up.net.add(back.net).toString()).toBe('0.00');

    // 10:00 -> 15:00 on 16 Mar: two extra seats for 5 hours = 60 * 18000 / 2678400 = 0.4032...
    const at10 = { ...ctx, at: new Date('2026-03-16T10:00:00Z') };
    const at15 = { ...ctx, at: new Date('2026-03-16T15:00:00Z') };
    const up10 = prorateChange({ kind: 'update', from: ten, to: twelve }, at10);
    const back15 = prorateChange({ kind: 'update', from: twelve, to: ten }, at15);
    expect(amounts(up10)).toEqual(['-150.81', '180.97']);
    expect(amounts(back15)).toEqual(['-178.55', '148.79']);
    expect(up10.net.add(back15.net).toString()).toBe('0.40');
  });

  it('upgrade and downgrade between plans', () => {
    const up = prorateChange(
      { kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: business, seats: 10 } },
      ctx,
    );
    expect(up.reason).toBe('upgrade');
    expect(amounts(up)).toEqual(['-154.84', '258.06']);
    expect(up.lines[1]?.description).toBe('Remaining time on 10 × Business (monthly) after 16 Mar 2026');
    expect(up.net.toString()).toBe('103.22');
    const down = prorateChange(
      { kind: 'update', from: { plan: business, seats: 10 }, to: { plan: pro, seats: 12 } },
      ctx,
    );
    expect(down.reason).toBe('downgrade');
    expect(down.net.toString()).toBe('-72.25'); // -258.06 + 185.81
    // Same plan id at a new price (a re-priced plan version) is a plan change, never ignored.
    const repriced = prorateChange(
      { kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: { ...pro, pricePerSeat: '31' }, seats: 10 } },
      ctx,
    );
    expect(repriced.reason).toBe('upgrade');
    expect(repriced.net.toString()).toBe('5.16'); // 310 * 16/31 = 160 exactly, minus 154.84
    const same = prorateChange({ kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: pro, seats: 10 } }, ctx);
    expect(same).toMatchObject({ reason: 'no_change', lines: [], settlement: 'none' });
    expect(same.net.toString()).toBe('0.00');
  });

  it('pause, resume and immediate cancel', () => {
    const state: SeatState = { plan: pro, seats: 10 };
    const pause = prorateChange({ kind: 'pause', state }, ctx);
    expect(pause.lines.map((l) => [l.description, l.amount.toString()])).toEqual([
      ['Unused time on 10 × Pro (monthly) after 16 Mar 2026 (paused)', '-154.84'],
    ]);
    expect(pause.settlement).toBe('credit_next_invoice');
    const resume = prorateChange({ kind: 'resume', state }, { ...ctx, at: new Date('2026-03-21T12:00:00Z') });
    // 10 days 12 hours left: 300 * 907200 / 2678400 = 101.6129...
    expect(resume.lines.map((l) => [l.description, l.amount.toString()])).toEqual([
      ['Remaining time on 10 × Pro (monthly) after 21 Mar 2026 12:00 (resumed)', '101.61'],
    ]);
    expect(resume.settlement).toBe('charge_now');
    const cancel = prorateChange({ kind: 'cancel', state }, ctx);
    expect(cancel.reason).toBe('cancel');
    expect(cancel.lines[0]?.description).toBe('Unused time on 10 × Pro (monthly) after 16 Mar 2026 (canceled)');
    expect(cancel.net.toString()).toBe('-154.84');
  });

  it('a change at the last second of a period prorates one second', () => {
    const unit: SeatPlan = { name: 'Unit', interval: 'month', pricePerSeat: '2678400', currency: 'JPY' }; // 1 yen/s
    const lastSecond = new Date('2026-03-31T23:59:59.000Z');
    const p = prorateChange(
      { kind: 'update', from: { plan: unit, seats: 1 }, to: { plan: unit, seats: 2 } },
      { ...ctx, at: lastSecond },
    );
    expect(p.fraction).toEqual({ seconds: 1, periodSeconds: 2_678_400 });
    expect(amounts(p)).toEqual(['-1', '2']);
    expect(p.net.toString()).toBe('1');
    // In USD the same second is worth less than a cent: both lines round to zero, nothing to settle.
    const usd = prorateChange(
      { kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: pro, seats: 12 } },
      { ...ctx, at: new Date('2026-03-31T23:59:59.999Z') },
    );
    expect(amounts(usd)).toEqual(['0.00', '0.00']);
    expect(usd.settlement).toBe('none');
    // The first instant prorates the whole period.
    const first = prorateChange(
      { kind: 'update', from: { plan: unit, seats: 1 }, to: { plan: unit, seats: 2 } },
      { ...ctx, at: march.start },
    );
    expect(amounts(first)).toEqual(['-2678400', '5356800']);
    expect(() =>
      prorateChange(
        { kind: 'update', from: { plan: unit, seats: 1 }, to: { plan: unit, seats: 2 } },
        { ...ctx, at: march.end },
      ),
    ).toThrow(ChangeOutsidePeriodError);
  });

  it('dates lines in the entity time zone and prorates over the DST-shortened period', () => {
    const ny = periodContaining(new Date('2026-03-15T00:00:00Z'), {
      anchorDay: 1,
      timeZone: 'America/New_York',
      interval: 'month',
    });
    expect(periodLengthSeconds(ny)).toBe(2_674_800);
    const p = prorateChange(
      { kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: pro, seats: 12 } },
      { period: ny, at: new Date('2026-03-16T02:00:00Z'), timeZone: 'America/New_York' },
    );
    expect(p.fraction.seconds).toBe(1_389_600);
    // 02:00Z is 22:00 on 15 Mar in New York: the line shows the local time, not just the day.
    expect(p.lines[0]?.description).toBe('Unused time on 10 × Pro (monthly) after 15 Mar 2026 22:00');
    expect(amounts(p)).toEqual(['-155.85', '187.03']); // 155.8546..., 187.0255...
  });

  it('a change at noon shows its local time, the unit price per seat and the fraction it billed', () => {
    // Feb 2028 in Berlin: 29 days = 2,505,600 s. 15 Feb 12:00 CET = 11:00Z; remaining 14.5 days = 1,252,800 s = 1/2.
    const feb = periodContaining(new Date('2028-02-10T00:00:00Z'), {
      anchorDay: 1,
      timeZone: 'Europe/Berlin',
      interval: 'month',
    });
    const p = prorateChange(
      { kind: 'update', from: { plan: pro, seats: 10 }, to: { plan: pro, seats: 12 } },
      { period: feb, at: new Date('2028-02-15T11:00:00Z'), timeZone: 'Europe/Berlin' },
    );
    expect(p.fraction).toEqual({ seconds: 1_252_800, periodSeconds: 2_505_600 });
    expect(fractionToJSON(p.fraction)).toEqual({ value: '0.500000', seconds: 1_252_800, periodSeconds: 2_505_600 });
    expect(p.lines.map((l) => [l.description, l.unitAmount.toString(), l.amount.toString()])).toEqual([
      ['Unused time on 10 × Pro (monthly) after 15 Feb 2028 12:00', '30.00', '-150.00'],
      ['Remaining time on 12 × Pro (monthly) after 15 Feb 2028 12:00', '30.00', '180.00'],
    ]);
  });

  it('rounds each line to the currency minor unit, half-even', () => {
    const kwd: SeatPlan = { name: 'Team', interval: 'month', pricePerSeat: '12.345', currency: 'KWD' };
    const p = prorateChange({ kind: 'pause', state: { plan: kwd, seats: 3 } }, ctx);
    expect(amounts(p)).toEqual(['-19.115']); // 37.035 * 16/31 = 19.11483...
    const exact = prorateAmount(Money.of('100', 'USD'), { seconds: 1, periodSeconds: 8 });
    expect(exact.toString()).toBe('12.50');
    expect(proratedLineAmount(Money.of('0.1', 'USD'), { seconds: 1, periodSeconds: 4 }).toString()).toBe('0.02');
    expect(proratedLineAmount(Money.of('0.3', 'USD'), { seconds: 1, periodSeconds: 4 }).toString()).toBe('0.08');
  });

  it('rejects interval and currency changes', () => {
    expect(() =>
      prorateChange(
        {
          kind: 'update',
          from: { plan: pro, seats: 1 },
          to: { plan: { ...pro, id: 'y', interval: 'year' }, seats: 1 },
        },
        ctx,
      ),
    ).toThrow(InvalidSubscriptionChangeError);
    expect(() =>
      prorateChange(
        { kind: 'update', from: { plan: pro, seats: 1 }, to: { plan: { ...pro, id: 'e', currency: 'EUR' }, seats: 1 } },
        ctx,
      ),
    ).toThrow(CurrencyMismatchError);
  });
});

// --- properties ---

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
