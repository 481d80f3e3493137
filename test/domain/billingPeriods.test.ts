// Billing periods by named cases: anchor days clamped through February, DST changes and odd offsets, half-open
// boundaries, navigation, annual periods, descriptions and bad schedules. Ten years of random schedules:
// billingPeriodsProperties.test.ts.
import { describe, expect, it } from 'vitest';
import {
  anchorFromInstant,
  type BillingSchedule,
  billingPeriodFromJSON,
  billingPeriods,
  billingPeriodToJSON,
  describePeriod,
  InvalidBillingScheduleError,
  InvalidTimeZoneError,
  iterateBillingPeriods,
  nextPeriod,
  periodContaining,
  periodLengthSeconds,
  previousPeriod,
  toLocalDateTime,
} from '../../domain/index.js';
import { DAY, d, iso, monthly } from './periodFixtures.js';

describe('monthly periods: anchor 31 through February', () => {
  it('leap year 2024 clamps to 29 Feb and returns to the 31st', () => {
    const periods = billingPeriods(d('2024-01-31T00:00:00Z'), 5, monthly(31));
    expect(periods.map((p) => p.start.toISOString())).toEqual([
      '2024-01-31T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2024-03-31T00:00:00.000Z',
      '2024-04-30T00:00:00.000Z',
      '2024-05-31T00:00:00.000Z',
    ]);
    expect(periods[4]?.end.toISOString()).toBe('2024-06-30T00:00:00.000Z');
    expect(periods.map(periodLengthSeconds)).toEqual([29 * DAY, 31 * DAY, 30 * DAY, 31 * DAY, 30 * DAY]);
  });

  it('common year 2025 clamps to 28 Feb and returns to the 31st', () => {
    expect(billingPeriods(d('2025-02-15T12:00:00Z'), 3, monthly(31)).map(iso)).toEqual([
      ['2025-01-31T00:00:00.000Z', '2025-02-28T00:00:00.000Z'],
      ['2025-02-28T00:00:00.000Z', '2025-03-31T00:00:00.000Z'],
      ['2025-03-31T00:00:00.000Z', '2025-04-30T00:00:00.000Z'],
    ]);
  });

  it('anchors 29 and 30 clamp the same way; 2100 is not a leap year, 2000 is', () => {
    expect(billingPeriods(d('2100-02-01T00:00:00Z'), 2, monthly(29)).map((p) => p.start.toISOString())).toEqual([
      '2100-01-29T00:00:00.000Z',
      '2100-02-28T00:00:00.000Z',
    ]);
    expect(periodContaining(d('2000-03-01T00:00:00Z'), monthly(30)).start.toISOString()).toBe(
      '2000-02-29T00:00:00.000Z',
    );
  });

  it('anchor 31 in America/New_York through February 2024 (and the March DST change)', () => {
    expect(billingPeriods(d('2024-02-10T00:00:00Z'), 3, monthly(31, 'America/New_York')).map(iso)).toEqual([
      ['2024-01-31T05:00:00.000Z', '2024-02-29T05:00:00.000Z'],
      ['2024-02-29T05:00:00.000Z', '2024-03-31T04:00:00.000Z'],
      ['2024-03-31T04:00:00.000Z', '2024-04-30T04:00:00.000Z'],
    ]);
  });
});

