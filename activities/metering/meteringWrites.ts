// The rows one metering transaction writes, collected while its events are rated and turned into the parameters of
// the one write statement (meteringSql.ts WRITE_SQL).
//
// Each event stores its own draws (MarketplaceEvent.draws); the ledger gets one `consume` entry per grant per
// transaction carrying the sum, named by every draw it covers. One ledger row per event was the largest single cost
// of a batch after the event rows themselves (bench/README.md), and says nothing the events' draws do not.
import type { Decimal } from 'decimal.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import type { EntityState } from './entityState.js';
import type { OutboxRow } from './outboxRows.js';

export interface ConsumeEntry {
  id: string;
  entityId: string;
  currency: string;
  drawn: Decimal;
  /** The events that drew on it: the first one's id and description name an entry carrying a single event. */
  events: number;
  firstEventId: string;
  firstDescription: string;
}

export interface Writes {
  events: unknown[];
  /** The transaction's one consume entry per grant: what its events drew from it. */
  consumeByGrant: Map<string, ConsumeEntry>;
  invoiceItems: unknown[];
  outbox: OutboxRow[];
  outboxKeys: Set<string>;
}

export function emptyWrites(): Writes {
  return { events: [], consumeByGrant: new Map(), invoiceItems: [], outbox: [], outboxKeys: new Set() };
}

/** Adds an outbox row unless one with its key is already among this transaction's rows. */
export function emitOnce(writes: Writes, row: OutboxRow): void {
  if (writes.outboxKeys.has(row.idempotencyKey)) return;
  writes.outboxKeys.add(row.idempotencyKey);
  writes.outbox.push(row);
}

/** The write statement's parameters after $1 (now), in order, and the number of grant updates to expect. */
export function writeParameters(
  writes: Writes,
  states: Iterable<EntityState>,
): { parameters: string[]; grantUpdates: number } {
  const grantUpdates: Array<{ id: string; drawn: string }> = [];
  const ledgerRows: unknown[] = [];
  for (const [grantId, c] of writes.consumeByGrant) {
    grantUpdates.push({ id: grantId, drawn: c.drawn.toFixed() });
    ledgerRows.push({
      id: c.id,
      entityId: c.entityId,
      grantId,
      eventId: c.events === 1 ? c.firstEventId : null,
      amount: c.drawn.negated().toFixed(),
      currency: c.currency,
      description: c.events === 1 ? c.firstDescription : `${c.events} metered events`,
      idempotencyKey: `consume:${c.id}`,
    });
  }
  const counterRows: unknown[] = [];
  const spendRows: unknown[] = [];
  const periodRows: unknown[] = [];
  for (const s of states) {
    for (const p of s.periods) {
      if (!p.isNew) continue;
      periodRows.push({
        id: p.id,
        entityId: s.locked.id,
        periodStart: p.iso.start,
        periodEnd: p.iso.end,
        workflowId: billingWorkflowId(s.locked.id),
      });
    }
    for (const c of s.counters.values()) {
      if (c.deltaQuantity.isZero()) continue;
      counterRows.push({
        id: c.id,
        entityId: s.locked.id,
        eventType: c.eventType,
        periodStart: c.period.iso.start,
        periodEnd: c.period.iso.end,
        quantity: c.deltaQuantity.toFixed(),
        amount: c.deltaAmount.toFixed(),
      });
    }
    for (const m of s.members.values()) {
      for (const sp of m.spends.values()) {
        if (sp.delta.isZero() && sp.newLimitReachedAt === null) continue;
        spendRows.push({
          id: sp.id,
          entityUserId: sp.entityUserId,
          periodStart: sp.period.iso.start,
          periodEnd: sp.period.iso.end,
          amount: sp.delta.toFixed(),
          limitReachedAt: sp.newLimitReachedAt?.toISOString() ?? null,
        });
      }
    }
  }
  return {
    parameters: [
      JSON.stringify(writes.events),
      JSON.stringify(ledgerRows),
      JSON.stringify(grantUpdates),
      JSON.stringify(counterRows),
      JSON.stringify(spendRows),
      JSON.stringify(writes.invoiceItems),
      JSON.stringify(writes.outbox),
      JSON.stringify(periodRows),
    ],
    grantUpdates: grantUpdates.length,
  };
}
