// Which billing period an event belongs to, and which period's invoice bills it: the BillingPeriod row whose
// [start, end) holds its occurredAt (domain/periodTiling.ts), never a period computed from the schedule alone.
//
// - The row holds the event: its tier counter and the member's spend are that row's, and if the row is still open
//   (also when its end has passed and the close is on its way) the row's own close bills it.
// - The row is closed: the event is late. It is still rated in its own period (the tier position that period
//   reached, the limit of that period), its credits are drawn now, and it is billed by the earliest row still open,
//   on that invoice's "late usage" lines.
// - The event lies past the last row: rows are appended, each from the previous end to the next boundary of the
//   entity's schedule, the same rule the billing workflow uses (invoicing/billingCycle.ts), under the same entity
//   lock, so whichever writes a row first writes the row the other would have.
// - The event lies before the first row: there is no period to bill it in (BEFORE_FIRST_PERIOD).
import { periodAfter, periodsReaching, rowContaining } from '../../domain/periodTiling.js';
import type { EntityState, PeriodState } from './entityState.js';
import { periodState } from './entityState.js';
import { uuidv7 } from './uuidv7.js';

export interface EventPlacement {
  /** The row holding occurredAt. */
  period: PeriodState;
  /** The row whose invoice bills the event: `period`, or the earliest open row when `period` is closed. */
  billedIn: PeriodState;
  late: boolean;
}

/** Places an event; appends rows to `s.periods` when it lies past the last one. Null: before the first row. */
export function placeEvent(s: EntityState, occurredAt: Date, now: Date): EventPlacement | null {
  if (s.periods.length === 0) appendPeriods(s, now);
  appendPeriods(s, occurredAt);
  const period = rowContaining(s.periods, occurredAt);
  if (!period) return null;
  if (period.status !== 'closed') return { period, billedIn: period, late: false };
  return { period, billedIn: earliestOpenPeriod(s, now), late: true };
}

/** The earliest row not yet closed, appending the rows up to `now` (at least one) when every row is closed. */
function earliestOpenPeriod(s: EntityState, now: Date): PeriodState {
  const open = s.periods.find((p) => p.status !== 'closed');
  if (open) return open;
  appendPeriods(s, now);
  const last = s.periods[s.periods.length - 1] as PeriodState;
  if (last.status !== 'closed') return s.periods.find((p) => p.status !== 'closed') as PeriodState;
  // The last row was closed ahead of `now` (a clock behind the close instant): the next row still bills it.
  const next = periodAfter(last.end, s.schedule);
  return append(s, next.start, next.end);
}

/** Appends the rows that reach past `instant` (the first one, with none yet: the schedule period holding it). */
function appendPeriods(s: EntityState, instant: Date): void {
  const last = s.periods[s.periods.length - 1] ?? null;
  for (const p of periodsReaching(last, instant, s.schedule)) append(s, p.start, p.end);
}

function append(s: EntityState, start: Date, end: Date): PeriodState {
  const row = periodState({ id: uuidv7(), start, end, status: 'open' }, true);
  s.periods.push(row);
  return row;
}
