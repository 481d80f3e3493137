// A seat subscription as the activities, the workflow and the API see it (SubscriptionSnapshot), the change requests
// and results of its lifecycle, and the stable codes of refused changes.
import { ApplicationFailure } from '@temporalio/common';
import type { ProrationSettlement } from '../../domain/index.js';
import type { Db } from '../db.js';
import type { ChargedInvoice } from './chargeNowInvoice.js';
import type { LockedSubscription, Tx } from './subscriptionPeriods.js';

export type SubscriptionStatus = 'active' | 'paused' | 'past_due' | 'canceled';

export interface SubscriptionSnapshot {
  id: string;
  entityId: string;
  organizationId: string;
  planId: string;
  planName: string;
  interval: 'month' | 'year';
  pricePerSeat: string;
  currency: string;
  seats: number;
  status: SubscriptionStatus;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  pausedAt: string | null;
  resumeAt: string | null;
}

/**
 * What the workflow's timer sync returns: the subscription, the invoice of a scheduled resume it applied, and the
 * outbox rows it wrote (a resume, a cancel at period end), which the workflow dispatches.
 */
export type SyncedSubscription = SubscriptionSnapshot & { chargedInvoice?: ChargedInvoice; webhookEventIds?: string[] };

/** What creating returns: the subscription and its subscription.created outbox row while undispatched. */
export type CreatedSubscription = SubscriptionSnapshot & { webhookEventIds?: string[] };

export type ChangeKind = 'create' | 'seats' | 'plan' | 'pause' | 'resume' | 'cancel' | 'renew';

export interface ChangeRequest {
  subscriptionId: string;
  /** Update id (or a deterministic id for timer-driven changes): the idempotency key of the change. */
  changeId: string;
  /** When the change takes effect (ISO); workflows pass their deterministic clock. */
  at: string;
  change:
    | { kind: 'seats'; seats: number }
    | { kind: 'plan'; planId: string }
    | { kind: 'pause'; resumeAt?: string | null }
    | { kind: 'resume' }
    | { kind: 'cancel'; atPeriodEnd: boolean };
}

export interface ProrationLineResult {
  description: string;
  amount: string;
}

export interface ChangeResult {
  changeId: string;
  kind: ChangeKind;
  reason: string;
  settlement: ProrationSettlement;
  /** Net of the proration lines: positive = charged now (see `invoice`), negative = credited to the next invoice. */
  net: string;
  currency: string;
  lines: ProrationLineResult[];
  subscription: SubscriptionSnapshot;
  /** charge_now: the change's own invoice, numbered; null otherwise (and for changes made before one-off invoices). */
  invoice?: ChargedInvoice | null;
  /**
   * A credit refunded in cash (the organization's `refund` downgrade credit policy): its refunds, written with the
   * change and carried out by the workflow after it (refunds/downgradeRefunds.ts).
   */
  refundIds?: string[];
  /** In the activity's result only: the change's subscription.* outbox rows not yet dispatched (the workflow does). */
  webhookEventIds?: string[];
}

/** Stable codes for invalid changes (non-retryable activity failures; the API maps them to 409/422). */
export const SUBSCRIPTION_ERRORS = {
  NOT_FOUND: 'SUBSCRIPTION_NOT_FOUND',
  CANCELED: 'SUBSCRIPTION_CANCELED',
  PAUSED: 'SUBSCRIPTION_PAUSED',
  NOT_PAUSED: 'SUBSCRIPTION_NOT_PAUSED',
  PLAN_NOT_FOUND: 'PLAN_NOT_FOUND',
  PLAN_MISMATCH: 'PLAN_NOT_COMPATIBLE',
  INVALID_SEATS: 'INVALID_SEATS',
  INVALID_RESUME_AT: 'INVALID_RESUME_AT',
} as const;

/** A refused change: a non-retryable activity failure whose type is the code. */
export const subscriptionError = (code: string, message: string) => ApplicationFailure.nonRetryable(message, code);

export function toSnapshot(
  sub: LockedSubscription | NonNullable<Awaited<ReturnType<typeof loadSubscriptionRow>>>,
): SubscriptionSnapshot {
  return {
    id: sub.id,
    entityId: sub.entityId,
    organizationId: sub.entity.organizationId,
    planId: sub.planId,
    planName: sub.plan.name,
    interval: sub.plan.interval,
    pricePerSeat: sub.plan.pricePerSeat.toString(),
    currency: sub.plan.currency,
    seats: sub.seats,
    status: sub.status,
    currentPeriodStart: sub.currentPeriodStart.toISOString(),
    currentPeriodEnd: sub.currentPeriodEnd.toISOString(),
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    canceledAt: sub.canceledAt?.toISOString() ?? null,
    pausedAt: sub.pausedAt?.toISOString() ?? null,
    resumeAt: sub.resumeAt?.toISOString() ?? null,
  };
}

export function loadSubscriptionRow(db: Db | Tx, subscriptionId: string) {
  return db.entitySubscription.findUnique({ where: { id: subscriptionId }, include: { plan: true, entity: true } });
}
