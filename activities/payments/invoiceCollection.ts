// Collection of one invoice: charge attempts through the PaymentProvider, the invoice's Payment and its
// PaymentAttempt rows, and the consequences (paid, past due + entity suspended, reactivated), each with its outbox
// row in the same transaction. Attempt n is keyed payment:<invoiceId>:<n> at the provider and unique per
// (payment, attempt) here, so a retried activity never charges twice and returns the recorded outcome.
import type { Db } from '../db.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { type PaymentProvider, PaymentProviderTimeoutError } from './paymentProvider.js';
import { SANDBOX_DEFAULT_PAYMENT_METHOD } from './sandboxPaymentProvider.js';

export interface ChargeAttemptInput {
  invoiceId: string;
  attempt: number;
  /** Workflow time (ISO) of the attempt. */
  at: string;
  /** Overrides the entity's default payment method for this attempt (a customer-initiated retry). */
  paymentMethod?: string | null;
  /** When the next automatic attempt is scheduled (ISO), for the payment_failed webhook; null if none. */
  nextAttemptAt?: string | null;
}

export interface ChargeAttemptResult {
  status: 'succeeded' | 'failed' | 'already_paid';
  errorCode: string | null;
  webhookEventIds: string[];
}

export function createInvoiceCollectionActivities(db: Db, provider: PaymentProvider) {
  return {
    async chargeInvoice(input: ChargeAttemptInput): Promise<ChargeAttemptResult> {
      const at = new Date(input.at);
      const invoice = await db.invoice.findUniqueOrThrow({ where: { id: input.invoiceId }, include: { entity: true } });
      if (invoice.status === 'paid') return { status: 'already_paid', errorCode: null, webhookEventIds: [] };
      const entity = invoice.entity!;
      const paymentMethod = input.paymentMethod ?? entity.defaultPaymentMethod ?? SANDBOX_DEFAULT_PAYMENT_METHOD;
      const payment = await db.payment.upsert({
        where: { idempotencyKey: `payment:${invoice.id}` },
        create: {
          invoiceId: invoice.id,
          entityId: entity.id,
          amount: invoice.amountDue,
          currency: invoice.currency,
          status: 'processing',
          provider: provider.name,
          paymentMethod,
          idempotencyKey: `payment:${invoice.id}`,
        },
        update: {},
      });
      const recorded = await db.paymentAttempt.findUnique({
        where: { paymentId_attemptNumber: { paymentId: payment.id, attemptNumber: input.attempt } },
      });
      if (recorded) {
        return {
          status: recorded.status === 'succeeded' ? 'succeeded' : 'failed',
          errorCode: recorded.errorCode,
          webhookEventIds: await pendingEvents(db, invoice.id),
        };
      }

      let outcome: { ok: true; ref: string } | { ok: false; ref: string | null; code: string; message: string };
      try {
        const res = await provider.charge({
          idempotencyKey: `payment:${invoice.id}:${input.attempt}`,
          amount: invoice.amountDue.toString(),
          currency: invoice.currency,
          paymentMethod,
          attempt: input.attempt,
          description: `Invoice ${invoice.number ?? invoice.id}`,
        });
        outcome =
          res.status === 'succeeded'
            ? { ok: true, ref: res.providerRef }
            : { ok: false, ref: res.providerRef, code: res.errorCode, message: res.errorMessage };
      } catch (err) {
        if (!(err instanceof PaymentProviderTimeoutError)) throw err;
        outcome = { ok: false, ref: null, code: 'processing_timeout', message: err.message };
      }

      return db.$transaction(async (tx) => {
        const inserted = await tx.paymentAttempt.createMany({
          data: [
            {
              paymentId: payment.id,
              attemptNumber: input.attempt,
              status: outcome.ok ? 'succeeded' : 'failed',
              providerRef: outcome.ref,
              errorCode: outcome.ok ? null : outcome.code,
              errorMessage: outcome.ok ? null : outcome.message,
            },
          ],
          skipDuplicates: true,
        });
        if (inserted.count === 0) {
          const again = await tx.paymentAttempt.findUniqueOrThrow({
            where: { paymentId_attemptNumber: { paymentId: payment.id, attemptNumber: input.attempt } },
          });
          return {
            status: again.status === 'succeeded' ? ('succeeded' as const) : ('failed' as const),
            errorCode: again.errorCode,
            webhookEventIds: [],
          };
        }
        const ids: string[] = [];
        const base = { organizationId: invoice.organizationId, entityId: entity.id };
        if (outcome.ok) {
          await tx.payment.update({
            where: { id: payment.id },
            data: {
              status: 'succeeded',
              attemptCount: { increment: 1 },
              providerRef: outcome.ref,
              paymentMethod,
              succeededAt: at,
              lastError: null,
            },
          });
          await tx.invoice.update({
            where: { id: invoice.id },
            data: { status: 'paid', amountPaid: invoice.amountDue, paidAt: at },
          });
          ids.push(
            await recordWebhookEvent(tx, {
              ...base,
              type: 'invoice.paid',
              idempotencyKey: `invoice.paid:${invoice.id}`,
              payload: {
                invoiceId: invoice.id,
                entityId: entity.id,
                number: invoice.number,
                amountPaid: invoice.amountDue.toString(),
                currency: invoice.currency,
                attempt: input.attempt,
              },
            }),
          );
          // Reactivate when nothing else of the entity is past due.
          const current = await tx.entity.findUniqueOrThrow({ where: { id: entity.id } });
          const otherPastDue = await tx.payment.count({
            where: { entityId: entity.id, status: 'failed', invoice: { status: 'open' }, id: { not: payment.id } },
          });
          if (current.status === 'suspended' && otherPastDue === 0) {
            await tx.entity.update({ where: { id: entity.id }, data: { status: 'active', suspendedAt: null } });
            await tx.entitySubscription.updateMany({
              where: { entityId: entity.id, status: 'past_due' },
              data: { status: 'active' },
            });
            ids.push(
              await recordWebhookEvent(tx, {
                ...base,
                type: 'entity.reactivated',
                idempotencyKey: `entity.reactivated:${entity.id}:${invoice.id}`,
                payload: { entityId: entity.id, invoiceId: invoice.id, reactivatedAt: at.toISOString() },
              }),
            );
          }
        } else {
          await tx.payment.update({
            where: { id: payment.id },
            data: {
              attemptCount: { increment: 1 },
              lastError: `${outcome.code}: ${outcome.message}`,
              paymentMethod,
            },
          });
          ids.push(
            await recordWebhookEvent(tx, {
              ...base,
              type: 'invoice.payment_failed',
              idempotencyKey: `invoice.payment_failed:${invoice.id}:${input.attempt}`,
              payload: {
                invoiceId: invoice.id,
                entityId: entity.id,
                number: invoice.number,
                amountDue: invoice.amountDue.toString(),
                currency: invoice.currency,
                attempt: input.attempt,
                errorCode: outcome.code,
                nextAttemptAt: input.nextAttemptAt ?? null,
              },
            }),
          );
        }
        return {
          status: outcome.ok ? ('succeeded' as const) : ('failed' as const),
          errorCode: outcome.ok ? null : outcome.code,
          webhookEventIds: ids,
        };
      });
    },

    /** Dunning exhausted: the invoice is past due and the entity suspended (metering then rejects its events). */
    async markInvoicePastDue(input: { invoiceId: string; at: string }): Promise<{ webhookEventIds: string[] }> {
      const at = new Date(input.at);
      return db.$transaction(async (tx) => {
        const invoice = await tx.invoice.findUniqueOrThrow({ where: { id: input.invoiceId } });
        if (invoice.status === 'paid' || !invoice.entityId) return { webhookEventIds: [] };
        await tx.payment.updateMany({
          where: { idempotencyKey: `payment:${invoice.id}`, status: { not: 'succeeded' } },
          data: { status: 'failed' },
        });
        const base = { organizationId: invoice.organizationId, entityId: invoice.entityId };
        const ids = [
          await recordWebhookEvent(tx, {
            ...base,
            type: 'invoice.past_due',
            idempotencyKey: `invoice.past_due:${invoice.id}`,
            payload: {
              invoiceId: invoice.id,
              entityId: invoice.entityId,
              number: invoice.number,
              amountDue: invoice.amountDue.toString(),
              currency: invoice.currency,
            },
          }),
        ];
        const entity = await tx.entity.findUniqueOrThrow({ where: { id: invoice.entityId } });
        if (entity.status !== 'suspended') {
          await tx.entity.update({ where: { id: entity.id }, data: { status: 'suspended', suspendedAt: at } });
          await tx.entitySubscription.updateMany({
            where: { entityId: entity.id, status: 'active' },
            data: { status: 'past_due' },
          });
          ids.push(
            await recordWebhookEvent(tx, {
              ...base,
              type: 'entity.suspended',
              idempotencyKey: `entity.suspended:${entity.id}:${invoice.id}`,
              payload: {
                entityId: entity.id,
                invoiceId: invoice.id,
                reason: 'invoice_past_due',
                suspendedAt: at.toISOString(),
              },
            }),
          );
        }
        return { webhookEventIds: ids };
      });
    },
  };
}

async function pendingEvents(db: Db, invoiceId: string): Promise<string[]> {
  const rows = await db.webhookEvent.findMany({
    where: { dispatchedAt: null, payload: { path: ['invoiceId'], equals: invoiceId } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}
