// The payment.* webhooks: one outbox row per status change of a Payment (succeeded, failed, canceled), written in the
// transaction that changed it (webhooks/eventCatalog.ts documents them). A Payment reaches each of these statuses at
// most once, except that a failed invoice payment can still succeed (a retry after the entity was suspended): the key
// is the type and the payment, payment.<status>:<paymentId>.

import { moneyText } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import type { WebhookEventType } from '../webhooks/eventCatalog.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

type Tx = Prisma.TransactionClient;
type PaymentRow = Awaited<ReturnType<Tx['payment']['findUniqueOrThrow']>>;
export type PaymentEventType = Extract<WebhookEventType, `payment.${string}`>;

export interface PaymentEventCause {
  organizationId: string;
  /** The provider attempt it concerns; null when none (out of band, canceled before an attempt). */
  attempt: number | null;
  errorCode: string | null;
  at: Date;
}

/** What a payment was for: an invoice charged through the provider, a credit purchase, money recorded by hand. */
function purposeOf(payment: PaymentRow): 'invoice' | 'credit_purchase' | 'out_of_band' {
  if (payment.provider === 'out_of_band') return 'out_of_band';
  return payment.invoiceId ? 'invoice' : 'credit_purchase';
}

/** The code of a stored `lastError` ("card_declined: Your card was declined"). */
export const errorCodeOf = (lastError: string | null): string | null =>
  lastError ? (lastError.split(':')[0] ?? lastError).trim() : null;

export function recordPaymentEvent(
  tx: Tx,
  type: PaymentEventType,
  payment: PaymentRow,
  cause: PaymentEventCause,
): Promise<string> {
  return recordWebhookEvent(tx, {
    organizationId: cause.organizationId,
    entityId: payment.entityId,
    type,
    idempotencyKey: `${type}:${payment.id}`,
    payload: {
      paymentId: payment.id,
      entityId: payment.entityId,
      invoiceId: payment.invoiceId,
      status: payment.status,
      amount: moneyText(payment.amount, payment.currency),
      currency: payment.currency,
      provider: payment.provider,
      purpose: purposeOf(payment),
      attempt: cause.attempt,
      errorCode: cause.errorCode,
      occurredAt: cause.at.toISOString(),
    },
  });
}
