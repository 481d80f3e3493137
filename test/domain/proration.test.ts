// Seat pricing and proration by named cases: fees, fractions in whole seconds, seat and plan changes, pause, resume and
// cancel, time zones and DST, rounding. The invariants over random periods and changes: prorationProperties.test.ts.
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
  seatFee,
  segmentFraction,
  subscriptionFeeLine,
} from '../../domain/index.js';

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