describe('periods crossing DST changes', () => {
  it('America/New_York: spring forward makes March an hour short, fall back makes a period an hour long', () => {
    const march = periodContaining(d('2026-03-08T12:00:00Z'), monthly(1, 'America/New_York'));
    expect(iso(march)).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
    expect(periodLengthSeconds(march)).toBe(31 * DAY - 3600);

    const november = periodContaining(d('2026-11-01T12:00:00Z'), monthly(15, 'America/New_York'));
    expect(iso(november)).toEqual(['2026-10-15T04:00:00.000Z', '2026-11-15T05:00:00.000Z']);
    expect(periodLengthSeconds(november)).toBe(31 * DAY + 3600);
  });

  it('Europe/London: BST starts on 29 Mar 2026 and ends on 25 Oct 2026', () => {
    const march = periodContaining(d('2026-03-29T12:00:00Z'), monthly(1, 'Europe/London'));
    expect(iso(march)).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-31T23:00:00.000Z']);
    expect(periodLengthSeconds(march)).toBe(31 * DAY - 3600);

    const october = periodContaining(d('2026-10-25T12:00:00Z'), monthly(1, 'Europe/London'));
    expect(iso(october)).toEqual(['2026-09-30T23:00:00.000Z', '2026-11-01T00:00:00.000Z']);
    expect(periodLengthSeconds(october)).toBe(31 * DAY + 3600);
  });

  it('Australia/Lord_Howe: a 30-minute DST change', () => {
    const april = periodContaining(d('2026-04-10T00:00:00Z'), monthly(1, 'Australia/Lord_Howe'));
    expect(iso(april)).toEqual(['2026-03-31T13:00:00.000Z', '2026-04-30T13:30:00.000Z']);
    expect(periodLengthSeconds(april)).toBe(30 * DAY + 1800);
  });

  it('Asia/Kolkata: a half-hour offset without DST', () => {
    expect(iso(periodContaining(d('2026-01-15T00:00:00Z'), monthly(1, 'Asia/Kolkata')))).toEqual([
      '2025-12-31T18:30:00.000Z',
      '2026-01-31T18:30:00.000Z',
    ]);
  });

  it('a midnight that does not exist starts the day when the clocks jump (America/Santiago, 11 Sep 2022)', () => {
    const p = periodContaining(d('2022-09-20T00:00:00Z'), monthly(11, 'America/Santiago'));
    expect(iso(p)).toEqual(['2022-09-11T04:00:00.000Z', '2022-10-11T03:00:00.000Z']);
    expect(toLocalDateTime(p.start, 'America/Santiago')).toEqual({
      year: 2022,
      month: 9,
      day: 11,
      hour: 1,
      minute: 0,
      second: 0,
    });
  });

  it('a skipped day starts the period at the next day (Pacific/Apia skipped 30 Dec 2011)', () => {
    const p = periodContaining(d('2012-01-05T00:00:00Z'), monthly(30, 'Pacific/Apia'));
    expect(iso(p)).toEqual(['2011-12-30T10:00:00.000Z', '2012-01-29T10:00:00.000Z']);
  });
});

