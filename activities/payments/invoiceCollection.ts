// Collection of one invoice: charge attempts through the PaymentProvider, the invoice's Payment and its
// PaymentAttempt rows, and the consequences (paid, past due + entity suspended, reactivated), each with its outbox
// row in the same transaction. Attempt n is keyed payment:<invoiceId>:<n> at the provider and unique per
// (payment, attempt) here, so a retried activity never charges twice and returns the recorded outcome.
// What a paid invoice changes (invoice, entity, subscriptions, webhooks) is invoiceSettlement.ts, shared with the
// out-of-band mark-paid. Each attempt re-reads the invoice first: one paid or voided meanwhile is never charged.
import type { Db } from '../db.js';
import { tenantDbOf } from '../tenantDb.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { collectionPaymentKey, lockInvoiceRow, recordInvoicePaid } from './invoiceSettlement.js';
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
  /**
   * already_paid: the invoice was paid before this attempt (nothing charged); not_collectible: it is void or written
   * off (nothing charged). Both end the collection.
   */
  status: 'succeeded' | 'failed' | 'already_paid' | 'not_collectible';
  errorCode: string | null;
  webhookEventIds: string[];
}

/** Each activity runs as the invoice's organization (tenantDb.ts). */
export function createInvoiceCollectionActivities(processDb: Db, provider: PaymentProvider) {
  return {
    async chargeInvoice(input: ChargeAttemptInput): Promise<ChargeAttemptResult> {
      const db = await tenantDbOf(processDb, 'invoice', input.invoiceId);
      const at = new Date(input.at);
      const invoice = await db.invoice.findUniqueOrThrow({ where: { id: input.invoiceId }, include: { entity: true } });
      if (invoice.status === 'paid') return { status: 'already_paid', errorCode: null, webhookEventIds: [] };
      if (invoice.status !== 'open') return { status: 'not_collectible', errorCode: null, webhookEventIds: [] };
      const entity = invoice.entity!;
      const paymentMethod = input.paymentMethod ?? entity.defaultPaymentMethod ?? SANDBOX_DEFAULT_PAYMENT_METHOD;
      const payment = await db.payment.upsert({
        where: { idempotencyKey: collectionPaymentKey(invoice.id) },
        create: {
          invoiceId: invoice.id,
          entityId: entity.id,
          amount: invoice.amountDue,
          currency: invoice.currency,
          status: 'processing',
          provider: provider.name,
          paymentMethod,
          idempotencyKey: collectionPaymentKey(invoice.id),
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
        // The invoice's and the entity's locks first, as every invoice status change takes them (mark-paid, void,
        // past due), before any write.
        const locked = await lockInvoiceRow(tx, invoice.id);
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
          // Settled meanwhile (marked paid out of band, voided) while the provider charged: the money is recorded on
          // this Payment and the invoice left as it is, with no second invoice.paid.
          if (locked && locked.status === 'open') {
            const paid = await recordInvoicePaid(tx, locked, at, {
              paymentId: payment.id,
              attempt: input.attempt,
              outOfBand: false,
            });
            ids.push(...paid.webhookEventIds);
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
          // Settled meanwhile: nobody is to be asked for another card for it.
          if (locked?.status !== 'open')
            return { status: 'failed' as const, errorCode: outcome.code, webhookEventIds: [] };
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
      const db = await tenantDbOf(processDb, 'invoice', input.invoiceId);
      const at = new Date(input.at);
      return db.$transaction(async (tx) => {
        // Under the invoice's and the entity's locks: one paid or voided meanwhile (by the API) is not past due.
        const invoice = await lockInvoiceRow(tx, input.invoiceId);
        if (invoice?.status !== 'open' || !invoice.entityId) return { webhookEventIds: [] };
        await tx.payment.updateMany({
          where: { idempotencyKey: collectionPaymentKey(invoice.id), status: { not: 'succeeded' } },
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
        // Read under the entity's row lock, which lockInvoiceRow took.
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
