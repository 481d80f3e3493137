// What follows when an invoice stops being owed, whichever way it happens: a successful provider charge
// (invoiceCollection.ts) or an admin's mark-paid or void (invoiceAdmin/invoiceStatusChanges.ts). One code path, so a
// wire transfer and a card payment have exactly the same consequences:
//   - paid: the invoice paid in full (invoice.paid, keyed by the invoice: emitted once whoever pays);
//   - paid or voided: the suspension its past-due state caused ends when nothing else holds it (entitySuspension.ts:
//     entity active, past_due subscriptions active again: entity.reactivated keyed by entity and invoice, and one
//     subscription.reactivated per subscription).
// Everything runs inside the caller's transaction, which holds the invoice's and its entity's row locks
// (lockInvoiceRow), as metering holds the entity's: two invoices of one entity settled at once are serialized on the
// entity, so the second sees the first settled and neither leaves the entity suspended by mistake.
import type { Prisma } from '../db.js';
import { invoiceStatusPayload } from '../invoicing/invoicePayload.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { endSuspensionIfNothingHolds } from './entitySuspension.js';
import { recordPaymentEvent } from './paymentEvents.js';

type Tx = Prisma.TransactionClient;
export type InvoiceRecord = Awaited<ReturnType<Tx['invoice']['findUniqueOrThrow']>>;

/** The Payment the collection workflow charges through the provider (one per invoice, one attempt row per try). */
export const collectionPaymentKey = (invoiceId: string) => `payment:${invoiceId}`;

/**
 * Locks the invoice row and then its entity's row (FOR UPDATE) and reads the invoice; null when it does not exist
 * (or is not the organization's, when one is given). Every status change of an invoice takes both, in this order and
 * before writing anything: a write with a foreign key to the entity (an outbox row, a payment) takes a share lock on
 * the entity row, and two transactions each holding one and then asking for the row lock would deadlock.
 */
export async function lockInvoiceRow(
  tx: Tx,
  invoiceId: string,
  organizationId?: string,
): Promise<InvoiceRecord | null> {
  const rows = organizationId
    ? await tx.$queryRaw<Array<{ entityId: string | null }>>`
        SELECT "entityId"::text AS "entityId" FROM "Invoice"
        WHERE id = ${invoiceId}::uuid AND "organizationId" = ${organizationId}::uuid FOR UPDATE`
    : await tx.$queryRaw<Array<{ entityId: string | null }>>`
        SELECT "entityId"::text AS "entityId" FROM "Invoice" WHERE id = ${invoiceId}::uuid FOR UPDATE`;
  if (rows.length === 0) return null;
  const entityId = rows[0]!.entityId;
  if (entityId) await tx.$queryRaw`SELECT id FROM "Entity" WHERE id = ${entityId}::uuid FOR UPDATE`;
  return tx.invoice.findUniqueOrThrow({ where: { id: invoiceId } });
}

/** An invoice is collectible (charged, dunned, payable) only while open; uncollectible ones may still be paid. */
export const isPayable = (status: InvoiceRecord['status']) => status === 'open' || status === 'uncollectible';

export interface PaidBy {
  paymentId: string;
  /** The provider attempt that paid it; null for an out-of-band payment. */
  attempt: number | null;
  outOfBand: boolean;
}

/**
 * Marks a locked, payable invoice paid in full at `paidAt`, with its invoice.paid outbox row, and ends the entity's
 * suspension if nothing else is past due (at `now`: money wired last week reactivates today). Returns the paid
 * invoice and the outbox rows to dispatch after commit.
 */
export async function recordInvoicePaid(
  tx: Tx,
  locked: InvoiceRecord,
  paidAt: Date,
  by: PaidBy,
  now: Date = paidAt,
): Promise<{ invoice: InvoiceRecord; webhookEventIds: string[] }> {
  const invoice = await tx.invoice.update({
    where: { id: locked.id },
    data: { status: 'paid', paidAt, amountPaid: locked.amountDue },
  });
  const ids = [
    await recordWebhookEvent(tx, {
      organizationId: invoice.organizationId,
      entityId: invoice.entityId,
      type: 'invoice.paid',
      idempotencyKey: `invoice.paid:${invoice.id}`,
      payload: {
        ...invoiceStatusPayload(invoice),
        paymentId: by.paymentId,
        attempt: by.attempt,
        outOfBand: by.outOfBand,
      },
    }),
  ];
  ids.push(...(await endSuspensionIfNothingPastDue(tx, invoice, now, 'invoice_paid')));
  return { invoice, webhookEventIds: ids };
}

/**
 * The provider charge of an invoice settled some other way (paid out of band, voided) will not be attempted again:
 * its Payment, if still pending or processing, is canceled (payment.canceled). A failed one stays failed (its attempts
 * did fail). Returns the outbox rows written.
 */
export async function cancelCollectionPayment(
  tx: Tx,
  invoice: { id: string; organizationId: string },
  at: Date,
): Promise<string[]> {
  const payment = await tx.payment.findUnique({ where: { idempotencyKey: collectionPaymentKey(invoice.id) } });
  if (!payment || (payment.status !== 'pending' && payment.status !== 'processing')) return [];
  const canceled = await tx.payment.update({ where: { id: payment.id }, data: { status: 'canceled' } });
  return [
    await recordPaymentEvent(tx, 'payment.canceled', canceled, {
      organizationId: invoice.organizationId,
      attempt: null,
      errorCode: null,
      at,
    }),
  ];
}

/**
 * After `invoice` stopped being owed (paid or voided, already written in this transaction): the entity's suspension
 * ends when nothing else holds it (entitySuspension.ts: no other past-due invoice, no open dispute that suspended it).
 * Returns the outbox rows written.
 */
export async function endSuspensionIfNothingPastDue(
  tx: Tx,
  invoice: InvoiceRecord,
  at: Date,
  reason: 'invoice_paid' | 'invoice_voided',
): Promise<string[]> {
  if (!invoice.entityId) return [];
  // Read under the entity's row lock, which lockInvoiceRow took.
  return endSuspensionIfNothingHolds(
    tx,
    {
      organizationId: invoice.organizationId,
      entityId: invoice.entityId,
      at,
      reason,
      invoiceId: invoice.id,
      idempotencyKey: `entity.reactivated:${invoice.entityId}:${invoice.id}`,
    },
    invoice.id,
  );
}
