import { InvalidTimeZoneError } from './errors.js';

/**
 * Wall-clock calendar math in IANA time zones, on top of `Intl.DateTimeFormat` (the tz database that ships with
 * the JS runtime). Deterministic for a given runtime: no current time, no locale dependence (the formatter is
 * pinned to en-US, Gregorian calendar, Latin digits, 23-hour clock, and only numeric parts are read).
 */

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const MS_PER_SECOND = 1000;
const MS_PER_HOUR = 3_600_000;
// Real UTC offsets lie within -12h..+14h; probing a little wider costs nothing.
const MAX_NEGATIVE_OFFSET_MS = 15 * MS_PER_HOUR;
const MAX_POSITIVE_OFFSET_MS = 15 * MS_PER_HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new InvalidTimeZoneError(timeZone);
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws InvalidTimeZoneError unless `timeZone` is an IANA zone the runtime knows ('UTC' included). */
export function assertTimeZone(timeZone: string): string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) throw new InvalidTimeZoneError(String(timeZone));
  formatterFor(timeZone);
  return timeZone;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    assertTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

function assertValidDate(instant: Date): number {
  const ms = instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Invalid Date');
  return ms;
}

/** The wall-clock date and time in `timeZone` at `instant` (seconds truncated, as the calendar shows it). */
export function toLocalDateTime(instant: Date, timeZone: string): LocalDateTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(assertValidDate(instant)));
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of parts) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        // Some ICU versions print midnight as 24 even with h23.
        hour = Number(part.value) % 24;
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value.startsWith('B');
        break;
    }
  }
  return { year: bc ? 1 - year : year, month, day, hour, minute, second };
}

export function toLocalDate(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = toLocalDateTime(instant, timeZone);
  return { year, month, day };
}

/** Milliseconds since the epoch of a wall-clock reading taken as if it were UTC (years 0..99 included). */
function wallClockMs(t: LocalDate & Partial<LocalDateTime>): number {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour ?? 0, t.minute ?? 0, t.second ?? 0, 0);
  return d.getTime();
}

/** UTC offset of `timeZone` at `instant`, in milliseconds (whole seconds: tz offsets never have fractions). */
export function utcOffsetMs(instant: Date, timeZone: string): number {
  const ms = assertValidDate(instant);
  const truncated = ms - (((ms % MS_PER_SECOND) + MS_PER_SECOND) % MS_PER_SECOND);
  return wallClockMs(toLocalDateTime(instant, timeZone)) - truncated;
}

function offsetAt(ms: number, timeZone: string): number {
  return utcOffsetMs(new Date(ms), timeZone);
}

// Period boundaries are asked for again and again (every metered event looks up its period).
const START_OF_DAY_CACHE_SIZE = 10_000;
const startOfDayCache = new Map<string, number>();

/**
 * The first instant of local calendar day `date` in `timeZone`, i.e. local midnight converted to UTC.
 *
 * - Midnight that happens twice (a DST fall-back at or across 00:00) resolves to its first occurrence.
 * - Midnight that does not exist (a DST spring-forward at 00:00, as in America/Santiago or Asia/Beirut, or a day
 *   skipped outright, as Pacific/Apia skipped 30 Dec 2011) resolves to the first instant whose local time is
 *   later than it: the moment the clocks jump to. The day still starts when that day's calendar starts.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  assertTimeZone(timeZone);
  const key = `${timeZone}|${date.year}-${date.month}-${date.day}`;
  let ms = startOfDayCache.get(key);
  if (ms === undefined) {
    ms = computeStartOfLocalDay(date, timeZone);
    // Bounded, and a pure function of its key, so sharing it across workflow runs cannot break determinism.
    if (startOfDayCache.size >= START_OF_DAY_CACHE_SIZE) startOfDayCache.clear();
    startOfDayCache.set(key, ms);
  }
  return new Date(ms);
}

function computeStartOfLocalDay(date: LocalDate, timeZone: string): number {
  const wall = wallClockMs(date);
  // Candidate offsets: any instant whose wall clock reads `wall` lies within this window.
  const probes = [wall - MAX_POSITIVE_OFFSET_MS, wall, wall + MAX_NEGATIVE_OFFSET_MS];
  const offsets = [...new Set(probes.map((p) => offsetAt(p, timeZone)))];

  let earliest: number | undefined;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (offsetAt(candidate, timeZone) === offset && (earliest === undefined || candidate < earliest)) {
      earliest = candidate;
    }
  }
  if (earliest !== undefined) return earliest;

  // In a gap: binary-search the transition, the first instant whose wall clock is at or past `wall`.
  let lo = wall - Math.max(...offsets); // wall clock before `wall`
  let hi = wall - Math.min(...offsets); // wall clock after `wall`
  while (hi - lo > MS_PER_SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / MS_PER_SECOND) * MS_PER_SECOND;
    if (mid === lo) break;
    if (mid + offsetAt(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  switch (month) {
    case 2:
      return isLeapYear(year) ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11:
      return 30;
    default:
      return 31;
  }
}

/** Calendar arithmetic on a local date (no time zone involved): day overflow rolls into the next month. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(wallClockMs(date) + days * 24 * MS_PER_HOUR);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const MONTH_ABBREVIATIONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '15 Mar 2026': built by hand so no runtime locale data can change an invoice line. */
export function formatLocalDate(date: LocalDate): string {
  return `${date.day} ${MONTH_ABBREVIATIONS[date.month - 1] ?? '???'} ${date.year}`;
}

/** '15 Mar 2026' for the local calendar day of `instant` in `timeZone`. */
export function formatDateInZone(instant: Date, timeZone: string): string {
  return formatLocalDate(toLocalDate(instant, timeZone));
}

/**
 * Whether `instant` is, to the second, the start of its local day in `timeZone`: local midnight, or the moment the
 * clocks jump to on a day whose midnight does not exist (see startOfLocalDay).
 */
export function isStartOfLocalDay(instant: Date, timeZone: string): boolean {
  const start = startOfLocalDay(toLocalDate(instant, timeZone), timeZone).getTime();
  return Math.floor(instant.getTime() / 1000) === Math.floor(start / 1000);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * The local wall-clock reading of `instant`, as exact as an invoice needs it: '15 Feb 2028' at the start of a local day,
 * '15 Feb 2028 12:00' otherwise, '15 Feb 2028 12:00:07' when the seconds are not zero (billing counts whole seconds).
 */
export function formatInstantInZone(instant: Date, timeZone: string): string {
  const t = toLocalDateTime(instant, timeZone);
  const date = formatLocalDate(t);
  if (isStartOfLocalDay(instant, timeZone)) return date;
  const seconds = t.second === 0 ? '' : `:${pad2(t.second)}`;
  return `${date} ${pad2(t.hour)}:${pad2(t.minute)}${seconds}`;
}
