// Collection of one invoice: charge attempts through the PaymentProvider, the invoice's Payment and its
// PaymentAttempt rows, and the consequences (paid, past due + entity suspended, reactivated), each with its outbox
// row in the same transaction. Attempt n is keyed payment:<invoiceId>:<n> at the provider and unique per
// (payment, attempt) here. The attempt row is written `pending` before the provider is called: a call whose outcome
// is unknown (a timeout) leaves it pending and fails the activity, whose retry sends the same key again (never a new
// one), so a retried activity never charges twice and returns the recorded outcome. A charge the provider answers
// `processing` is decided later by its webhook (attemptOutcomes.ts records either path, once).
// What a paid invoice changes (invoice, entity, subscriptions, webhooks) is invoiceSettlement.ts, shared with the
// out-of-band mark-paid. Each attempt re-reads the invoice first: one paid or voided meanwhile is never charged.
import type { Db } from '../db.js';
import { invoiceDuePayload } from '../invoicing/invoicePayload.js';
import { executeRefundsNow } from '../refunds/executeRefund.js';
import { tenantDbOf } from '../tenantDb.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { type AttemptOutcome, type RecordedAttempt, recordAttemptOutcome, recordedOf } from './attemptOutcomes.js';
import { suspendEntity } from './entitySuspension.js';
import { collectionPaymentKey, lockInvoiceRow } from './invoiceSettlement.js';
import { chargeTarget } from './paymentCustomers.js';
import { errorCodeOf, recordPaymentEvent } from './paymentEvents.js';
import type { PaymentProvider } from './paymentProvider.js';

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
   * pending: the provider accepted the charge and decides later (its webhook signals the workflow). already_paid: the
   * invoice was paid before this attempt (nothing charged); not_collectible: it is void or written off (nothing
   * charged). Both end the collection.
   */
  status: 'succeeded' | 'failed' | 'pending' | 'already_paid' | 'not_collectible';
  errorCode: string | null;
  /** For a failure: retry (on the schedule) or customer_action (no automatic attempt can succeed). */
  decision?: 'retry' | 'customer_action' | null;
  webhookEventIds: string[];
}

const asResult = (r: RecordedAttempt): ChargeAttemptResult => ({
  status: r.status,
  errorCode: r.errorCode,
  decision: r.decision,
  webhookEventIds: r.webhookEventIds,
});

