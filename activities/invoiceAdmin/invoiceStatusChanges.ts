// Manual invoice status changes from the API: void, and mark paid out of band (a wire transfer, a cheque). Each
// is one transaction with its audit entry and its outbox row (invoice.voided / invoice.paid), keyed by the invoice
// so a repeat cannot emit twice; the caller dispatches the outbox row after commit.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';

type Tx = Prisma.TransactionClient;

async function lockInvoice(tx: Tx, organizationId: string, id: string) {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "Invoice" WHERE id = ${id}::uuid AND "organizationId" = ${organizationId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new ResourceNotFoundError('invoice');
  return tx.invoice.findUniqueOrThrow({ where: { id } });
}

function payloadOf(invoice: Awaited<ReturnType<Tx['invoice']['findUniqueOrThrow']>>) {
  return {
    invoiceId: invoice.id,
    entityId: invoice.entityId,
    number: invoice.number,
    status: invoice.status,
    currency: invoice.currency,
    total: invoice.total.toString(),
    amountDue: invoice.amountDue.toString(),
    amountPaid: invoice.amountPaid.toString(),
  };
}

export async function voidInvoice(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction(async (tx) => {
    const before = await lockInvoice(tx, organizationId, id);
    if (before.status !== 'draft' && before.status !== 'open' && before.status !== 'uncollectible') {
      throw new ResourceConflictError('INVOICE_NOT_VOIDABLE', `A ${before.status} invoice cannot be voided`);
    }
    const invoice = await tx.invoice.update({ where: { id }, data: { status: 'void', voidedAt: now } });
    const event = await tx.webhookEvent.create({
      data: {
        organizationId,
        entityId: invoice.entityId,
        type: 'invoice.voided',
        payload: payloadOf(invoice),
        idempotencyKey: `invoice.voided:${id}`,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'invoice.void',
      targetType: 'invoice',
      targetId: id,
      before,
      after: invoice,
    });
    return { invoice, webhookEventIds: [event.id] };
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
    if (before.status !== 'open' && before.status !== 'uncollectible') {
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
    const invoice = await tx.invoice.update({
      where: { id },
      data: { status: 'paid', paidAt, amountPaid: before.amountDue },
    });
    const event = await tx.webhookEvent.create({
      data: {
        organizationId,
        entityId: invoice.entityId,
        type: 'invoice.paid',
        payload: { ...payloadOf(invoice), paymentId: recorded.id, outOfBand: true },
        idempotencyKey: `invoice.paid:${id}`,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'invoice.mark_paid',
      targetType: 'invoice',
      targetId: id,
      before,
      after: { ...invoice, paymentId: recorded.id },
    });
    return { invoice, payment: recorded, webhookEventIds: [event.id] };
  });
}
