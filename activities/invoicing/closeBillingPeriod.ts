// Closes one billing period into exactly one consolidated invoice. Idempotent: the BillingPeriod row is locked and,
// once closed, a retried or re-executed close returns the invoice it made (Invoice is also unique per entity and
// period start).
//
// Locks, in READ COMMITTED: the entity's row first (the lock every metering transaction holds), then the period's.
// While the close holds the entity lock no event can be counted in, or billed by, this period; every statement after
// the lock sees every event committed before it. So the usage read and the events the invoice bills are the same set:
// an event that arrives after the close finds the row closed and is billed on the next invoice as late usage. (A
// REPEATABLE READ snapshot would be taken before the lock is granted and miss events committed while waiting, and it
// failed with serialization errors against a subscription renewed at the same boundary.)
//
// Close now: a period closed before its end (`at` earlier than periodEnd) ends at `at` (never before the last event it
// holds): the invoice covers the stub, and the next period starts where it ends (see domain/periodTiling.ts).
//
// Composition (domain/invoiceComposition.ts rounds each line half-even to the minor unit and sums them):
//   subscription_fee  pending fee items: each subscription period's fee, in advance, written when the period begins
//                     (the close first rolls every subscription over to the period's end, see subscriptionPeriods.ts)
//   proration         pending proration items of subscription changes (charges and credits)
//   usage             the accepted events this invoice bills (MarketplaceEvent.billedPeriodStart), one line per event
//                     type and price: the rated amounts, quantity = sum of quantities, in arrears; events of an earlier,
//                     already closed period (late events) on their own lines, "Late usage, <period>: <type>"
//   credit_purchase,
//   adjustment        pending items as they are (e.g. the credit carried forward from a negative invoice); re-rating
//                     adjustments of single events (jobs/eventReplay.ts) summed per job and event type
//   credits_applied   -(credits drawn by those events): prepaid credits that paid for usage, so usage - credits applied
//                     = the billed-later shortfall, which is what is due for usage.
// The metering path's billed-later usage items of these events are attached to the invoice (invoiceId) but are not
// separate lines: their amounts are already inside the usage lines.
// The transaction writes the invoice as a draft; finalizeInvoice.ts then numbers it in a short transaction of its own
// (Organization.nextInvoiceNumber under its row lock: sequential, gap-free; see there why not in this transaction),
// marks it open, or paid at once when amountDue = max(total, 0) is zero, writes invoice.finalized and carries a
// negative total forward as a pending adjustment item. A retried close whose first attempt committed the draft but
// not the number finishes the numbering. A period with nothing to bill closes without an invoice.
import { composeInvoice, endOfClosedRow, type InvoiceLineInput, Money } from '../../domain/index.js';
import type { Db, Prisma } from '../db.js';
import { lockSubscription, renewIfDue } from '../subscriptions/subscriptionPeriods.js';
import { tenantDbOf } from '../tenantDb.js';
import { lastEventAt, lockEntity, moveRowEnd } from './billingPeriodRows.js';
import { draftInvoiceColumns } from './draftInvoice.js';
import { finalizeInvoice } from './finalizeInvoice.js';
import { usageLines } from './usageLines.js';

export interface CloseBillingPeriodInput {
  billingPeriodId: string;
  /** The close instant (ISO): the period's end, or earlier for a manual close. */
  at: string;
}

export interface ClosedPeriod {
  billingPeriodId: string;
  entityId: string;
  organizationId: string;
  /** The period's end as closed: its scheduled end, or the close instant of a close-now. */
  periodEnd: string;
  invoiceId: string | null;
  invoiceNumber: number | null;
  status: 'open' | 'paid' | 'none';
  total: string;
  amountDue: string;
  currency: string;
  /** Outbox rows to dispatch after commit. */
  webhookEventIds: string[];
}

