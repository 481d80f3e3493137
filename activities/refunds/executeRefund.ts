// Carries out a pending refund: the provider is asked to return the money with the refund's own key (refund:<refundId>),
// the same on every repeat, so an API retry, the reconciliation schedule and a retried activity can all run it and the
// money is returned once. The answer is recorded by refundOutcomes.ts. A call whose outcome is unknown (a timeout)
// throws PaymentProviderTimeoutError and leaves the refund pending for the next run.
//   - a payment received out of band (mark-paid) is returned out of band too: the refund is recorded, no provider call;
//   - a payment another provider took (the platform switched providers since) cannot be refunded here: failed.
import type { Db } from '../db.js';
import type { PaymentProvider } from '../payments/paymentProvider.js';
import { tenantDb } from '../tenantDb.js';
import { type RecordedRefund, type RefundOutcome, recordRefundOutcome } from './refundOutcomes.js';

export async function executeRefund(
  db: Db,
  provider: PaymentProvider,
  refundId: string,
  at: Date = new Date(),
): Promise<RecordedRefund> {
  const refund = await db.refund.findUniqueOrThrow({ where: { id: refundId }, include: { payment: true } });
  const note = await db.creditNote.findUnique({ where: { refundId }, select: { id: true } });
  // Decided (or accepted by the provider, waiting for its payout): nothing to ask again.
  if (refund.status !== 'pending' || note) {
    const { payment: _payment, ...row } = refund;
    return { refund: row, creditNoteId: note?.id ?? null, webhookEventIds: [] };
  }
  let outcome: RefundOutcome;
  if (refund.payment.provider === 'out_of_band') {
    outcome = { status: 'succeeded', providerRef: null };
  } else if (refund.payment.provider !== provider.name || !refund.payment.providerRef) {
    outcome = {
      status: 'failed',
      providerRef: null,
      errorCode: 'provider_unavailable',
      errorMessage: `The payment was taken through ${refund.payment.provider}; refunds now go through ${provider.name}`,
    };
  } else {
    outcome = await provider.refund({
      idempotencyKey: `refund:${refund.id}`,
      paymentRef: refund.payment.providerRef,
      amount: refund.amount.toString(),
      currency: refund.currency,
      metadata: { refundId: refund.id, invoiceId: refund.invoiceId, organizationId: refund.organizationId },
    });
  }
  return db.$transaction((tx) => recordRefundOutcome(tx, refund.id, outcome, at));
}

/**
 * Carries out refunds a transaction just wrote (a duplicate charge's), right after its commit. A refund that cannot be
 * carried out now (a timeout, the provider down) stays pending: the reconciliation schedule runs it (executeStalledRefunds).
 */
export async function executeRefundsNow(
  db: Db,
  provider: PaymentProvider,
  refundIds: string[],
): Promise<{ webhookEventIds: string[] }> {
  const webhookEventIds: string[] = [];
  for (const id of refundIds) {
    try {
      webhookEventIds.push(...(await executeRefund(db, provider, id)).webhookEventIds);
    } catch {
      // Left pending for the reconciliation schedule, with the same key.
    }
  }
  return { webhookEventIds };
}

/**
 * Pending refunds whose first run died or timed out, found by the reconciliation across organizations
 * (app_reconciliation_work): each run again as its own organization, with its own key.
 */
export async function executeStalledRefunds(
  db: Db,
  provider: PaymentProvider,
  stalled: ReadonlyArray<{ id: string; organizationId: string }>,
): Promise<{ refunds: number; webhookEventIds: string[] }> {
  const ids: string[] = [];
  for (const r of stalled) {
    try {
      ids.push(...(await executeRefund(tenantDb(db, r.organizationId), provider, r.id)).webhookEventIds);
    } catch {
      // Still unknown (a timeout): the next run tries again with the same key.
    }
  }
  return { refunds: stalled.length, webhookEventIds: ids };
}
