// The reference model's period invoice (README "Invoices and collection"): closing a period bills the usage of the
// events billed in it (one line per own period and event type, late usage apart), the credits they drew as one
// negative line, and every pending item (credit purchases, fees, prorations, carry-forwards; replay adjustments one
// line per job and event type), each line rounded on its own. Nothing to bill: no invoice. A negative total is
// carried to the next invoice, never refunded. The invoice is issued to collection at the period's end.
import { type CollectionEffects, issue } from './collectionModel.js';
import type { ModelEntity, ModelEvent, ModelPeriod } from './modelEntity.js';
import { D, type Dec, lineAmount } from './pricing.js';

const zero = () => new D(0);

/** Closes `period` at `end` and records its expected invoice (or none) on the entity. */
export function invoicePeriod(
  events: ModelEvent[],
  e: ModelEntity,
  period: ModelPeriod,
  end: number,
  fx: CollectionEffects,
): void {
  period.closed = true;
  period.end = end;
  const usage = new Map<string, Dec>();
  let credits = zero();
  for (const ev of events) {
    const o = ev.outcome;
    if (ev.entity !== e.index || o.status !== 'accepted' || o.billedPeriodStart !== period.start) continue;
    const key = `${o.periodStart}|${ev.type}`;
    usage.set(key, (usage.get(key) ?? zero()).plus(o.rated));
    credits = credits.plus(o.drawn);
  }
  const other: Dec[] = [];
  const replayGroups = new Map<string, Dec>();
  for (const item of e.pending) {
    if (item.kind === 'replay')
      replayGroups.set(item.group ?? '', (replayGroups.get(item.group ?? '') ?? zero()).plus(item.amount));
    else other.push(lineAmount(item.amount));
  }
  for (const amount of replayGroups.values()) other.push(lineAmount(amount));
  e.pending = [];
  let total = lineAmount(credits).negated();
  for (const amount of usage.values()) total = total.plus(lineAmount(amount));
  for (const amount of other) total = total.plus(amount);
  const empty = usage.size === 0 && credits.isZero() && other.length === 0;
  if (empty) {
    e.invoices.set(period.start, null);
    return;
  }
  const collection = issue(e, `period:${period.start}`, total.greaterThan(0) ? total : zero(), end, fx);
  e.invoices.set(period.start, {
    collection,
    periodStart: period.start,
    periodEnd: end,
    usage,
    creditsApplied: credits,
    other,
    total,
  });
  // A negative total is carried to the next invoice, never refunded.
  if (total.isNegative()) e.pending.push({ kind: 'adjustment', amount: total });
}
