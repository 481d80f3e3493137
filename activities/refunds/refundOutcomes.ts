// What a refund's outcome changes, whoever learns it (the API's or the reconciliation's call to the provider, or the
// provider's charge.refunded webhook), once, under the organization's, the invoice's and the entity's locks:
//   accepted (succeeded, or pending payout at the provider): its credit note, numbered 1..N per organization without
//     gaps (Organization.nextCreditNoteNumber under the organization's row lock, as invoice numbers are), the amount
//     added to the invoice's (not for a duplicate charge: never part of what paid the invoice) and the payment's
//     amountRefunded, credit_note.issued; succeeded also refund.succeeded;
//   failed: refund.failed, and a downgrade's credit that could not be refunded goes back to the next invoice (an
//     adjustment item), so the customer gets it one way or the other.
import { Money } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import { lockInvoiceRow } from '../payments/invoiceSettlement.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

type Tx = Prisma.TransactionClient;
export type RefundRow = Awaited<ReturnType<Tx['refund']['findUniqueOrThrow']>>;

export type RefundOutcome =
  | { status: 'succeeded' | 'pending'; providerRef: string | null }
  | { status: 'failed'; providerRef: string | null; errorCode: string; errorMessage: string };

export interface RecordedRefund {
  refund: RefundRow;
  creditNoteId: string | null;
  webhookEventIds: string[];
}

const payloadOf = (r: RefundRow) => ({
  refundId: r.id,
  invoiceId: r.invoiceId,
  paymentId: r.paymentId,
  entityId: r.entityId,
  kind: r.kind,
  amount: Money.of(r.amount.toString(), r.currency).toString(),
  currency: r.currency,
  reason: r.reason,
});

/** Issues the refund's credit note (once) in `tx`; the caller holds the invoice's lock. */
async function issueCreditNote(tx: Tx, refund: RefundRow, at: Date): Promise<{ id: string; created: boolean }> {
  const existing = await tx.creditNote.findUnique({ where: { refundId: refund.id } });
  if (existing) return { id: existing.id, created: false };
  const invoice = await tx.invoice.findUniqueOrThrow({ where: { id: refund.invoiceId } });
  const [numbered] = await tx.$queryRaw<Array<{ number: number }>>`
    UPDATE "Organization" SET "nextCreditNoteNumber" = "nextCreditNoteNumber" + 1, "updatedAt" = now()
    WHERE id = ${refund.organizationId}::uuid RETURNING "nextCreditNoteNumber" - 1 AS number`;
  const amount = Money.of(refund.amount.toString(), refund.currency);
  const what =
    refund.kind === 'downgrade_credit'
      ? 'Downgrade credit refunded'
      : refund.kind === 'duplicate_charge'
        ? 'Duplicate charge refunded'
        : 'Refund';
  const note = await tx.creditNote.create({
    data: {
      organizationId: refund.organizationId,
      entityId: refund.entityId,
      invoiceId: refund.invoiceId,
      refundId: refund.id,
      number: numbered!.number,
      amount: amount.toString(),
      currency: refund.currency,
      reason: refund.reason ?? (refund.kind === 'downgrade_credit' ? 'downgrade_credit' : 'requested_by_customer'),
      description: `${what} on invoice ${invoice.number ?? invoice.id}`,
      issuedAt: at,
    },
  });
  // A duplicate charge was never part of what the invoice was paid with: only its payment shows it returned.
  if (refund.kind !== 'duplicate_charge') {
    await tx.invoice.update({ where: { id: invoice.id }, data: { amountRefunded: { increment: amount.toString() } } });
  }
  await tx.payment.update({
    where: { id: refund.paymentId },
    data: { amountRefunded: { increment: amount.toString() } },
  });
  return { id: note.id, created: true };
}

/**
 * Records `outcome` for the refund. Idempotent: a refund already succeeded or failed is returned as it is; an accepted
 * one (pending at the provider) may still move to succeeded.
 */
export async function recordRefundOutcome(
  tx: Tx,
  refundId: string,
  outcome: RefundOutcome,
  at: Date,
): Promise<RecordedRefund> {
  const first = await tx.refund.findUniqueOrThrow({ where: { id: refundId } });
  // The organization's row first (the credit note's number comes from it), then the invoice's and the entity's: the
  // order finalizeInvoice takes the organization's after its invoice's, so neither waits for the other in a cycle.
  await tx.$queryRaw`SELECT id FROM "Organization" WHERE id = ${first.organizationId}::uuid FOR UPDATE`;
  await lockInvoiceRow(tx, first.invoiceId);
  const refund = await tx.refund.findUniqueOrThrow({ where: { id: refundId } });
  const note = await tx.creditNote.findUnique({ where: { refundId }, select: { id: true } });
  if (refund.status !== 'pending') return { refund, creditNoteId: note?.id ?? null, webhookEventIds: [] };
  const base = { organizationId: refund.organizationId, entityId: refund.entityId };
  const ids: string[] = [];

  if (outcome.status === 'failed') {
    const failed = await tx.refund.update({
      where: { id: refund.id },
      data: {
        status: 'failed',
        providerRef: outcome.providerRef ?? refund.providerRef,
        failureCode: outcome.errorCode,
        failureMessage: outcome.errorMessage,
      },
    });
    if (refund.kind === 'downgrade_credit') {
      // The credit the refund was to return goes back on the next invoice.
      await tx.invoiceItem.create({
        data: {
          entityId: refund.entityId,
          subscriptionId: refund.subscriptionId,
          kind: 'adjustment',
          description: 'Downgrade credit carried forward (its refund failed)',
          amount: Money.of(refund.amount.toString(), refund.currency).negate().toString(),
          currency: refund.currency,
          idempotencyKey: `refund-failed:${refund.id}`,
          metadata: { refundId: refund.id, changeId: refund.changeId },
        },
      });
    }
    ids.push(
      await recordWebhookEvent(tx, {
        ...base,
        type: 'refund.failed',
        idempotencyKey: `refund.failed:${refund.id}`,
        payload: { ...payloadOf(failed), errorCode: outcome.errorCode },
      }),
    );
    return { refund: failed, creditNoteId: null, webhookEventIds: ids };
  }

  const updated = await tx.refund.update({
    where: { id: refund.id },
    data: {
      providerRef: outcome.providerRef ?? refund.providerRef,
      ...(outcome.status === 'succeeded' ? { status: 'succeeded', succeededAt: at } : {}),
    },
  });
  const issued = await issueCreditNote(tx, updated, at);
  if (issued.created) {
    const creditNote = await tx.creditNote.findUniqueOrThrow({ where: { id: issued.id } });
    ids.push(
      await recordWebhookEvent(tx, {
        ...base,
        type: 'credit_note.issued',
        idempotencyKey: `credit_note.issued:${creditNote.id}`,
        payload: {
          creditNoteId: creditNote.id,
          number: creditNote.number,
          invoiceId: creditNote.invoiceId,
          refundId: refund.id,
          amount: Money.of(creditNote.amount.toString(), creditNote.currency).toString(),
          currency: creditNote.currency,
          reason: creditNote.reason,
        },
      }),
    );
  }
  if (outcome.status === 'succeeded') {
    ids.push(
      await recordWebhookEvent(tx, {
        ...base,
        type: 'refund.succeeded',
        idempotencyKey: `refund.succeeded:${refund.id}`,
        payload: payloadOf(updated),
      }),
    );
  }
  return { refund: updated, creditNoteId: issued.id, webhookEventIds: ids };
}
