// A refund of all or part of a paid invoice, asked for through the API. Written first, under the invoice's and the
// entity's locks, with the client's idempotency key (refund:<invoiceId>:<key>, unique): the amount checked against what
// was paid minus every refund not failed (domain/refunds.ts: REFUND_EXCEEDS_PAID beyond it), so two refunds at once
// can never return more than was paid. Then carried out through the provider (executeRefund.ts); the same request
// again finds its refund and answers with it (carrying it out if it is still pending).
import { Money } from '../../domain/money.js';
import { refundAmount } from '../../domain/refunds.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { lockInvoiceRow } from '../payments/invoiceSettlement.js';
import type { PaymentProvider } from '../payments/paymentProvider.js';
import { ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';
import { executeRefund } from './executeRefund.js';
import type { RecordedRefund } from './refundOutcomes.js';

type Tx = Prisma.TransactionClient;

export interface InvoiceRefundRequest {
  /** Default: everything still refundable. */
  amount?: string | undefined;
  reason?: string | undefined;
  idempotencyKey: string;
}

/** What is not yet refunded on the invoice, counting refunds still pending. */
async function refundedSoFar(tx: Tx, invoiceId: string, currency: string): Promise<Money> {
  const refunds = await tx.refund.findMany({
    where: { invoiceId, status: { not: 'failed' } },
    select: { amount: true },
  });
  return Money.sum(
    refunds.map((r) => Money.of(r.amount.toString(), currency)),
    currency,
  );
}

export async function refundInvoice(
  db: Db,
  provider: PaymentProvider,
  actor: Actor,
  organizationId: string,
  invoiceId: string,
  request: InvoiceRefundRequest,
): Promise<RecordedRefund & { replayed: boolean }> {
  const key = `refund:${invoiceId}:${request.idempotencyKey}`;
  const { refundId, replayed } = await db.$transaction(async (tx) => {
    const invoice = await lockInvoiceRow(tx, invoiceId, organizationId);
    if (!invoice?.entityId) throw new ResourceNotFoundError('invoice');
    const existing = await tx.refund.findUnique({ where: { idempotencyKey: key } });
    if (existing) {
      const same =
        request.amount === undefined ||
        Money.of(request.amount, invoice.currency).equals(Money.of(existing.amount.toString(), invoice.currency));
      if (!same) {
        throw new ResourceConflictError('IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used for another refund');
      }
      return { refundId: existing.id, replayed: true };
    }
    if (invoice.status !== 'paid') {
      throw new ResourceConflictError('INVOICE_NOT_REFUNDABLE', `A ${invoice.status} invoice has nothing to refund`);
    }
    const payment = await tx.payment.findFirst({
      where: { invoiceId, status: 'succeeded' },
      orderBy: { succeededAt: 'asc' },
    });
    if (!payment) throw new ResourceConflictError('INVOICE_NOT_REFUNDABLE', 'No payment of the invoice to refund');
    const paid = Money.of(invoice.amountPaid.toString(), invoice.currency);
    const amount = refundAmount(
      request.amount === undefined ? null : Money.of(request.amount, invoice.currency),
      paid,
      await refundedSoFar(tx, invoiceId, invoice.currency),
    );
    const refund = await tx.refund.create({
      data: {
        organizationId,
        entityId: invoice.entityId,
        invoiceId,
        paymentId: payment.id,
        kind: 'invoice',
        amount: amount.toString(),
        currency: invoice.currency,
        provider: payment.provider,
        reason: request.reason ?? null,
        idempotencyKey: key,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'invoice.refund',
      targetType: 'invoice',
      targetId: invoiceId,
      before: { amountPaid: invoice.amountPaid.toString(), amountRefunded: invoice.amountRefunded.toString() },
      after: { refundId: refund.id, amount: amount.toString(), reason: refund.reason },
    });
    return { refundId: refund.id, replayed: false };
  });
  return { ...(await executeRefund(db, provider, refundId)), replayed };
}