describe('boundaries, navigation and annual periods', () => {
  const ny = monthly(1, 'America/New_York');

  it('is half-open: the boundary instant belongs to the new period', () => {
    expect(periodContaining(d('2026-03-01T05:00:00.000Z'), ny).start.toISOString()).toBe('2026-03-01T05:00:00.000Z');
    expect(iso(periodContaining(d('2026-03-01T04:59:59.999Z'), ny))).toEqual([
      '2026-02-01T05:00:00.000Z',
      '2026-03-01T05:00:00.000Z',
    ]);
  });

  it('moves to the next and previous period', () => {
    const p = periodContaining(d('2026-03-15T00:00:00Z'), ny);
    expect(nextPeriod(p, ny).start.getTime()).toBe(p.end.getTime());
    expect(previousPeriod(p, ny).end.getTime()).toBe(p.start.getTime());
    expect(iso(previousPeriod(nextPeriod(p, ny), ny))).toEqual(iso(p));
    const it = iterateBillingPeriods(d('2026-03-15T00:00:00Z'), ny);
    expect(iso(it.next().value)).toEqual(iso(p));
    expect(iso(it.next().value)).toEqual(iso(nextPeriod(p, ny)));
    expect(billingPeriods(p.start, 0, ny)).toEqual([]);
  });

  it('annual periods anchored on 29 Feb clamp to 28 Feb in common years', () => {
    const schedule: BillingSchedule = { interval: 'year', anchorDay: 29, anchorMonth: 2, timeZone: 'UTC' };
    expect(billingPeriods(d('2024-03-01T00:00:00Z'), 4, schedule).map((p) => p.start.toISOString())).toEqual([
      '2024-02-29T00:00:00.000Z',
      '2025-02-28T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2027-02-28T00:00:00.000Z',
    ]);
    expect(billingPeriods(d('2027-03-01T00:00:00Z'), 1, schedule)[0]?.end.toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });

  it('annual periods in a time zone', () => {
    const schedule: BillingSchedule = {
      interval: 'year',
      anchorDay: 31,
      anchorMonth: 3,
      timeZone: 'America/New_York',
    };
    expect(iso(periodContaining(d('2026-06-01T00:00:00Z'), schedule))).toEqual([
      '2026-03-31T04:00:00.000Z',
      '2027-03-31T04:00:00.000Z',
    ]);
  });

  it('derives the anchor from a start instant in the entity time zone', () => {
    expect(anchorFromInstant(d('2026-02-01T03:00:00Z'), 'America/New_York')).toEqual({ anchorDay: 31, anchorMonth: 1 });
    expect(anchorFromInstant(d('2026-02-01T03:00:00Z'), 'UTC')).toEqual({ anchorDay: 1, anchorMonth: 2 });
  });

  it('describes a period by its first and last local day', () => {
    expect(describePeriod(periodContaining(d('2026-03-15T00:00:00Z'), ny), 'America/New_York')).toBe(
      '1 Mar 2026 – 31 Mar 2026',
    );
    expect(describePeriod(periodContaining(d('2025-02-10T00:00:00Z'), monthly(31)), 'UTC')).toBe(
      '31 Jan 2025 – 27 Feb 2025',
    );
  });

  it('shows the time of a bound that is not at local midnight (a mid-day start or close)', () => {
    const berlin = 'Europe/Berlin';
    // 7 Dec 2026 16:55 UTC = 17:55 in Berlin; the end 1 Dec 2027 00:00 Berlin is exclusive: last day 30 Nov.
    expect(describePeriod({ start: d('2026-12-07T16:55:00Z'), end: d('2027-11-30T23:00:00Z') }, berlin)).toBe(
      '7 Dec 2026 17:55 – 30 Nov 2027',
    );
    // A period closed at 15 Mar 12:00:07 local covers part of 15 Mar: shown as the instant it ends at.
    expect(describePeriod({ start: d('2026-03-01T00:00:00Z'), end: d('2026-03-15T12:00:07Z') }, 'UTC')).toBe(
      '1 Mar 2026 – 15 Mar 2026 12:00:07',
    );
    // Santiago's clocks jump from 00:00 to 01:00 on 6 Sep 2026: that day starts at 01:00, still a whole day.
    const santiago = periodContaining(d('2026-09-20T12:00:00Z'), monthly(6, 'America/Santiago'));
    expect(describePeriod(santiago, 'America/Santiago')).toBe('6 Sep 2026 – 5 Oct 2026');
    // Milliseconds never show: billing counts whole seconds.
    expect(describePeriod({ start: d('2026-03-01T00:00:00.500Z'), end: d('2026-04-01T00:00:00Z') }, 'UTC')).toBe(
      '1 Mar 2026 – 31 Mar 2026',
    );
  });

  it('serialises periods as ISO strings', () => {
    const p = periodContaining(d('2026-03-15T00:00:00Z'), ny);
    const json = billingPeriodToJSON(p);
    expect(json).toEqual({ start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z' });
    expect(iso(billingPeriodFromJSON(json))).toEqual(iso(p));
    expect(() => billingPeriodFromJSON({ start: json.end, end: json.start })).toThrow(InvalidBillingScheduleError);
  });

  it('rejects bad schedules with typed errors', () => {
    const at = d('2026-01-01T00:00:00Z');
    for (const anchorDay of [0, 32, 1.5, Number.NaN]) {
      expect(() => periodContaining(at, monthly(anchorDay))).toThrow(InvalidBillingScheduleError);
    }
    expect(() => periodContaining(at, monthly(1, 'Mars/Olympus_Mons'))).toThrow(InvalidTimeZoneError);
    expect(() => periodContaining(at, { interval: 'year', anchorDay: 1, timeZone: 'UTC' })).toThrow(
      InvalidBillingScheduleError,
    );
    expect(() => periodContaining(at, { interval: 'year', anchorDay: 1, anchorMonth: 13, timeZone: 'UTC' })).toThrow(
      InvalidBillingScheduleError,
    );
    expect(() => periodContaining(at, { ...monthly(1), interval: 'week' as 'month' })).toThrow(
      InvalidBillingScheduleError,
    );
    expect(() => periodContaining(d('nope'), monthly(1))).toThrow(InvalidBillingScheduleError);
  });
});
