// Manual invoice status changes from the API: void, and mark paid out of band (a wire transfer, a cheque). Each
// is one transaction with its audit entry and its outbox rows, keyed by the invoice so a repeat cannot emit twice;
// the caller dispatches the outbox rows after commit and tells the invoice's collection workflow to stop.
// Marking paid has exactly the consequences of a successful charge (payments/invoiceSettlement.ts: invoice.paid,
// and the end of the suspension it caused); voiding a past-due invoice ends that suspension too.

import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { invoiceStatusPayload } from '../invoicing/invoicePayload.js';
import {
  cancelCollectionPayment,
  endSuspensionIfNothingPastDue,
  isPayable,
  lockInvoiceRow,
  recordInvoicePaid,
} from '../payments/invoiceSettlement.js';
import { recordPaymentEvent } from '../payments/paymentEvents.js';
import { ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

type Tx = Prisma.TransactionClient;

async function lockInvoice(tx: Tx, organizationId: string, id: string) {
  const invoice = await lockInvoiceRow(tx, id, organizationId);
  if (!invoice) throw new ResourceNotFoundError('invoice');
  return invoice;
}

export async function voidInvoice(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction(async (tx) => {
    const before = await lockInvoice(tx, organizationId, id);
    if (before.status !== 'draft' && before.status !== 'open' && before.status !== 'uncollectible') {
      throw new ResourceConflictError('INVOICE_NOT_VOIDABLE', `A ${before.status} invoice cannot be voided`);
    }
    const invoice = await tx.invoice.update({ where: { id }, data: { status: 'void', voidedAt: now } });
    const ids = [
      ...(await cancelCollectionPayment(tx, invoice, now)),
      await recordWebhookEvent(tx, {
        organizationId,
        entityId: invoice.entityId,
        type: 'invoice.voided',
        payload: invoiceStatusPayload(invoice),
        idempotencyKey: `invoice.voided:${id}`,
      }),
    ];
    ids.push(...(await endSuspensionIfNothingPastDue(tx, invoice, now, 'invoice_voided')));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'invoice.void',
      targetType: 'invoice',
      targetId: id,
      before,
      after: invoice,
    });
    return { invoice, webhookEventIds: ids };
  });
}

export interface OutOfBandPayment {
  paidAt?: Date | undefined;
  /** e.g. the wire transfer reference. */
  reference?: string | undefined;
  /** e.g. "wire_transfer", "check". */
  method?: string | undefined;
}

export async function markInvoicePaidOutOfBand(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  payment: OutOfBandPayment,
  now = new Date(),
) {
  return db.$transaction(async (tx) => {
    const before = await lockInvoice(tx, organizationId, id);
    if (!isPayable(before.status)) {
      throw new ResourceConflictError(
        'INVOICE_NOT_PAYABLE',
        `A ${before.status} invoice cannot be marked paid (only open or uncollectible ones)`,
      );
    }
    const paidAt = payment.paidAt ?? now;
    const outstanding = before.amountDue.minus(before.amountPaid);
    const recorded = await tx.payment.create({
      data: {
        invoiceId: id,
        entityId: before.entityId,
        customerId: before.customerId,
        amount: outstanding.toString(),
        currency: before.currency,
        status: 'succeeded',
        provider: 'out_of_band',
        providerRef: payment.reference ?? null,
        paymentMethod: payment.method ?? null,
        idempotencyKey: `out_of_band:${id}`,
        succeededAt: paidAt,
      },
    });
    const paymentEvents = [
      await recordPaymentEvent(tx, 'payment.succeeded', recorded, {
        organizationId,
        attempt: null,
        errorCode: null,
        at: paidAt,
      }),
      ...(await cancelCollectionPayment(tx, before, now)),
    ];
    const paid = await recordInvoicePaid(
      tx,
      before,
      paidAt,
      { paymentId: recorded.id, attempt: null, outOfBand: true },
      now,
    );
    const { invoice } = paid;
    const webhookEventIds = [...paymentEvents, ...paid.webhookEventIds];
    await recordAudit(tx, actor, {
      organizationId,
      action: 'invoice.mark_paid',
      targetType: 'invoice',
      targetId: id,
      before,
      after: { ...invoice, paymentId: recorded.id },
    });
    return { invoice, payment: recorded, webhookEventIds };
  });
}
