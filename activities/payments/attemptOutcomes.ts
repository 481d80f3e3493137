// What a charge attempt's outcome changes, whoever learns it first: the collection activity from the provider's answer,
// or the provider's webhook (a `processing` charge decided later, or an answer the activity never got because the call
// timed out). One transaction under the invoice's and the entity's locks (lockInvoiceRow): the attempt leaves its open
// state (pending or processing) exactly once, so a webhook and a retried activity racing each other write it once.
//   succeeded: the Payment succeeded (payment.succeeded); the invoice paid (invoiceSettlement.ts: invoice.paid, end of a
//              suspension), unless it was settled meanwhile (marked paid, voided): then the charge is money taken twice
//              and a refund of all of it is written in the same transaction (kind duplicate_charge, key
//              duplicate:<paymentId>), for the caller to carry out (reconciliation runs it if the caller cannot);
//   failed:    invoice.payment_failed with the error code and what it means for dunning (decision), unless settled.
import { dunningDecision } from '../../domain/paymentFailures.js';
import type { Prisma } from '../db.js';
import { invoiceDuePayload } from '../invoicing/invoicePayload.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { lockInvoiceRow, recordInvoicePaid } from './invoiceSettlement.js';
import { recordPaymentEvent } from './paymentEvents.js';

type Tx = Prisma.TransactionClient;

export type AttemptOutcome =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'processing'; providerRef: string }
  | { status: 'failed'; providerRef: string | null; errorCode: string; errorMessage: string };

export interface RecordedAttempt {
  /** pending: the provider has not decided yet (processing). */
  status: 'succeeded' | 'failed' | 'pending';
  errorCode: string | null;
  decision: 'retry' | 'customer_action' | null;
  attempt: number;
  /** True when this call moved the attempt (false: it was already decided, by the other path). */
  changed: boolean;
  webhookEventIds: string[];
  /** Refunds written by this call, to carry out after the commit (a duplicate charge's). */
  refundIds: string[];
}

type AttemptRow = Awaited<ReturnType<Tx['paymentAttempt']['findUniqueOrThrow']>>;

export function recordedOf(
  row: AttemptRow,
  changed: boolean,
  webhookEventIds: string[] = [],
  refundIds: string[] = [],
): RecordedAttempt {
  const status = row.status === 'succeeded' ? 'succeeded' : row.status === 'failed' ? 'failed' : 'pending';
  return {
    status,
    errorCode: row.errorCode,
    decision: (row.decision as RecordedAttempt['decision']) ?? null,
    attempt: row.attemptNumber,
    changed,
    webhookEventIds,
    refundIds,
  };
}

/**
 * Records `outcome` for the attempt (by id) of the collection Payment of `invoiceId`, at `at`. Runs in the caller's
 * transaction; takes the invoice's and the entity's locks first, as every invoice status change does.
 */
