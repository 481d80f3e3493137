// A subscription change settled `charge_now` (net > 0: seats added, an upgrade, a resume) is invoiced at once, on an
// invoice of its own (kind one_off), instead of waiting for the period close.
//
// Idempotency: the draft is written in the change's own transaction (with its SubscriptionChange row and its
// proration items, which it takes off the pending list), keyed by Invoice.idempotencyKey = change:<subscriptionId>:
// <changeId>, so one change never makes two invoices whatever is retried; numbering is finalizeInvoice's (gap-free per
// organization, its own short transaction), run after the commit and again by any retry, which finds the number given.
// A crash between the two leaves a draft the retried activity (or the repeated Update) numbers.
import { composeInvoice, Money } from '../../domain/index.js';
import type { Db } from '../db.js';
import { draftInvoiceColumns } from '../invoicing/draftInvoice.js';
import { finalizeInvoice } from '../invoicing/finalizeInvoice.js';
import type { LockedSubscription, Tx } from './subscriptionPeriods.js';

export const chargeNowInvoiceKey = (subscriptionId: string, changeId: string) => `change:${subscriptionId}:${changeId}`;

/** The one-off invoice a charge_now change made, as its Update returns it. */
export interface ChargedInvoice {
  invoiceId: string;
  number: number | null;
  /** open: collection starts at once; void only if someone voided the draft before it was numbered. */
  status: 'open' | 'paid' | 'void';
  total: string;
  amountDue: string;
  currency: string;
  /** In the activity's result only: invoice.finalized outbox rows not yet dispatched (the workflow dispatches them). */
  webhookEventIds?: string[];
}

/**
 * In the change's transaction, after its proration items are written: the draft one-off invoice of exactly those
 * items, which it attaches (so no period close bills them again). Returns the invoice id.
 */
export async function writeChargeNowInvoice(
  tx: Tx,
  sub: LockedSubscription,
  changeId: string,
  at: Date,
): Promise<string> {
  const items = await tx.invoiceItem.findMany({
    where: { idempotencyKey: { startsWith: `proration:${sub.id}:${changeId}:` }, invoiceId: null },
    orderBy: { idempotencyKey: 'asc' },
  });
  if (items.length === 0) throw new Error(`change ${changeId} of subscription ${sub.id} has no pending proration`);
  const currency = sub.plan.currency;
  const composed = composeInvoice(
    currency,
    items.map((item) => ({
      kind: 'proration' as const,
      description: item.description,
      amount: Money.of(item.amount.toString(), currency),
      quantity: item.quantity.toString(),
      periodStart: item.periodStart,
      periodEnd: item.periodEnd,
      reference: item.id,
    })),
  );
  const byId = new Map(items.map((i) => [i.id, i]));
  const spanStart = Math.min(...items.map((i) => (i.periodStart ?? at).getTime()));
  const spanEnd = Math.max(...items.map((i) => (i.periodEnd ?? at).getTime()));
  const invoice = await tx.invoice.create({
    data: {
      organizationId: sub.entity.organizationId,
      entityId: sub.entityId,
      kind: 'one_off',
      idempotencyKey: chargeNowInvoiceKey(sub.id, changeId),
      currency,
      periodStart: new Date(spanStart),
      periodEnd: new Date(spanEnd),
      ...draftInvoiceColumns(composed, at, (line) => byId.get(line.reference!)!),
    },
  });
  await tx.invoiceItem.updateMany({
    where: { id: { in: items.map((i) => i.id) }, invoiceId: null },
    data: { invoiceId: invoice.id },
  });
  return invoice.id;
}

/** The invoice a change made, if any (read in the change's transaction, for a repeated change). */
export async function chargeNowInvoiceId(tx: Tx, subscriptionId: string, changeId: string): Promise<string | null> {
  const invoice = await tx.invoice.findUnique({
    where: { idempotencyKey: chargeNowInvoiceKey(subscriptionId, changeId) },
    select: { id: true },
  });
  return invoice?.id ?? null;
}

/** Numbers the one-off invoice (once) and reports it. */
export async function finalizeChargeNowInvoice(db: Db, invoiceId: string, currency: string): Promise<ChargedInvoice> {
  const finalized = await finalizeInvoice(db, invoiceId);
  return {
    invoiceId,
    number: finalized.invoiceNumber,
    status: finalized.status === 'none' ? 'void' : finalized.status,
    total: finalized.total,
    amountDue: finalized.amountDue,
    currency,
    webhookEventIds: finalized.webhookEventIds,
  };
}
