// Suspending an entity for unpaid money and ending that suspension, for every cause: an invoice past due (dunning
// exhausted, invoiceCollection.ts) and, under the organization's suspendOnDispute policy, a dispute opened at the
// provider (disputes.ts). A suspension ends only when nothing holds it any more: no invoice of the entity past due
// (open, with a failed collection payment) and no open dispute that suspended it. Whichever ends last reactivates.
// The caller holds the entity's row lock (lockInvoiceRow, or the entity's own), as metering does, so a suspension and
// a reactivation of one entity never interleave.
import type { Prisma } from '../db.js';
import { moveSubscriptionsForSuspension } from '../subscriptions/subscriptionEvents.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

type Tx = Prisma.TransactionClient;
export type SuspensionReason = 'invoice_past_due' | 'payment_disputed';
export type ReactivationReason = 'invoice_paid' | 'invoice_voided' | 'dispute_closed';

export interface SuspensionCause {
  organizationId: string;
  entityId: string;
  at: Date;
  /** entity.suspended: invoice_past_due | payment_disputed; entity.reactivated: invoice_paid | invoice_voided | dispute_closed */
  reason: SuspensionReason | ReactivationReason;
  invoiceId: string | null;
  disputeId?: string | undefined;
  /** Outbox key of the webhook: one per entity and cause. */
  idempotencyKey: string;
}

const causeOf = (c: SuspensionCause) => ({
  entityId: c.entityId,
  invoiceId: c.invoiceId,
  ...(c.disputeId ? { disputeId: c.disputeId } : {}),
  reason: c.reason,
});

/**
 * Suspends the entity unless it already is: entity.suspended, then its active subscriptions past_due, each with its
 * subscription.past_due.
 */
export async function suspendEntity(tx: Tx, cause: SuspensionCause & { reason: SuspensionReason }): Promise<string[]> {
  const entity = await tx.entity.findUniqueOrThrow({ where: { id: cause.entityId }, select: { status: true } });
  if (entity.status === 'suspended') return [];
  await tx.entity.update({ where: { id: cause.entityId }, data: { status: 'suspended', suspendedAt: cause.at } });
  return [
    await recordWebhookEvent(tx, {
      organizationId: cause.organizationId,
      entityId: cause.entityId,
      type: 'entity.suspended',
      idempotencyKey: cause.idempotencyKey,
      payload: { ...causeOf(cause), reason: cause.reason, status: 'suspended', suspendedAt: cause.at.toISOString() },
    }),
    ...(await moveSubscriptionsForSuspension(
      tx,
      cause.entityId,
      { from: 'active', to: 'past_due', reason: cause.reason },
      cause,
      cause.at,
    )),
  ];
}

/**
 * Ends a suspended entity's suspension when nothing holds it: no past-due invoice (other than `settledInvoiceId`,
 * settled in this transaction) and no open dispute that suspended it. The entity is active again, its past_due
 * subscriptions active (subscription.reactivated each), and entity.reactivated is recorded. Returns the outbox rows written.
 */
export async function endSuspensionIfNothingHolds(
  tx: Tx,
  cause: SuspensionCause & { reason: ReactivationReason },
  settledInvoiceId: string | null = null,
): Promise<string[]> {
  const entity = await tx.entity.findUniqueOrThrow({ where: { id: cause.entityId }, select: { status: true } });
  if (entity.status !== 'suspended') return [];
  const pastDue = await tx.invoice.count({
    where: {
      entityId: cause.entityId,
      ...(settledInvoiceId ? { id: { not: settledInvoiceId } } : {}),
      status: 'open',
      payments: { some: { status: 'failed' } },
    },
  });
  if (pastDue > 0) return [];
  const disputes = await tx.dispute.count({
    where: { entityId: cause.entityId, status: 'open', suspendedEntity: true },
  });
  if (disputes > 0) return [];
  await tx.entity.update({ where: { id: cause.entityId }, data: { status: 'active', suspendedAt: null } });
  return [
    await recordWebhookEvent(tx, {
      organizationId: cause.organizationId,
      entityId: cause.entityId,
      type: 'entity.reactivated',
      idempotencyKey: cause.idempotencyKey,
      payload: { ...causeOf(cause), reason: cause.reason, status: 'active', reactivatedAt: cause.at.toISOString() },
    }),
    ...(await moveSubscriptionsForSuspension(
      tx,
      cause.entityId,
      { from: 'past_due', to: 'active', reason: cause.reason },
      cause,
      cause.at,
    )),
  ];
}
