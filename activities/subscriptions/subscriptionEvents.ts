// The subscription.* webhooks: one outbox row per state change of a subscription, written in the transaction that
// made the change (webhooks/eventCatalog.ts documents each type). Keys, so a retried transaction emits once:
//   subscription.created:<id>                       the subscription was created
//   subscription.<kind>:<id>:<changeId>             a change applied through the workflow (seats, plan, pause, ...)
//   subscription.canceled:<id>                      it ended (canceled now or at period end): once, whichever way
//   subscription.past_due:<id>:<invoiceId>          its entity was suspended for that invoice
//   subscription.past_due:<id>:dispute:<disputeId>  ... or for that dispute (suspendOnDispute)
//   subscription.reactivated:<id>:<invoiceId>       the suspension ended when that invoice was settled
//   subscription.reactivated:<id>:dispute:<id>      ... or when that dispute closed
import type { ProrationSettlement } from '../../domain/index.js';
import { moneyText } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import type { WebhookEventType } from '../webhooks/eventCatalog.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

type Tx = Prisma.TransactionClient;
/** A subscription row with its plan and entity (subscriptionPeriods.ts lockSubscription reads one). */
type SubscriptionRow = Prisma.EntitySubscriptionGetPayload<{ include: { plan: true; entity: true } }>;

export type SubscriptionEventType = Extract<WebhookEventType, `subscription.${string}`>;

export interface SubscriptionState {
  status: 'active' | 'paused' | 'past_due' | 'canceled';
  seats: number;
  planId: string;
  cancelAtPeriodEnd: boolean;
}

export interface SubscriptionEventCause {
  /** The subscription before the change; null when it was created. */
  previous: SubscriptionState | null;
  reason:
    | 'api'
    | 'scheduled_resume'
    | 'period_end'
    | 'invoice_past_due'
    | 'invoice_paid'
    | 'invoice_voided'
    | 'payment_disputed'
    | 'dispute_closed';
  changeId?: string | null;
  proration?: { settlement: ProrationSettlement; net: string; invoiceId: string | null } | null;
  /** For past_due and reactivated: the invoice whose state caused it. */
  invoiceId?: string | null;
  /** For past_due and reactivated caused by a dispute: the dispute (it keys the webhook). */
  disputeId?: string | null;
  at: Date;
}

export const subscriptionStateOf = (sub: SubscriptionState): SubscriptionState => ({
  status: sub.status,
  seats: sub.seats,
  planId: sub.planId,
  cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
});

/** The idempotency key of a subscription webhook (see the list above). */
export function subscriptionEventKey(
  type: SubscriptionEventType,
  subscriptionId: string,
  discriminator?: string | null,
): string {
  if (type === 'subscription.created' || type === 'subscription.canceled') return `${type}:${subscriptionId}`;
  return `${type}:${subscriptionId}:${discriminator}`;
}

/** Writes one subscription webhook for `sub` as it is now (after the change); returns the outbox row id. */
export function recordSubscriptionEvent(
  tx: Tx,
  type: SubscriptionEventType,
  sub: SubscriptionRow,
  cause: SubscriptionEventCause,
): Promise<string> {
  const currency = sub.plan.currency;
  const discriminator = cause.changeId ?? (cause.disputeId ? `dispute:${cause.disputeId}` : (cause.invoiceId ?? null));
  return recordWebhookEvent(tx, {
    organizationId: sub.entity.organizationId,
    entityId: sub.entityId,
    type,
    idempotencyKey: subscriptionEventKey(type, sub.id, discriminator),
    payload: {
      subscriptionId: sub.id,
      entityId: sub.entityId,
      planId: sub.planId,
      planName: sub.plan.name,
      interval: sub.plan.interval,
      pricePerSeat: moneyText(sub.plan.pricePerSeat, currency),
      currency,
      seats: sub.seats,
      status: sub.status,
      currentPeriodStart: sub.currentPeriodStart.toISOString(),
      currentPeriodEnd: sub.currentPeriodEnd.toISOString(),
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      canceledAt: sub.canceledAt?.toISOString() ?? null,
      pausedAt: sub.pausedAt?.toISOString() ?? null,
      resumeAt: sub.resumeAt?.toISOString() ?? null,
      previous: cause.previous,
      reason: cause.reason,
      changeId: cause.changeId ?? null,
      proration: cause.proration
        ? {
            settlement: cause.proration.settlement,
            net: moneyText(cause.proration.net, currency),
            invoiceId: cause.proration.invoiceId,
          }
        : null,
      invoiceId: cause.invoiceId ?? null,
      disputeId: cause.disputeId ?? null,
      occurredAt: cause.at.toISOString(),
    },
  });
}

/** Locks and reads the entity's subscriptions with `status`, for a status change of them all (suspension and its end). */
export async function lockSubscriptionsWithStatus(
  tx: Tx,
  entityId: string,
  status: SubscriptionState['status'],
): Promise<SubscriptionRow[]> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM "EntitySubscription"
    WHERE "entityId" = ${entityId}::uuid AND status = ${status}::"SubscriptionStatus" ORDER BY id FOR UPDATE`;
  if (rows.length === 0) return [];
  return tx.entitySubscription.findMany({
    where: { id: { in: rows.map((r) => r.id) } },
    include: { plan: true, entity: true },
    orderBy: { id: 'asc' },
  });
}

/**
 * Moves every subscription of the entity in `from` to `to` (past_due while the entity is suspended, active again when
 * the suspension ends), each with its webhook. Returns the outbox row ids.
 */
export async function moveSubscriptionsForSuspension(
  tx: Tx,
  entityId: string,
  change:
    | { from: 'active'; to: 'past_due'; reason: 'invoice_past_due' | 'payment_disputed' }
    | { from: 'past_due'; to: 'active'; reason: 'invoice_paid' | 'invoice_voided' | 'dispute_closed' },
  cause: { invoiceId: string | null; disputeId?: string | undefined },
  at: Date,
): Promise<string[]> {
  const subs = await lockSubscriptionsWithStatus(tx, entityId, change.from);
  const ids: string[] = [];
  for (const sub of subs) {
    const updated = await tx.entitySubscription.update({
      where: { id: sub.id },
      data: { status: change.to },
      include: { plan: true, entity: true },
    });
    const type = change.to === 'past_due' ? 'subscription.past_due' : 'subscription.reactivated';
    ids.push(
      await recordSubscriptionEvent(tx, type, updated, {
        previous: subscriptionStateOf(sub),
        reason: change.reason,
        invoiceId: cause.invoiceId,
        disputeId: cause.disputeId ?? null,
        at,
      }),
    );
  }
  return ids;
}