/** Each activity runs as the invoice's organization (tenantDb.ts). */
export function createInvoiceCollectionActivities(processDb: Db, provider: PaymentProvider) {
  /** A charge that landed on an invoice settled meanwhile goes back at once; its outbox rows join the attempt's. */
  const withRefundsCarriedOut = async (db: Db, recorded: RecordedAttempt): Promise<ChargeAttemptResult> => {
    const result = asResult(recorded);
    if (recorded.refundIds.length === 0) return result;
    const refunded = await executeRefundsNow(db, provider, recorded.refundIds);
    return { ...result, webhookEventIds: [...result.webhookEventIds, ...refunded.webhookEventIds] };
  };
  return {
    async chargeInvoice(input: ChargeAttemptInput): Promise<ChargeAttemptResult> {
      const db = await tenantDbOf(processDb, 'invoice', input.invoiceId);
      const at = new Date(input.at);
      const invoice = await db.invoice.findUniqueOrThrow({ where: { id: input.invoiceId }, include: { entity: true } });
      // An attempt whose call went unanswered (a timeout) may have taken the money: it is asked again with its key even
      // when the invoice was settled meanwhile, and a charge that did land goes back (attemptOutcomes.ts).
      const unanswered = await db.paymentAttempt.findFirst({
        where: {
          attemptNumber: input.attempt,
          status: 'pending',
          payment: { idempotencyKey: collectionPaymentKey(invoice.id) },
        },
        select: { id: true },
      });
      if (!unanswered && invoice.status === 'paid') {
        return { status: 'already_paid', errorCode: null, webhookEventIds: [] };
      }
      if (!unanswered && invoice.status !== 'open') {
        return { status: 'not_collectible', errorCode: null, webhookEventIds: [] };
      }
      const entity = invoice.entity!;
      const payment = await db.payment.upsert({
        where: { idempotencyKey: collectionPaymentKey(invoice.id) },
        create: {
          invoiceId: invoice.id,
          entityId: entity.id,
          amount: invoice.amountDue,
          currency: invoice.currency,
          status: 'processing',
          provider: provider.name,
          paymentMethod: input.paymentMethod ?? entity.defaultPaymentMethod ?? provider.fallbackPaymentMethod ?? null,
          idempotencyKey: collectionPaymentKey(invoice.id),
        },
        update: {},
      });
      const find = () =>
        db.paymentAttempt.findUnique({
          where: { paymentId_attemptNumber: { paymentId: payment.id, attemptNumber: input.attempt } },
        });
      let row = await find();
      if (row && row.status !== 'pending') {
        return { ...asResult(recordedOf(row, false)), webhookEventIds: await pendingEvents(db, invoice.id) };
      }
      if (!row) {
        const target = await chargeTarget(db, provider, entity, input.paymentMethod);
        await db.paymentAttempt.createMany({
          data: [
            {
              paymentId: payment.id,
              attemptNumber: input.attempt,
              status: 'pending',
              idempotencyKey: `payment:${invoice.id}:${input.attempt}`,
              paymentMethod: target.paymentMethod,
              nextAttemptAt: input.nextAttemptAt ? new Date(input.nextAttemptAt) : null,
            },
          ],
          skipDuplicates: true,
        });
        row = (await find())!;
        if (row.status !== 'pending') return asResult(recordedOf(row, false));
      }

      // The provider call, with the attempt's key and method whether this is the first call or a repeat.
      let outcome: AttemptOutcome;
      if (!row.paymentMethod) {
        outcome = {
          status: 'failed',
          providerRef: null,
          errorCode: 'payment_method_missing',
          errorMessage: 'The entity has no default payment method.',
        };
      } else {
        const customerRef = (await chargeTarget(db, provider, entity)).customerRef;
        // A PaymentProviderTimeoutError propagates: the attempt stays pending and the activity's retry repeats the
        // call with the same key.
        outcome = await provider.charge({
          idempotencyKey: row.idempotencyKey ?? `payment:${invoice.id}:${input.attempt}`,
          amount: invoice.amountDue.toString(),
          currency: invoice.currency,
          paymentMethod: row.paymentMethod,
          customerRef,
          attempt: input.attempt,
          description: `Invoice ${invoice.number ?? invoice.id}`,
          metadata: {
            invoiceId: invoice.id,
            attempt: String(input.attempt),
            organizationId: invoice.organizationId,
            entityId: entity.id,
          },
        });
      }
      const attemptId = row.id;
      const recorded = await db.$transaction((tx) =>
        recordAttemptOutcome(tx, { invoiceId: invoice.id, attemptId, outcome, at }),
      );
      // Decided by the provider's webhook meanwhile: that path dispatched its outbox rows; report what it recorded.
      return withRefundsCarriedOut(db, recorded);
    },

    /**
     * An attempt still `processing` after a long wait (its webhook lost or late): asks the provider where it stands and
     * records the answer as the webhook would have.
     */
    async refreshChargeAttempt(input: {
      invoiceId: string;
      attempt: number;
      at: string;
    }): Promise<ChargeAttemptResult> {
      const db = await tenantDbOf(processDb, 'invoice', input.invoiceId);
      const row = await db.paymentAttempt.findFirst({
        where: { attemptNumber: input.attempt, payment: { idempotencyKey: collectionPaymentKey(input.invoiceId) } },
      });
      if (!row) return { status: 'failed', errorCode: 'attempt_not_found', webhookEventIds: [] };
      if (row.status !== 'processing' || !row.providerRef) return asResult(recordedOf(row, false));
      const outcome = await provider.chargeStatus(row.providerRef);
      const recorded = await db.$transaction((tx) =>
        recordAttemptOutcome(tx, { invoiceId: input.invoiceId, attemptId: row.id, outcome, at: new Date(input.at) }),
      );
      return withRefundsCarriedOut(db, recorded);
    },

    /** Dunning exhausted: the invoice is past due and the entity suspended (metering then rejects its events). */
    async markInvoicePastDue(input: { invoiceId: string; at: string }): Promise<{ webhookEventIds: string[] }> {
      const db = await tenantDbOf(processDb, 'invoice', input.invoiceId);
      const at = new Date(input.at);
      return db.$transaction(async (tx) => {
        // Under the invoice's and the entity's locks: one paid or voided meanwhile (by the API) is not past due.
        const invoice = await lockInvoiceRow(tx, input.invoiceId);
        if (invoice?.status !== 'open' || !invoice.entityId) return { webhookEventIds: [] };
        const payment = await tx.payment.findUnique({ where: { idempotencyKey: collectionPaymentKey(invoice.id) } });
        const failedPayment: string[] = [];
        if (payment && payment.status !== 'succeeded' && payment.status !== 'failed') {
          const failed = await tx.payment.update({ where: { id: payment.id }, data: { status: 'failed' } });
          failedPayment.push(
            await recordPaymentEvent(tx, 'payment.failed', failed, {
              organizationId: invoice.organizationId,
              attempt: failed.attemptCount,
              errorCode: errorCodeOf(failed.lastError),
              at,
            }),
          );
        }
        const base = { organizationId: invoice.organizationId, entityId: invoice.entityId };
        const ids = [
          ...failedPayment,
          await recordWebhookEvent(tx, {
            ...base,
            type: 'invoice.past_due',
            idempotencyKey: `invoice.past_due:${invoice.id}`,
            payload: invoiceDuePayload(invoice),
          }),
        ];
        // Under the entity's row lock, which lockInvoiceRow took.
        ids.push(
          ...(await suspendEntity(tx, {
            ...base,
            at,
            reason: 'invoice_past_due',
            invoiceId: invoice.id,
            idempotencyKey: `entity.suspended:${invoice.entityId}:${invoice.id}`,
          })),
        );
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
