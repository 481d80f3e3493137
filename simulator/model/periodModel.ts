// The reference model's billing periods (README "Billing periods"): back to back on the entity's schedule (anchor day
// in its time zone), the first one holding the instant the billing workflow started; close-now ends the earliest open
// period early (never before an event it holds) when it is the latest; an anchor-day change moves the end of the
// running period to the new schedule's next boundary.
import { boundaryAtOrBefore, nextBoundaryAfter } from './calendar.js';
import type { ModelEntity, ModelEvent, ModelPeriod } from './modelEntity.js';

/** The first period, opened by the billing workflow when it starts at `now`. */
export function openFirstPeriod(e: ModelEntity, now: number): void {
  if (e.periods.length > 0) return;
  const start = boundaryAtOrBefore(now, e.anchorDay, e.timeZone);
  e.periods.push({ start, end: nextBoundaryAfter(start, e.anchorDay, e.timeZone), closed: false });
}

/** Appends periods on the schedule until one holds `t`. */
export function appendUntil(e: ModelEntity, t: number): void {
  for (let last = e.periods.at(-1) as ModelPeriod; last.end <= t; last = e.periods.at(-1) as ModelPeriod) {
    e.periods.push({ start: last.end, end: nextBoundaryAfter(last.end, e.anchorDay, e.timeZone), closed: false });
  }
}

export function periodHolding(e: ModelEntity, t: number): ModelPeriod | null {
  return e.periods.find((p) => p.start <= t && t < p.end) ?? null;
}

export function earliestOpen(e: ModelEntity): ModelPeriod | null {
  return e.periods.find((p) => !p.closed) ?? null;
}

/** The latest occurredAt of the entity's rated events in the period starting at `periodStart` (-∞ when none). */
export function lastEventAt(events: ModelEvent[], e: ModelEntity, periodStart: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const ev of events) {
    if (ev.entity !== e.index || ev.outcome.status === 'invalid') continue;
    if (ev.outcome.periodStart === periodStart) last = Math.max(last, ev.occurredAt);
  }
  return last;
}

/**
 * Close now: the earliest open period ends at `at` (never before an event it holds) if it is the latest one.
 * Returns the earliest and latest allowed end for the platform's choice of instant in [from, to].
 */
export function closeNowWindow(
  events: ModelEvent[],
  e: ModelEntity,
  from: number,
  to: number,
): { min: number; max: number } {
  const open = earliestOpen(e) as ModelPeriod;
  const latest = e.periods.at(-1) === open;
  if (!latest || from >= open.end) return { min: open.end, max: open.end };
  const floor = Math.max(open.start + 1, lastEventAt(events, e, open.start) + 1);
  return { min: Math.min(open.end, Math.max(from, floor)), max: Math.min(open.end, Math.max(to, floor)) };
}

/** Anchor-day change at `at`: the latest period, if still running, ends at the new schedule's next boundary. */
export function changeAnchor(events: ModelEvent[], e: ModelEntity, anchorDay: number, at: number): void {
  e.anchorDay = anchorDay;
  const latest = e.periods.at(-1) as ModelPeriod;
  if (latest.closed || latest.end <= at) return;
  const from = Math.max(at, latest.start, lastEventAt(events, e, latest.start));
  latest.end = nextBoundaryAfter(from, anchorDay, e.timeZone);
}