/** Runs as the period's organization (tenantDb.ts). */
export function createCloseBillingPeriodActivities(processDb: Db) {
  return {
    async closeBillingPeriod(input: CloseBillingPeriodInput): Promise<ClosedPeriod> {
      const db = await tenantDbOf(processDb, 'billing_period', input.billingPeriodId);
      const closed = await writeDraft(db, input);
      if (!closed.invoiceId) return closed;
      const finalized = await finalizeInvoice(db, closed.invoiceId);
      return { ...closed, ...finalized, webhookEventIds: [...closed.webhookEventIds, ...finalized.webhookEventIds] };
    },
  };

  /** The close itself: the period closed and its invoice composed, as a draft without a number. */
  function writeDraft(db: Db, input: CloseBillingPeriodInput): Promise<ClosedPeriod> {
    const at = new Date(input.at);
    return db.$transaction(
      async (tx) => {
        const { entityId } = await tx.billingPeriod.findUniqueOrThrow({
          where: { id: input.billingPeriodId },
          select: { entityId: true },
        });
        await lockEntity(tx, entityId);
        await tx.$queryRaw`SELECT id FROM "BillingPeriod" WHERE id = ${input.billingPeriodId}::uuid FOR UPDATE`;
        const period = await tx.billingPeriod.findUniqueOrThrow({
          where: { id: input.billingPeriodId },
          include: { entity: true, invoice: true },
        });
        const { entity } = period;
        const currency = entity.currency;
        if (period.status === 'closed') {
          // A retry after a crash between commit and completion: finalizeInvoice hands back the invoice as it is
          // (numbering it first if the crash came before that) and its outbox row while undispatched.
          return existingResult(period, currency);
        }

        const later = await tx.billingPeriod.count({
          where: { entityId, periodStart: { gt: period.periodStart } },
        });
        const end = endOfClosedRow({ start: period.periodStart, end: period.periodEnd }, at, {
          isLatest: later === 0,
          lastEventAt: await lastEventAt(tx, entityId, period.periodStart),
        });
        if (end.getTime() !== period.periodEnd.getTime()) await moveRowEnd(tx, period, end);
        const periodSpan = { periodStart: period.periodStart, periodEnd: end };

        // Roll every subscription over to the period's end (fees of periods begun, cancel at period end, whose
        // subscription.canceled rows are dispatched with the invoice's).
        const subs = await tx.entitySubscription.findMany({
          where: { entityId, status: { not: 'canceled' } },
          select: { id: true },
          orderBy: { id: 'asc' },
        });
        const webhookEventIds: string[] = [];
        for (const { id } of subs) {
          const locked = await lockSubscription(tx, id);
          if (locked) await renewIfDue(tx, locked, end, webhookEventIds);
        }

        // Pending items, except the billed-later items of events a later period bills (metered after this period's
        // boundary, before its close): those wait for their own period's invoice. (A pending item's event is never
        // archived: only the events of closed periods are, and closing a period invoices their items.)
        const pending = await tx.invoiceItem.findMany({
          where: { entityId, invoiceId: null },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
        const billedIn = await billedPeriodsOf(tx, pending);
        const items = pending
          .map((item) => ({ ...item, event: item.eventId ? (billedIn.get(item.eventId) ?? null) : null }))
          .filter((item) => item.event === null || item.event.billedPeriodStart <= period.periodStart);
        const usage = await usageLines(tx, { entityId, timeZone: entity.timeZone, currency, period: periodSpan });

        const lines: InvoiceLineInput[] = [];
        // Re-rating adjustments of single events, one line per job and event type.
        const replays = new Map<string, { jobId: string; eventType: string; events: number; amount: Money }>();
        for (const item of items) {
          // A billed-later item of an event this invoice bills: its amount is inside that event's usage line.
          const inUsageLine =
            item.kind === 'usage' &&
            item.event !== null &&
            item.event.billedPeriodStart.getTime() === period.periodStart.getTime();
          if (inUsageLine) continue;
          const replay = replayAdjustmentOf(item);
          if (replay) {
            const key = `${replay.jobId}:${replay.eventType}`;
            const group = replays.get(key) ?? { ...replay, events: 0, amount: Money.zero(currency) };
            group.events += 1;
            group.amount = group.amount.add(Money.of(item.amount.toString(), currency));
            replays.set(key, group);
            continue;
          }
          lines.push({
            kind: item.kind,
            description: item.description,
            amount: Money.of(item.amount.toString(), currency),
            quantity: item.quantity.toString(),
            unitAmount: item.unitAmount === null ? null : Money.of(item.unitAmount.toString(), currency),
            periodStart: item.periodStart,
            periodEnd: item.periodEnd,
            reference: item.id,
          });
        }
        for (const r of replays.values()) {
          lines.push({
            kind: 'adjustment',
            description: `Re-rated ${r.eventType} (${r.events} ${r.events === 1 ? 'event' : 'events'}, job ${r.jobId})`,
            amount: r.amount,
            quantity: String(r.events),
            ...periodSpan,
            reference: `replay:${r.jobId}:${r.eventType}`,
          });
        }
        lines.push(...usage.lines);
        if (usage.creditsDrawn.isPositive()) {
          lines.push({
            kind: 'credits_applied',
            description: 'Prepaid credits applied to usage',
            amount: usage.creditsDrawn.negate(),
            ...periodSpan,
            reference: 'credits_applied',
          });
        }

        if (lines.length === 0) {
          await tx.billingPeriod.update({
            where: { id: period.id },
            data: { status: 'closed', closedAt: at },
          });
          return {
            billingPeriodId: period.id,
            entityId,
            organizationId: entity.organizationId,
            periodEnd: end.toISOString(),
            invoiceId: null,
            invoiceNumber: null,
            status: 'none' as const,
            total: '0',
            amountDue: '0',
            currency,
            webhookEventIds,
          };
        }

        const composed = composeInvoice(currency, lines);
        const itemMetadata = new Map(items.map((i) => [i.id, i.metadata]));
        const invoice = await tx.invoice.create({
          data: {
            organizationId: entity.organizationId,
            entityId,
            currency,
            periodStart: period.periodStart,
            periodEnd: end,
            ...draftInvoiceColumns(composed, at, (line) => ({
              unitAmount: line.unitAmount?.toString() ?? null,
              metadata: itemMetadata.get(line.reference ?? ''),
            })),
          },
        });
        if (items.length > 0) {
          await tx.invoiceItem.updateMany({
            where: { id: { in: items.map((i) => i.id) }, invoiceId: null },
            data: { invoiceId: invoice.id },
          });
        }
        await tx.billingPeriod.update({
          where: { id: period.id },
          data: { status: 'closed', closedAt: at, invoiceId: invoice.id },
        });
        return {
          billingPeriodId: period.id,
          entityId,
          organizationId: entity.organizationId,
          periodEnd: end.toISOString(),
          invoiceId: invoice.id,
          invoiceNumber: null,
          status: 'open' as const,
          total: composed.total.toString(),
          amountDue: composed.amountDue.toString(),
          currency,
          webhookEventIds,
        };
      },
      // maxWait: waiting for a pooled connection (Prisma's default gives up after 2 s) is cheaper than a retry.
      { isolationLevel: 'ReadCommitted', maxWait: 10_000, timeout: 30_000 },
    );
  }
}

/** The billing period start of each event the items name (events and items are linked by id, not foreign key). */
async function billedPeriodsOf(
  tx: Prisma.TransactionClient,
  items: Array<{ eventId: string | null }>,
): Promise<Map<string, { billedPeriodStart: Date }>> {
  const ids = [...new Set(items.flatMap((i) => (i.eventId ? [i.eventId] : [])))];
  if (ids.length === 0) return new Map();
  const events = await tx.marketplaceEvent.findMany({
    where: { id: { in: ids } },
    select: { id: true, billedPeriodStart: true },
  });
  return new Map(events.map((e) => [e.id, { billedPeriodStart: e.billedPeriodStart }]));
}

/** The job and event type of an event's re-rating adjustment (eventReplay.ts), or null for any other item. */
function replayAdjustmentOf(item: {
  kind: string;
  eventId: string | null;
  metadata: Prisma.JsonValue;
}): { jobId: string; eventType: string } | null {
  if (item.kind !== 'adjustment' || item.eventId === null) return null;
  const metadata = item.metadata as { jobId?: unknown; eventType?: unknown } | null;
  if (typeof metadata?.jobId !== 'string') return null;
  return { jobId: metadata.jobId, eventType: typeof metadata.eventType === 'string' ? metadata.eventType : 'events' };
}

function existingResult(
  period: {
    id: string;
    entityId: string;
    periodEnd: Date;
    entity: { organizationId: string };
    invoice: {
      id: string;
      number: number | null;
      status: string;
      total: Prisma.Decimal;
      amountDue: Prisma.Decimal;
    } | null;
  },
  currency: string,
): ClosedPeriod {
  const inv = period.invoice;
  return {
    billingPeriodId: period.id,
    entityId: period.entityId,
    organizationId: period.entity.organizationId,
    periodEnd: period.periodEnd.toISOString(),
    invoiceId: inv?.id ?? null,
    invoiceNumber: inv?.number ?? null,
    status: inv ? (inv.status === 'paid' ? 'paid' : 'open') : 'none',
    total: inv?.total.toString() ?? '0',
    amountDue: inv?.amountDue.toString() ?? '0',
    currency,
    webhookEventIds: [],
  };
}
