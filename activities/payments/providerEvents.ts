// Events a payment provider sends us (webhooks in), applied once each. The event's row (ProviderEvent, unique on
// provider + event id) is inserted in the same transaction as its effect, so a replayed event (the provider retries,
// a duplicate delivery, two deliveries at once) finds it and changes nothing, and a crash loses neither.
//   payment_intent.succeeded / .payment_failed  the outcome of a charge attempt the provider decided later
//                                                (processing) or whose answer the platform never got (a timeout):
//                                                recorded as the collection would (attemptOutcomes.ts), then signalled
//                                                to the invoice's collection workflow (providerOutcome)
//   charge.refunded                              refunds paid out (refundOutcomes.ts)
//   charge.dispute.created / .closed             disputes (disputes.ts)
// Other event types are acknowledged and recorded as ignored. An event about a payment the platform does not know
// (a charge made outside it) is recorded as such and changes nothing.
import type { Db, Prisma } from '../db.js';
import { chargeRefunded } from '../refunds/refundEvents.js';
import { PLATFORM_TENANT, rootDb, tenantDb } from '../tenantDb.js';
import type { AttemptOutcome } from './attemptOutcomes.js';
import { recordAttemptOutcome } from './attemptOutcomes.js';
import { disputeClosed, disputeCreated } from './disputes.js';
import { collectionPaymentKey } from './invoiceSettlement.js';
import type {
  AttemptSignal,
  HandlerResult,
  ProviderEventHandler,
  ProviderEventInput,
  ProviderEventResult,
} from './providerEventTypes.js';

export type { AttemptSignal, ProviderEventInput, ProviderEventResult } from './providerEventTypes.js';

type Tx = Prisma.TransactionClient;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The collection attempt a PaymentIntent belongs to: by its id, else by the metadata the charge was sent with. */
async function attemptOfPaymentIntent(tx: Tx, pi: Record<string, unknown>) {
  const id = str(pi.id);
  if (id) {
    const byRef = await tx.paymentAttempt.findFirst({ where: { providerRef: id }, include: { payment: true } });
    if (byRef) return byRef;
  }
  const metadata = (pi.metadata ?? {}) as Record<string, unknown>;
  const invoiceId = str(metadata.invoiceId);
  const attempt = Number(str(metadata.attempt));
  if (!invoiceId || !Number.isInteger(attempt) || !/^[0-9a-f-]{36}$/.test(invoiceId)) return null;
  return tx.paymentAttempt.findFirst({
    where: { attemptNumber: attempt, payment: { idempotencyKey: collectionPaymentKey(invoiceId) } },
    include: { payment: true },
  });
}

function failureOf(pi: Record<string, unknown>): { code: string; message: string } {
  const error = (pi.last_payment_error ?? null) as Record<string, unknown> | null;
  const decline = str(error?.decline_code);
  const code = decline && decline !== 'generic_decline' ? decline : (str(error?.code) ?? 'payment_failed');
  return { code, message: str(error?.message) ?? 'The payment failed.' };
}

const paymentIntentOutcome: ProviderEventHandler = async (tx, event, at) => {
  const attempt = await attemptOfPaymentIntent(tx, event.object);
  if (!attempt?.payment.invoiceId) return { outcome: 'unknown_payment' };
  const invoiceId = attempt.payment.invoiceId;
  const providerRef = str(event.object.id) ?? attempt.providerRef ?? '';
  const outcome: AttemptOutcome =
    event.type === 'payment_intent.succeeded'
      ? { status: 'succeeded', providerRef }
      : {
          status: 'failed',
          providerRef,
          errorCode: failureOf(event.object).code,
          errorMessage: failureOf(event.object).message,
        };
  const recorded = await recordAttemptOutcome(tx, { invoiceId, attemptId: attempt.id, outcome, at });
  if (!recorded.changed || recorded.status === 'pending') return { outcome: 'already_recorded' };
  return {
    outcome: recorded.status === 'succeeded' ? 'attempt_succeeded' : 'attempt_failed',
    signals: [
      {
        invoiceId,
        attempt: recorded.attempt,
        status: recorded.status,
        errorCode: recorded.errorCode,
        decision: recorded.decision,
      },
    ],
    webhookEventIds: recorded.webhookEventIds,
    refundIds: recorded.refundIds,
  };
};

const handlers: ReadonlyMap<string, ProviderEventHandler> = new Map<string, ProviderEventHandler>([
  ['payment_intent.succeeded', paymentIntentOutcome],
  ['payment_intent.payment_failed', paymentIntentOutcome],
  ['charge.refunded', chargeRefunded],
  ['charge.dispute.created', disputeCreated],
  ['charge.dispute.closed', disputeClosed],
]);

/**
 * The organization the event is about (app_provider_event_organization: the payment, attempt, refund or dispute the
 * provider's ids in the event name, else the invoice of the charge's metadata), or the platform's tenant when it is
 * about nothing the platform knows. The event arrives with no tenant, so this lookup spans organizations; it returns
 * the organization's id only, and the event is then applied as that organization.
 */
async function tenantOfEvent(db: Db, provider: string, event: ProviderEventInput): Promise<Db> {
  const o = event.object;
  const refs = [o.id, o.payment_intent, o.charge].map(str).filter((r): r is string => r !== null);
  const invoiceId = str(((o.metadata ?? {}) as Record<string, unknown>).invoiceId);
  const [row] = await rootDb(db).$queryRaw<Array<{ organizationId: string | null }>>`
    SELECT app_provider_event_organization(${provider}, ${refs}::text[],
      ${invoiceId && UUID.test(invoiceId) ? invoiceId : null}::uuid) AS "organizationId"`;
  return tenantDb(db, row?.organizationId ?? PLATFORM_TENANT);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function applyProviderEvent(
  processDb: Db,
  provider: string,
  event: ProviderEventInput,
  at: Date = new Date(),
): Promise<ProviderEventResult> {
  const db = await tenantOfEvent(processDb, provider, event);
  const applied = await db.$transaction(async (tx) => {
    // First: a concurrent delivery of the same event waits here for this one and then finds it.
    const inserted = await tx.providerEvent.createMany({
      data: [{ provider, eventId: event.id, type: event.type, outcome: 'received' }],
      skipDuplicates: true,
    });
    if (inserted.count === 0) {
      // Not found: recorded as another tenant (about nothing known then, about a payment now): it stays as it was.
      const seen = await tx.providerEvent.findUnique({
        where: { provider_eventId: { provider, eventId: event.id } },
      });
      const outcome = seen?.outcome ?? 'already_recorded';
      return { replayed: true, outcome, signals: [], webhookEventIds: [], refundIds: [] };
    }
    const handler = handlers.get(event.type);
    const result: HandlerResult = handler ? await handler(tx, event, at, provider) : { outcome: 'ignored' };
    await tx.providerEvent.update({
      where: { provider_eventId: { provider, eventId: event.id } },
      data: { outcome: result.outcome },
    });
    return {
      replayed: false,
      outcome: result.outcome,
      signals: result.signals ?? [],
      webhookEventIds: result.webhookEventIds ?? [],
      refundIds: result.refundIds ?? [],
    };
  });
  return { ...applied, tenant: db };
}