export async function recordAttemptOutcome(
  tx: Tx,
  input: { invoiceId: string; attemptId: string; outcome: AttemptOutcome; at: Date },
): Promise<RecordedAttempt> {
  const locked = await lockInvoiceRow(tx, input.invoiceId);
  const before = await tx.paymentAttempt.findUniqueOrThrow({ where: { id: input.attemptId } });
  const { outcome } = input;
  const open = before.status === 'pending' || (before.status === 'processing' && outcome.status !== 'processing');
  if (!open) return recordedOf(before, false);

  const decision = outcome.status === 'failed' ? dunningDecision(outcome.errorCode) : null;
  const row = await tx.paymentAttempt.update({
    where: { id: before.id },
    data: {
      status: outcome.status,
      providerRef: outcome.providerRef ?? before.providerRef,
      errorCode: outcome.status === 'failed' ? outcome.errorCode : null,
      errorMessage: outcome.status === 'failed' ? outcome.errorMessage : null,
      decision,
      completedAt: outcome.status === 'processing' ? null : input.at,
    },
  });
  const payment = await tx.payment.findUniqueOrThrow({ where: { id: row.paymentId } });
  const ids: string[] = [];
  if (outcome.status === 'processing') {
    await tx.payment.update({ where: { id: payment.id }, data: { providerRef: outcome.providerRef } });
    return recordedOf(row, true);
  }
  if (outcome.status === 'succeeded') {
    const succeeded = await tx.payment.update({
      where: { id: payment.id },
      data: {
        status: 'succeeded',
        attemptCount: { increment: 1 },
        providerRef: outcome.providerRef,
        paymentMethod: row.paymentMethod ?? payment.paymentMethod,
        succeededAt: input.at,
        lastError: null,
      },
    });
    ids.push(
      await recordPaymentEvent(tx, 'payment.succeeded', succeeded, {
        organizationId: locked?.organizationId ?? (await organizationOfPayment(tx, payment.entityId)),
        attempt: row.attemptNumber,
        errorCode: null,
        at: input.at,
      }),
    );
    if (locked && locked.status === 'open') {
      const paid = await recordInvoicePaid(tx, locked, input.at, {
        paymentId: payment.id,
        attempt: row.attemptNumber,
        outOfBand: false,
      });
      ids.push(...paid.webhookEventIds);
      return recordedOf(row, true, ids);
    }
    // Settled meanwhile (marked paid out of band, paid another way, voided) while the provider charged: the money is
    // recorded on this Payment, the invoice left as it is (no second invoice.paid), and all of it goes back.
    if (!locked) return recordedOf(row, true, ids);
    const refund = await writeDuplicateChargeRefund(tx, succeeded, locked);
    return recordedOf(row, true, ids, [refund]);
  }
  await tx.payment.update({
    where: { id: payment.id },
    data: {
      attemptCount: { increment: 1 },
      lastError: `${outcome.errorCode}: ${outcome.errorMessage}`,
      paymentMethod: row.paymentMethod ?? payment.paymentMethod,
    },
  });
  // Settled meanwhile: nobody is to be asked for another card for it.
  if (locked?.status !== 'open') return recordedOf(row, true);
  ids.push(
    await recordWebhookEvent(tx, {
      organizationId: locked.organizationId,
      entityId: locked.entityId,
      type: 'invoice.payment_failed',
      idempotencyKey: `invoice.payment_failed:${locked.id}:${row.attemptNumber}`,
      payload: {
        ...invoiceDuePayload(locked),
        attempt: row.attemptNumber,
        errorCode: outcome.errorCode,
        // retry: the next scheduled attempt may succeed; customer_action: none will until the customer acts.
        decision,
        nextAttemptAt: decision === 'retry' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
      },
    }),
  );
  return recordedOf(row, true, ids);
}

/** The organization of a payment whose invoice was not found under lock (the entity's organization). */
/** The refund of all of a charge that landed on an invoice already settled: written once per payment. */
async function writeDuplicateChargeRefund(
  tx: Tx,
  payment: Awaited<ReturnType<Tx['payment']['findUniqueOrThrow']>>,
  invoice: { id: string; organizationId: string; entityId: string | null },
): Promise<string> {
  const key = `duplicate:${payment.id}`;
  const refund = await tx.refund.upsert({
    where: { idempotencyKey: key },
    create: {
      organizationId: invoice.organizationId,
      entityId: invoice.entityId ?? (payment.entityId as string),
      invoiceId: invoice.id,
      paymentId: payment.id,
      kind: 'duplicate_charge',
      amount: payment.amount,
      currency: payment.currency,
      provider: payment.provider,
      reason: 'duplicate_charge',
      idempotencyKey: key,
    },
    update: {},
  });
  return refund.id;
}

async function organizationOfPayment(tx: Tx, entityId: string | null): Promise<string> {
  if (!entityId) throw new Error('a collection payment without an entity');
  return (await tx.entity.findUniqueOrThrow({ where: { id: entityId }, select: { organizationId: true } }))
    .organizationId;
}
