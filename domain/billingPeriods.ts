import { InvalidBillingScheduleError } from './errors.js';
import {
  addDays,
  assertTimeZone,
  daysInMonth,
  formatInstantInZone,
  formatLocalDate,
  isStartOfLocalDay,
  type LocalDate,
  startOfLocalDay,
  toLocalDate,
} from './zonedTime.js';

/**
 * Billing periods: the one place period boundaries are computed.
 *
 * A period is half-open, [start, end), both instants in UTC. Every boundary is local midnight, in the entity's
 * IANA time zone, of the anchor day. When the month is shorter than the anchor (anchor 29, 30 or 31) the boundary
 * clamps to the month's last day and returns to the anchor in the next month that has it: anchor 31 gives
 * 31 Jan, 28 (or 29) Feb, 31 Mar, 30 Apr, 31 May ... (never drifting to 28 for the rest of the year, a classic
 * billing bug). Boundaries are computed from the calendar, never by adding a month or a fixed number of hours
 * to the previous boundary, so DST changes move the UTC instant of midnight but never the local day, and a
 * period crossing a DST change is an hour (or, on Lord Howe Island, half an hour) shorter or longer.
 *
 * Annual periods use an anchor month and day: anchor 29 Feb clamps to 28 Feb in common years.
 */

export type BillingInterval = 'month' | 'year';

export interface BillingPeriod {
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface BillingSchedule {
  /** 1..31; days beyond the month's length clamp to its last day. */
  anchorDay: number;
  /** IANA time zone of the entity, e.g. 'Europe/London'. */
  timeZone: string;
  interval: BillingInterval;
  /** 1..12; required for annual schedules, ignored for monthly ones. */
  anchorMonth?: number;
}

/** An entity's billing settings, as its row stores them. */
export interface EntityScheduleRow {
  billingAnchorDay: number;
  timeZone: string;
}

/** The entity's own billing cycle: monthly, on its anchor day, in its time zone. */
export function monthlySchedule(entity: EntityScheduleRow): BillingSchedule {
  return { anchorDay: entity.billingAnchorDay, timeZone: entity.timeZone, interval: 'month' };
}

function validateSchedule(schedule: BillingSchedule): void {
  const { anchorDay, interval, anchorMonth } = schedule;
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 31) {
    throw new InvalidBillingScheduleError(`anchor day must be an integer 1..31, got ${String(anchorDay)}`);
  }
  if (interval !== 'month' && interval !== 'year') {
    throw new InvalidBillingScheduleError(`interval must be 'month' or 'year', got ${String(interval)}`);
  }
  if (interval === 'year') {
    if (anchorMonth === undefined) {
      throw new InvalidBillingScheduleError('an annual schedule needs an anchor month (see anchorFromInstant)');
    }
    if (!Number.isInteger(anchorMonth) || anchorMonth < 1 || anchorMonth > 12) {
      throw new InvalidBillingScheduleError(`anchor month must be an integer 1..12, got ${String(anchorMonth)}`);
    }
  }
  assertTimeZone(schedule.timeZone);
}

/** The local calendar day a boundary falls on: the anchor, clamped to the month's length. */
export function anchorDate(year: number, month: number, anchorDay: number): LocalDate {
  return { year, month, day: Math.min(anchorDay, daysInMonth(year, month)) };
}

/**
 * Boundaries are numbered: for monthly schedules index = year * 12 + (month - 1), for annual ones index = year.
 * Boundary `index` starts the period of that month (year).
 */
function boundaryDate(index: number, schedule: BillingSchedule): LocalDate {
  if (schedule.interval === 'month') {
    const year = Math.floor(index / 12);
    return anchorDate(year, index - year * 12 + 1, schedule.anchorDay);
  }
  return anchorDate(index, schedule.anchorMonth ?? 1, schedule.anchorDay);
}

function boundary(index: number, schedule: BillingSchedule): Date {
  return startOfLocalDay(boundaryDate(index, schedule), schedule.timeZone);
}

function assertInstant(instant: Date, what: string): void {
  if (!(instant instanceof Date) || !Number.isFinite(instant.getTime())) {
    throw new InvalidBillingScheduleError(`${what} is not a valid Date`);
  }
}

function indexContaining(instant: Date, schedule: BillingSchedule): number {
  const local = toLocalDate(instant, schedule.timeZone);
  let index = schedule.interval === 'month' ? local.year * 12 + (local.month - 1) : local.year;
  // Local wall time is not monotonic across a fall-back at midnight, so settle on instants, not on dates.
  const t = instant.getTime();
  while (boundary(index, schedule).getTime() > t) index -= 1;
  while (boundary(index + 1, schedule).getTime() <= t) index += 1;
  return index;
}

