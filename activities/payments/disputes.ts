// Disputes (chargebacks) payers open at the provider, from its events (charge.dispute.created, charge.dispute.closed):
//   opened: a Dispute row (unique per provider and dispute id: a second event about it changes nothing), the payment
//           marked disputed, payment.disputed; and when the organization suspends on disputes (suspendOnDispute), the
//           paying entity suspended as past due does (entity.suspended with reason payment_disputed). The dispute then
//           holds the suspension: settling a past-due invoice does not lift it while the dispute is open.
//   closed: won or lost (Stripe's warning_closed, an inquiry that never became a chargeback, counts as won):
//           payment.dispute_closed; a suspension ends when nothing else holds it (entitySuspension.ts), with
//           entity.reactivated reason dispute_closed. A closed event that overtook its created event records the
//           dispute as opened and closed at once (providers do not promise order), so a late created changes nothing.
// A lost dispute's money is gone at the provider; the invoice stays as it is (re-billing is the organization's call).
// Under the entity's row lock (the invoice's first when there is one), like every suspension and reactivation.
import { Money } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { endSuspensionIfNothingHolds, suspendEntity } from './entitySuspension.js';
import { lockInvoiceRow } from './invoiceSettlement.js';
import type { ProviderEventHandler, ProviderEventInput } from './providerEventTypes.js';

type Tx = Prisma.TransactionClient;
type DisputeRow = Awaited<ReturnType<Tx['dispute']['findUniqueOrThrow']>>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The entity's payment the dispute is about: the PaymentIntent (Stripe) or charge (sandbox) it names. */
async function disputedPayment(tx: Tx, provider: string, object: Record<string, unknown>) {
  const refs = [str(object.payment_intent), str(object.charge)].filter((r): r is string => r !== null);
  if (refs.length === 0) return null;
  const direct = await tx.payment.findFirst({ where: { provider, providerRef: { in: refs } } });
  const payment =
    direct ??
    (
      await tx.paymentAttempt.findFirst({
        where: { providerRef: { in: refs }, status: 'succeeded', payment: { provider } },
        include: { payment: true },
      })
    )?.payment;
  return payment?.entityId ? { ...payment, entityId: payment.entityId } : null;
}

async function lockEntityOf(tx: Tx, entityId: string, invoiceId: string | null) {
  // The invoice's lock before the entity's when there is one, the order every status change takes them in.
  if (invoiceId) await lockInvoiceRow(tx, invoiceId);
  else await tx.$queryRaw`SELECT id FROM "Entity" WHERE id = ${entityId}::uuid FOR UPDATE`;
  return tx.entity.findUniqueOrThrow({ where: { id: entityId } });
}

/**
 * Records the dispute opened (once per provider dispute) and its effects; null when it was recorded before.
 * `suspend` is false for a dispute recorded already closed.
 */
