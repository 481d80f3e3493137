import { type BillingPeriod, type BillingSchedule, periodContaining } from './billingPeriods.js';
import { InvalidBillingScheduleError } from './errors.js';

/**
 * The rules by which an entity's billing periods tile its time: one truth for "which period is this instant in"
 * for metering, tier counters, user limits, the period close and replays alike.
 *
 * The periods are rows (`BillingPeriod`), not a formula: each row is [start, end), the first starts at the boundary
 * before the entity's first need of a period, and every later row starts exactly where the previous one ends, so
 * the rows never leave a gap or overlap. A new row ends at the schedule's first boundary after its start, which
 * makes the period after a close-now or an anchor-day change a stub up to the next boundary and every later one a
 * whole period again. Only the latest row's end ever moves:
 *
 * - close now: the row closed early ends at the close instant (a stub period) and the next row starts there;
 * - anchor-day change: the latest row, still running, ends at the new schedule's first boundary after now.
 *
 * Either way the new end is never before an event already counted in the row (an event may occur up to a few
 * minutes ahead of the clock): the row must keep holding every event that belongs to it.
 */

export type PeriodRowStatus = 'open' | 'closing' | 'closed';

export interface PeriodRow extends BillingPeriod {
  status: PeriodRowStatus;
}

/** The row whose [start, end) holds `instant`, or null. `rows` in start order. */
export function rowContaining<R extends BillingPeriod>(rows: readonly R[], instant: Date): R | null {
  const t = instant.getTime();
  for (let i = rows.length - 1; i >= 0; i -= 1) {
    const row = rows[i] as R;
    if (row.start.getTime() <= t) return t < row.end.getTime() ? row : null;
  }
  return null;
}

/** The period a new row after `previousEnd` covers: from there to the schedule's next boundary. */
export function periodAfter(previousEnd: Date, schedule: BillingSchedule): BillingPeriod {
  return { start: previousEnd, end: periodContaining(previousEnd, schedule).end };
}

/**
 * The rows to append so the tiling holds `instant`: none when the last row already reaches past it, else the
 * periods after `last` (or, with no rows at all, the schedule period containing `instant`) up to the one holding it.
 * Bounded: `maxRows` guards against an instant absurdly far ahead.
 */
export function periodsReaching(
  last: BillingPeriod | null,
  instant: Date,
  schedule: BillingSchedule,
  maxRows = 1000,
): BillingPeriod[] {
  if (last === null) return [periodContaining(instant, schedule)];
  const added: BillingPeriod[] = [];
  let end = last.end;
  while (end.getTime() <= instant.getTime()) {
    if (added.length >= maxRows) throw new InvalidBillingScheduleError(`more than ${maxRows} periods ahead`);
    const next = periodAfter(end, schedule);
    added.push(next);
    end = next.end;
  }
  return added;
}

/**
 * The end of a row closed at `at`: `at` when that is earlier than the row's end (close now), the end otherwise.
 * Only the latest row may shrink (the next one starts at its end), and never before the last event it holds.
 */
export function endOfClosedRow(
  row: BillingPeriod,
  at: Date,
  options: { isLatest: boolean; lastEventAt: Date | null },
): Date {
  if (!options.isLatest || at.getTime() >= row.end.getTime()) return row.end;
  return new Date(Math.min(row.end.getTime(), Math.max(at.getTime(), floorOfRow(row, options.lastEventAt))));
}

/**
 * The latest row's end after the anchor day changed at `at`: the first boundary of the new schedule after `at`
 * (and after the row's start and its last event), or null when the row has already ended at `at` (it is due to
 * close; the new anchor starts with the next row).
 */
export function endAfterAnchorChange(
  row: BillingPeriod,
  at: Date,
  schedule: BillingSchedule,
  lastEventAt: Date | null,
): Date | null {
  if (row.end.getTime() <= at.getTime()) return null;
  const from = Math.max(at.getTime(), row.start.getTime(), lastEventAt?.getTime() ?? 0);
  return periodContaining(new Date(from), schedule).end;
}

/** The earliest end a row can take: just after its start, and just after the last event it holds. */
function floorOfRow(row: BillingPeriod, lastEventAt: Date | null): number {
  return Math.max(row.start.getTime() + 1, lastEventAt === null ? 0 : lastEventAt.getTime() + 1);
}

/** What is wrong with a sequence of rows (start order): gaps, overlaps, empty rows, open rows before closed ones. */
export function tilingErrors(rows: readonly PeriodRow[]): string[] {
  const errors: string[] = [];
  rows.forEach((row, i) => {
    if (row.end.getTime() <= row.start.getTime()) errors.push(`row ${i} ends at or before its start`);
    const previous = rows[i - 1];
    if (!previous) return;
    const gap = row.start.getTime() - previous.end.getTime();
    if (gap > 0) errors.push(`gap of ${gap} ms before row ${i}`);
    if (gap < 0) errors.push(`row ${i} overlaps the previous one by ${-gap} ms`);
    if (previous.status !== 'closed' && row.status === 'closed') errors.push(`row ${i} is closed after an open row`);
  });
  return errors;
}
