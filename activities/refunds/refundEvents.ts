// charge.refunded from the provider: money returned on a charge. The platform's own refunds the provider had accepted
// (pending payout) are paid out now; money refunded at the provider itself (its dashboard), beyond every refund the
// platform knows, is recorded as a refund with its credit note, so the ledger of what was returned stays complete.
import { Money } from '../../domain/money.js';
import type { ProviderEventHandler } from '../payments/providerEventTypes.js';
import { recordRefundOutcome } from './refundOutcomes.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const chargeRefunded: ProviderEventHandler = async (tx, event, at) => {
  const charge = event.object;
  const paymentIntent = str(charge.payment_intent);
  const payment = paymentIntent
    ? await tx.payment.findFirst({
        where: { providerRef: paymentIntent, status: 'succeeded', invoiceId: { not: null } },
      })
    : null;
  if (!payment?.invoiceId || !payment.entityId) return { outcome: 'unknown_payment' };
  const invoice = await tx.invoice.findUniqueOrThrow({ where: { id: payment.invoiceId } });
  const ids: string[] = [];
  let changed = false;
  const accepted = await tx.refund.findMany({
    where: { paymentId: payment.id, status: 'pending', providerRef: { not: null } },
    orderBy: { id: 'asc' },
  });
  for (const refund of accepted) {
    const done = await recordRefundOutcome(tx, refund.id, { status: 'succeeded', providerRef: refund.providerRef }, at);
    ids.push(...done.webhookEventIds);
    changed = true;
  }
  const units = typeof charge.amount_refunded === 'number' ? charge.amount_refunded : 0;
  const atProvider = Money.fromMinorUnits(BigInt(units), payment.currency);
  const known = await tx.refund.findMany({ where: { paymentId: payment.id, status: { not: 'failed' } } });
  const recorded = Money.sum(
    known.map((r) => Money.of(r.amount.toString(), payment.currency)),
    payment.currency,
  );
  const extra = atProvider.subtract(recorded);
  if (extra.isPositive()) {
    const refund = await tx.refund.create({
      data: {
        organizationId: invoice.organizationId,
        entityId: payment.entityId,
        invoiceId: invoice.id,
        paymentId: payment.id,
        kind: 'invoice',
        amount: extra.toString(),
        currency: payment.currency,
        provider: payment.provider,
        reason: 'refunded_at_provider',
        idempotencyKey: `refund:provider:${str(charge.id) ?? paymentIntent}:${units}`,
      },
    });
    const done = await recordRefundOutcome(tx, refund.id, { status: 'succeeded', providerRef: null }, at);
    ids.push(...done.webhookEventIds);
    changed = true;
  }
  return { outcome: changed ? 'refund_succeeded' : 'already_recorded', webhookEventIds: ids };
};