async function openDispute(
  tx: Tx,
  provider: string,
  event: ProviderEventInput,
  at: Date,
  suspend: boolean,
): Promise<{ dispute: DisputeRow; webhookEventIds: string[] } | 'unknown_payment' | 'already_recorded'> {
  const payment = await disputedPayment(tx, provider, event.object);
  const disputeRef = str(event.object.id);
  if (!payment || !disputeRef) return 'unknown_payment';
  const entity = await lockEntityOf(tx, payment.entityId, payment.invoiceId);
  const org = await tx.organization.findUniqueOrThrow({
    where: { id: entity.organizationId },
    select: { suspendOnDispute: true },
  });
  const suspends = suspend && org.suspendOnDispute;
  // The disputed amount as the provider gives it (minor units); the whole payment when it gives none.
  const amount =
    typeof event.object.amount === 'number' && Number.isSafeInteger(event.object.amount)
      ? Money.fromMinorUnits(BigInt(event.object.amount), payment.currency)
      : Money.of(payment.amount.toString(), payment.currency);
  const created = await tx.dispute.createMany({
    data: [
      {
        organizationId: entity.organizationId,
        entityId: entity.id,
        invoiceId: payment.invoiceId,
        paymentId: payment.id,
        provider,
        providerRef: disputeRef,
        amount: amount.toString(),
        currency: payment.currency,
        reason: str(event.object.reason),
        suspendedEntity: suspends,
        openedAt: at,
      },
    ],
    skipDuplicates: true,
  });
  if (created.count === 0) return 'already_recorded';
  const dispute = await tx.dispute.findUniqueOrThrow({
    where: { provider_providerRef: { provider, providerRef: disputeRef } },
  });
  if (!payment.disputedAt) await tx.payment.update({ where: { id: payment.id }, data: { disputedAt: at } });
  const ids = [
    await recordWebhookEvent(tx, {
      organizationId: entity.organizationId,
      entityId: entity.id,
      type: 'payment.disputed',
      idempotencyKey: `payment.disputed:${dispute.id}`,
      payload: {
        disputeId: dispute.id,
        paymentId: payment.id,
        invoiceId: payment.invoiceId,
        entityId: entity.id,
        amount: amount.toString(),
        currency: payment.currency,
        reason: dispute.reason,
        entitySuspended: suspends,
      },
    }),
  ];
  if (suspends) {
    ids.push(
      ...(await suspendEntity(tx, {
        organizationId: entity.organizationId,
        entityId: entity.id,
        at,
        reason: 'payment_disputed',
        invoiceId: payment.invoiceId,
        disputeId: dispute.id,
        idempotencyKey: `entity.suspended:${entity.id}:dispute:${dispute.id}`,
      })),
    );
  }
  return { dispute, webhookEventIds: ids };
}

export const disputeCreated: ProviderEventHandler = async (tx, event, at, provider) => {
  const opened = await openDispute(tx, provider, event, at, true);
  if (typeof opened === 'string') return { outcome: opened };
  return { outcome: 'dispute_opened', webhookEventIds: opened.webhookEventIds };
};

export const disputeClosed: ProviderEventHandler = async (tx, event, at, provider) => {
  const disputeRef = str(event.object.id);
  if (!disputeRef) return { outcome: 'unknown_payment' };
  const ids: string[] = [];
  const where = { provider_providerRef: { provider, providerRef: disputeRef } };
  let known = await tx.dispute.findUnique({ where });
  if (!known) {
    const opened = await openDispute(tx, provider, event, at, false);
    if (opened === 'unknown_payment') return { outcome: opened };
    if (opened !== 'already_recorded') ids.push(...opened.webhookEventIds);
    known = await tx.dispute.findUniqueOrThrow({ where });
  }
  const entity = await lockEntityOf(tx, known.entityId, known.invoiceId);
  const dispute = await tx.dispute.findUniqueOrThrow({ where }); // again, under the lock
  if (dispute.status !== 'open') return { outcome: 'already_recorded', webhookEventIds: ids };
  const status = str(event.object.status) === 'lost' ? ('lost' as const) : ('won' as const);
  await tx.dispute.update({ where: { id: dispute.id }, data: { status, closedAt: at } });
  ids.push(
    await recordWebhookEvent(tx, {
      organizationId: entity.organizationId,
      entityId: entity.id,
      type: 'payment.dispute_closed',
      idempotencyKey: `payment.dispute_closed:${dispute.id}`,
      payload: {
        disputeId: dispute.id,
        paymentId: dispute.paymentId,
        invoiceId: dispute.invoiceId,
        entityId: entity.id,
        status,
      },
    }),
  );
  if (dispute.suspendedEntity) {
    ids.push(
      ...(await endSuspensionIfNothingHolds(tx, {
        organizationId: entity.organizationId,
        entityId: entity.id,
        at,
        reason: 'dispute_closed',
        invoiceId: dispute.invoiceId,
        disputeId: dispute.id,
        idempotencyKey: `entity.reactivated:${entity.id}:dispute:${dispute.id}`,
      })),
    );
  }
  return { outcome: 'dispute_closed', webhookEventIds: ids };
};
