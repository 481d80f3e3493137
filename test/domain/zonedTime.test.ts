import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysInMonth,
  formatDateInZone,
  InvalidTimeZoneError,
  isValidTimeZone,
  startOfLocalDay,
  toLocalDateTime,
  utcOffsetMs,
} from '../../domain/index.js';

const H = 3_600_000;

describe('zoned time', () => {
  it('reads UTC offsets, including half-hour and DST ones', () => {
    expect(utcOffsetMs(new Date('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * H);
    expect(utcOffsetMs(new Date('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * H);
    expect(utcOffsetMs(new Date('2026-07-15T12:00:00Z'), 'Europe/London')).toBe(1 * H);
    expect(utcOffsetMs(new Date('2026-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * H);
    expect(utcOffsetMs(new Date('2026-01-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(11 * H);
    expect(utcOffsetMs(new Date('2026-07-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(10.5 * H);
    expect(utcOffsetMs(new Date('2026-07-15T12:00:00.999Z'), 'UTC')).toBe(0);
  });

  it('converts local midnight to UTC across DST', () => {
    expect(startOfLocalDay({ year: 2026, month: 3, day: 8 }, 'America/New_York').toISOString()).toBe(
      '2026-03-08T05:00:00.000Z',
    );
    expect(startOfLocalDay({ year: 2026, month: 3, day: 9 }, 'America/New_York').toISOString()).toBe(
      '2026-03-09T04:00:00.000Z',
    );
    // Havana ends DST at 01:00 -> 00:00: midnight of 1 Nov 2026 happens twice; the first one counts.
    const havana = startOfLocalDay({ year: 2026, month: 11, day: 1 }, 'America/Havana');
    expect(havana.toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(toLocalDateTime(new Date(havana.getTime() - 1000), 'America/Havana').day).toBe(31);
  });

  it('reads local calendar dates and formats them without locale data', () => {
    expect(toLocalDateTime(new Date('2026-03-16T02:00:00Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 3,
      day: 15,
      hour: 22,
      minute: 0,
      second: 0,
    });
    expect(formatDateInZone(new Date('2026-03-16T02:00:00Z'), 'America/New_York')).toBe('15 Mar 2026');
    expect(formatDateInZone(new Date('2026-03-16T02:00:00Z'), 'UTC')).toBe('16 Mar 2026');
    expect(toLocalDateTime(new Date('2026-01-01T00:00:00Z'), 'UTC').hour).toBe(0);
  });

  it('does calendar arithmetic', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2025, 2)).toBe(28);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2026, 4)).toBe(30);
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
    expect(addDays({ year: 2024, month: 12, day: 31 }, 1)).toEqual({ year: 2025, month: 1, day: 1 });
  });

  it('rejects unknown time zones', () => {
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('Europe/Londinium')).toBe(false);
    expect(() => toLocalDateTime(new Date(0), 'Nowhere/Special')).toThrow(InvalidTimeZoneError);
    expect(() => startOfLocalDay({ year: 2026, month: 1, day: 1 }, '')).toThrowError(
      expect.objectContaining({ code: 'INVALID_TIME_ZONE' }),
    );
  });
});