/** The period [start, end) that contains `instant`. */
export function periodContaining(instant: Date, schedule: BillingSchedule): BillingPeriod {
  validateSchedule(schedule);
  assertInstant(instant, 'instant');
  const index = indexContaining(instant, schedule);
  return { start: boundary(index, schedule), end: boundary(index + 1, schedule) };
}

/** The period that starts where `period` ends. */
export function nextPeriod(period: BillingPeriod, schedule: BillingSchedule): BillingPeriod {
  assertInstant(period.end, 'period end');
  return periodContaining(period.end, schedule);
}

/** The period that ends where `period` starts. */
export function previousPeriod(period: BillingPeriod, schedule: BillingSchedule): BillingPeriod {
  validateSchedule(schedule);
  assertInstant(period.start, 'period start');
  const index = indexContaining(new Date(period.start.getTime() - 1), schedule);
  return { start: boundary(index, schedule), end: boundary(index + 1, schedule) };
}

/** Consecutive periods, starting with the one containing `from`, lazily. */
export function* iterateBillingPeriods(from: Date, schedule: BillingSchedule): Generator<BillingPeriod, never, void> {
  validateSchedule(schedule);
  assertInstant(from, 'from');
  let index = indexContaining(from, schedule);
  let start = boundary(index, schedule);
  while (true) {
    const end = boundary(index + 1, schedule);
    yield { start, end };
    start = end;
    index += 1;
  }
}

/** `count` consecutive periods, starting with the one containing `from`. */
export function billingPeriods(from: Date, count: number, schedule: BillingSchedule): BillingPeriod[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidBillingScheduleError(`count must be a natural number, got ${String(count)}`);
  }
  const periods: BillingPeriod[] = [];
  if (count === 0) return periods;
  for (const period of iterateBillingPeriods(from, schedule)) {
    periods.push(period);
    if (periods.length === count) break;
  }
  return periods;
}

/**
 * The anchor a subscription started at `instant` gets: its local day (and month, for annual schedules).
 * A subscription started on 31 Jan keeps anchor 31, so it bills on 28/29 Feb and again on 31 Mar.
 */
export function anchorFromInstant(instant: Date, timeZone: string): { anchorDay: number; anchorMonth: number } {
  assertInstant(instant, 'instant');
  const { month, day } = toLocalDate(instant, timeZone);
  return { anchorDay: day, anchorMonth: month };
}

export function periodContains(period: BillingPeriod, instant: Date): boolean {
  const t = instant.getTime();
  return period.start.getTime() <= t && t < period.end.getTime();
}

/** Length in whole seconds (boundaries are whole seconds, so this is exact). */
export function periodLengthSeconds(period: BillingPeriod): number {
  return Math.floor(period.end.getTime() / 1000) - Math.floor(period.start.getTime() / 1000);
}

/**
 * '1 Mar 2026 – 31 Mar 2026': the first and last local days covered. An end at the start of a local day is exclusive,
 * so the last day is the one before it. A bound that is not at the start of a local day (a subscription started or a period closed
 * mid-day) is shown with its time, so the reader sees the part of the day billed: '7 Dec 2026 16:55 – 30 Nov 2027',
 * '1 Mar 2026 – 15 Mar 2026 12:00' (up to that instant).
 */
export function describePeriod(period: BillingPeriod, timeZone: string): string {
  const first = formatInstantInZone(period.start, timeZone);
  const last = isStartOfLocalDay(period.end, timeZone)
    ? formatLocalDate(addDays(toLocalDate(period.end, timeZone), -1))
    : formatInstantInZone(period.end, timeZone);
  return `${first} – ${last}`;
}

/** JSON form for Temporal payloads and API bodies (ISO 8601 UTC strings). */
export interface BillingPeriodJSON {
  start: string;
  end: string;
}

export function billingPeriodToJSON(period: BillingPeriod): BillingPeriodJSON {
  return { start: period.start.toISOString(), end: period.end.toISOString() };
}

export function billingPeriodFromJSON(json: BillingPeriodJSON): BillingPeriod {
  const period = { start: new Date(json.start), end: new Date(json.end) };
  assertInstant(period.start, 'period start');
  assertInstant(period.end, 'period end');
  if (period.end.getTime() <= period.start.getTime()) {
    throw new InvalidBillingScheduleError('period end must be after its start');
  }
  return period;
}
