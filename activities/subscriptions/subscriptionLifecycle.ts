// The subscription lifecycle's activities: create (with the fee for the rest of the first period), load, roll
// forward to an instant (renewals, cancel at period end, a scheduled resume that is due) and apply a change
// (subscriptionChanges.ts). Proration policy: domain/proration.ts. Settlement: a change whose net is a charge
// (charge_now) is invoiced at once on an invoice of its own (chargeNowInvoice.ts), numbered before the activity
// returns; the workflow then starts its collection. A credit (credit_next_invoice) stays pending and reduces the next
// period invoice.
import { assertSeats } from '../../domain/index.js';
import { subscriptionWorkflowId } from '../../temporal/workflowIds.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { tenantDb, tenantDbOf } from '../tenantDb.js';
import { undispatchedWebhookEvents } from '../webhooks/outboxEvents.js';
import { applyChange } from './subscriptionChanges.js';
import { recordSubscriptionEvent, subscriptionEventKey } from './subscriptionEvents.js';
import { ensureCurrentFeeItem, firstSubscriptionPeriod, lockSubscription, renewIfDue } from './subscriptionPeriods.js';
import {
  type ChangeRequest,
  type ChangeResult,
  type CreatedSubscription,
  loadSubscriptionRow,
  SUBSCRIPTION_ERRORS,
  type SubscriptionSnapshot,
  type SyncedSubscription,
  subscriptionError,
  toSnapshot,
} from './subscriptionSnapshot.js';

export interface NewSubscription {
  subscriptionId: string;
  organizationId: string;
  entityId: string;
  planId: string;
  seats: number;
  /** The API key that asked for it: its audit row is written with the subscription. */
  actor?: Actor;
}

/** Checks a new subscription's references before its workflow starts; returns an error code or null. */
export async function validateNewSubscription(db: Db, input: Omit<NewSubscription, 'subscriptionId'>) {
  if (!Number.isSafeInteger(input.seats) || input.seats < 1)
    return { code: SUBSCRIPTION_ERRORS.INVALID_SEATS, path: 'seats' };
  const entity = await db.entity.findFirst({
    where: { id: input.entityId, organizationId: input.organizationId, deletedAt: null },
  });
  if (!entity) return { code: 'NOT_FOUND', path: 'entityId' };
  const plan = await db.seatPlan.findFirst({
    where: { id: input.planId, organizationId: input.organizationId, deletedAt: null, active: true },
  });
  if (!plan) return { code: SUBSCRIPTION_ERRORS.PLAN_NOT_FOUND, path: 'planId' };
  if (plan.currency !== entity.currency) return { code: SUBSCRIPTION_ERRORS.PLAN_MISMATCH, path: 'planId' };
  return null;
}

/** Each activity runs as the subscription's organization (tenantDb.ts). */
export function createSubscriptionLifecycleActivities(processDb: Db) {
  return {
    /** Creates the subscription (idempotent on its id) with the fee for the rest of its first period. */
    async createSubscription(input: NewSubscription & { at: string }): Promise<CreatedSubscription> {
      const at = new Date(input.at);
      const db = tenantDb(processDb, input.organizationId);
      return db.$transaction(async (tx) => {
        const existing = await loadSubscriptionRow(tx, input.subscriptionId);
        if (existing) {
          const key = subscriptionEventKey('subscription.created', existing.id);
          return { ...toSnapshot(existing), webhookEventIds: await undispatchedWebhookEvents(tx, [key]) };
        }
        const entity = await tx.entity.findFirst({
          where: { id: input.entityId, organizationId: input.organizationId, deletedAt: null },
        });
        if (!entity) throw subscriptionError('NOT_FOUND', `entity ${input.entityId} not found`);
        const plan = await tx.seatPlan.findFirst({
          where: { id: input.planId, organizationId: input.organizationId, deletedAt: null },
        });
        if (!plan) throw subscriptionError(SUBSCRIPTION_ERRORS.PLAN_NOT_FOUND, `plan ${input.planId} not found`);
        if (plan.currency !== entity.currency) {
          throw subscriptionError(
            SUBSCRIPTION_ERRORS.PLAN_MISMATCH,
            `plan currency ${plan.currency} is not ${entity.currency}`,
          );
        }
        assertSeats(input.seats);
        const period = firstSubscriptionPeriod(entity, plan.interval, at);
        await tx.entitySubscription.create({
          data: {
            id: input.subscriptionId,
            entityId: entity.id,
            planId: plan.id,
            seats: input.seats,
            currentPeriodStart: period.start,
            currentPeriodEnd: period.end,
            workflowId: subscriptionWorkflowId(input.subscriptionId),
          },
        });
        const sub = (await lockSubscription(tx, input.subscriptionId))!;
        await ensureCurrentFeeItem(tx, sub, at);
        await tx.subscriptionChange.create({
          data: {
            subscriptionId: sub.id,
            changeId: 'create',
            kind: 'create',
            before: {},
            after: { planId: plan.id, seats: input.seats } as Prisma.InputJsonValue,
            currency: plan.currency,
            effectiveAt: at,
          },
        });
        const created = await recordSubscriptionEvent(tx, 'subscription.created', sub, {
          previous: null,
          reason: 'api',
          at,
        });
        const snapshot = toSnapshot(sub);
        if (input.actor) {
          await recordAudit(tx, input.actor, {
            organizationId: input.organizationId,
            action: 'subscription.create',
            targetType: 'subscription',
            targetId: sub.id,
            after: snapshot,
          });
        }
        return { ...snapshot, webhookEventIds: [created] };
      });
    },

    async loadSubscription(input: { subscriptionId: string }): Promise<SubscriptionSnapshot | null> {
      const db = await tenantDbOf(processDb, 'subscription', input.subscriptionId);
      const sub = await loadSubscriptionRow(db, input.subscriptionId);
      return sub ? toSnapshot(sub) : null;
    },

    /**
     * Rolls the subscription forward to `at`: renewals, cancel at period end, a scheduled resume that is due (a
     * charge: its one-off invoice comes back as `chargedInvoice`, for the workflow to collect).
     */
    async syncSubscription(input: { subscriptionId: string; at: string }): Promise<SyncedSubscription | null> {
      const db = await tenantDbOf(processDb, 'subscription', input.subscriptionId);
      const at = new Date(input.at);
      const webhookEventIds: string[] = [];
      const snapshot = await db.$transaction(async (tx) => {
        const locked = await lockSubscription(tx, input.subscriptionId);
        if (!locked) return null;
        return toSnapshot(await renewIfDue(tx, locked, at, webhookEventIds));
      });
      if (snapshot?.status === 'paused' && snapshot.resumeAt && Date.parse(snapshot.resumeAt) <= at.getTime()) {
        const resumed = await applyChange(db, {
          subscriptionId: input.subscriptionId,
          changeId: `scheduled-resume:${snapshot.resumeAt}`,
          at: snapshot.resumeAt,
          change: { kind: 'resume' },
        });
        webhookEventIds.push(...(resumed.webhookEventIds ?? []));
        return {
          ...resumed.subscription,
          ...(resumed.invoice ? { chargedInvoice: resumed.invoice } : {}),
          ...(webhookEventIds.length > 0 ? { webhookEventIds } : {}),
        };
      }
      return snapshot && webhookEventIds.length > 0 ? { ...snapshot, webhookEventIds } : snapshot;
    },

    async applySubscriptionChange(input: ChangeRequest): Promise<ChangeResult> {
      return applyChange(await tenantDbOf(processDb, 'subscription', input.subscriptionId), input);
    },
  };
}
