// The subscription lifecycle's writes: create, change (seats, plan, pause, resume, cancel), roll over. Each change is
// applied in one transaction with its proration items and its SubscriptionChange row, keyed by the change id (the
// workflow Update id), so a retried activity or a repeated Update returns the first result and writes nothing new.
// Proration policy: domain/proration.ts. Settlement: a change whose net is a charge (charge_now) is invoiced at once
// on an invoice of its own (chargeNowInvoice.ts), numbered before the activity returns; the workflow then starts its
// collection. A credit (credit_next_invoice) stays pending and reduces the next period invoice.
import { ApplicationFailure } from '@temporalio/common';
import {
  assertSeats,
  fractionToJSON,
  type Proration,
  type ProrationSettlement,
  prorateChange,
  type SeatState,
  type SubscriptionChange,
} from '../../domain/index.js';
import type { Db, Prisma } from '../db.js';
import { tenantDb, tenantDbOf } from '../tenantDb.js';
import {
  type ChargedInvoice,
  chargeNowInvoiceId,
  finalizeChargeNowInvoice,
  writeChargeNowInvoice,
} from './chargeNowInvoice.js';
import {
  ensureCurrentFeeItem,
  firstSubscriptionPeriod,
  type LockedSubscription,
  lockSubscription,
  renewIfDue,
  type Tx,
  toSeatPlan,
} from './subscriptionPeriods.js';

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

/** What the workflow's timer sync returns: the subscription, and the invoice of a scheduled resume it applied. */
export type SyncedSubscription = SubscriptionSnapshot & { chargedInvoice?: ChargedInvoice };

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

const reject = (code: string, message: string) => ApplicationFailure.nonRetryable(message, code);

export function toSnapshot(
  sub: LockedSubscription | NonNullable<Awaited<ReturnType<typeof loadRow>>>,
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

function loadRow(db: Db | Tx, subscriptionId: string) {
  return db.entitySubscription.findUnique({ where: { id: subscriptionId }, include: { plan: true, entity: true } });
}

export interface NewSubscription {
  subscriptionId: string;
  organizationId: string;
  entityId: string;
  planId: string;
  seats: number;
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

function proratedResult(
  changeId: string,
  kind: ChangeKind,
  proration: Proration | null,
  currency: string,
  sub: LockedSubscription,
): ChangeResult {
  return {
    changeId,
    kind,
    reason: proration?.reason ?? kind,
    settlement: proration?.settlement ?? 'none',
    net: proration ? proration.net.toString() : '0',
    currency,
    lines: (proration?.lines ?? []).map((l) => ({ description: l.description, amount: l.amount.toString() })),
    subscription: toSnapshot(sub),
  };
}

async function writeProration(tx: Tx, sub: LockedSubscription, changeId: string, proration: Proration) {
  if (proration.lines.length === 0) return;
  await tx.invoiceItem.createMany({
    data: proration.lines.map((line, i) => ({
      entityId: sub.entityId,
      subscriptionId: sub.id,
      kind: 'proration' as const,
      description: line.description,
      quantity: String(line.seats),
      unitAmount: line.unitAmount.toString(),
      amount: line.amount.toString(),
      currency: proration.currency,
      periodStart: line.periodStart,
      periodEnd: line.periodEnd,
      idempotencyKey: `proration:${sub.id}:${changeId}:${i}`,
      metadata: {
        changeId,
        direction: line.direction,
        reason: proration.reason,
        settlement: proration.settlement,
        fraction: { ...fractionToJSON(proration.fraction) },
        effectiveAt: line.periodStart.toISOString(),
      },
    })),
    skipDuplicates: true,
  });
}

/** A change's result before its one-off invoice (if any) is numbered: the invoice's id stands in for it. */
type Applied = { result: ChangeResult; invoiceId: string | null };

async function storedResult(tx: Tx, subscriptionId: string, changeId: string): Promise<Applied | null> {
  const change = await tx.subscriptionChange.findUnique({
    where: { subscriptionId_changeId: { subscriptionId, changeId } },
  });
  if (!change) return null;
  const sub = await loadRow(tx, subscriptionId);
  if (!sub) return null;
  const items = await tx.invoiceItem.findMany({
    where: { idempotencyKey: { startsWith: `proration:${subscriptionId}:${changeId}:` } },
    orderBy: { idempotencyKey: 'asc' },
  });
  const after = change.after as { reason?: string; settlement?: ProrationSettlement };
  return {
    result: {
      changeId,
      kind: change.kind as ChangeKind,
      reason: after.reason ?? change.kind,
      settlement: after.settlement ?? 'none',
      net: change.proration.toString(),
      currency: change.currency,
      lines: items.map((i) => ({ description: i.description, amount: i.amount.toString() })),
      subscription: toSnapshot(sub),
    },
    invoiceId: await chargeNowInvoiceId(tx, subscriptionId, changeId),
  };
}

/** Each activity runs as the subscription's organization (tenantDb.ts). */
export function createSubscriptionLifecycleActivities(processDb: Db) {
  return {
    /** Creates the subscription (idempotent on its id) with the fee for the rest of its first period. */
    async createSubscription(input: NewSubscription & { at: string }): Promise<SubscriptionSnapshot> {
      const at = new Date(input.at);
      const db = tenantDb(processDb, input.organizationId);
      return db.$transaction(async (tx) => {
        const existing = await loadRow(tx, input.subscriptionId);
        if (existing) return toSnapshot(existing);
        const entity = await tx.entity.findFirst({
          where: { id: input.entityId, organizationId: input.organizationId, deletedAt: null },
        });
        if (!entity) throw reject('NOT_FOUND', `entity ${input.entityId} not found`);
        const plan = await tx.seatPlan.findFirst({
          where: { id: input.planId, organizationId: input.organizationId, deletedAt: null },
        });
        if (!plan) throw reject(SUBSCRIPTION_ERRORS.PLAN_NOT_FOUND, `plan ${input.planId} not found`);
        if (plan.currency !== entity.currency) {
          throw reject(SUBSCRIPTION_ERRORS.PLAN_MISMATCH, `plan currency ${plan.currency} is not ${entity.currency}`);
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
            workflowId: `subscription:${input.subscriptionId}`,
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
        return toSnapshot(sub);
      });
    },

    async loadSubscription(input: { subscriptionId: string }): Promise<SubscriptionSnapshot | null> {
      const db = await tenantDbOf(processDb, 'subscription', input.subscriptionId);
      const sub = await loadRow(db, input.subscriptionId);
      return sub ? toSnapshot(sub) : null;
    },

    /**
     * Rolls the subscription forward to `at`: renewals, cancel at period end, a scheduled resume that is due (a
     * charge: its one-off invoice comes back as `chargedInvoice`, for the workflow to collect).
     */
    async syncSubscription(input: { subscriptionId: string; at: string }): Promise<SyncedSubscription | null> {
      const db = await tenantDbOf(processDb, 'subscription', input.subscriptionId);
      const at = new Date(input.at);
      const snapshot = await db.$transaction(async (tx) => {
        const locked = await lockSubscription(tx, input.subscriptionId);
        if (!locked) return null;
        return toSnapshot(await renewIfDue(tx, locked, at));
      });
      if (snapshot?.status === 'paused' && snapshot.resumeAt && Date.parse(snapshot.resumeAt) <= at.getTime()) {
        const resumed = await applyChange(db, {
          subscriptionId: input.subscriptionId,
          changeId: `scheduled-resume:${snapshot.resumeAt}`,
          at: snapshot.resumeAt,
          change: { kind: 'resume' },
        });
        return { ...resumed.subscription, ...(resumed.invoice ? { chargedInvoice: resumed.invoice } : {}) };
      }
      return snapshot;
    },

    async applySubscriptionChange(input: ChangeRequest): Promise<ChangeResult> {
      return applyChange(await tenantDbOf(processDb, 'subscription', input.subscriptionId), input);
    },
  };
}

async function applyChange(db: Db, input: ChangeRequest): Promise<ChangeResult> {
  const { result, invoiceId } = await applyInTransaction(db, input);
  // After the commit, like the period close: number the one-off invoice (a retry finds the number it was given).
  const invoice = invoiceId ? await finalizeChargeNowInvoice(db, invoiceId, result.currency) : null;
  return { ...result, invoice };
}

function applyInTransaction(db: Db, input: ChangeRequest): Promise<Applied> {
  const at = new Date(input.at);
  return db.$transaction(async (tx) => {
    // The lock first: a second copy of the same change (a retried activity running while the first is still
    // committing) waits here and then finds the first one's result, instead of applying the change again.
    const locked = await lockSubscription(tx, input.subscriptionId);
    const stored = await storedResult(tx, input.subscriptionId, input.changeId);
    if (stored) return stored;
    if (!locked) throw reject(SUBSCRIPTION_ERRORS.NOT_FOUND, `subscription ${input.subscriptionId} not found`);
    const sub = await renewIfDue(tx, locked, at);
    if (sub.status === 'canceled') throw reject(SUBSCRIPTION_ERRORS.CANCELED, 'the subscription is canceled');

    const plan = toSeatPlan(sub.plan);
    const state: SeatState = { plan, seats: sub.seats };
    const context = {
      period: { start: sub.currentPeriodStart, end: sub.currentPeriodEnd },
      at,
      timeZone: sub.entity.timeZone,
    };
    const before = {
      status: sub.status,
      seats: sub.seats,
      planId: sub.planId,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    };
    let proration: Proration | null = null;
    let data: Prisma.EntitySubscriptionUpdateInput = {};
    const { change } = input;
    switch (change.kind) {
      case 'seats': {
        if (!Number.isSafeInteger(change.seats) || change.seats < 1) {
          throw reject(SUBSCRIPTION_ERRORS.INVALID_SEATS, 'seats must be a positive integer');
        }
        if (sub.status === 'paused') throw reject(SUBSCRIPTION_ERRORS.PAUSED, 'resume the subscription first');
        const domainChange: SubscriptionChange = { kind: 'update', from: state, to: { plan, seats: change.seats } };
        proration = prorateChange(domainChange, context);
        data = { seats: change.seats };
        break;
      }
      case 'plan': {
        if (sub.status === 'paused') throw reject(SUBSCRIPTION_ERRORS.PAUSED, 'resume the subscription first');
        const next = await tx.seatPlan.findFirst({
          where: { id: change.planId, organizationId: sub.entity.organizationId, deletedAt: null, active: true },
        });
        if (!next) throw reject(SUBSCRIPTION_ERRORS.PLAN_NOT_FOUND, `plan ${change.planId} not found`);
        if (next.currency !== plan.currency || next.interval !== plan.interval) {
          throw reject(
            SUBSCRIPTION_ERRORS.PLAN_MISMATCH,
            'a plan change keeps the currency and interval; cancel and subscribe to switch intervals',
          );
        }
        proration = prorateChange(
          { kind: 'update', from: state, to: { plan: toSeatPlan(next), seats: sub.seats } },
          context,
        );
        data = { plan: { connect: { id: next.id } } };
        break;
      }
      case 'pause': {
        if (sub.status === 'paused') throw reject(SUBSCRIPTION_ERRORS.PAUSED, 'the subscription is already paused');
        const resumeAt = change.resumeAt ? new Date(change.resumeAt) : null;
        if (resumeAt && !(resumeAt.getTime() > at.getTime())) {
          throw reject(SUBSCRIPTION_ERRORS.INVALID_RESUME_AT, 'resumeAt must be in the future');
        }
        proration = prorateChange({ kind: 'pause', state }, context);
        data = { status: 'paused', pausedAt: at, resumeAt };
        break;
      }
      case 'resume': {
        if (sub.status !== 'paused') throw reject(SUBSCRIPTION_ERRORS.NOT_PAUSED, 'the subscription is not paused');
        proration = prorateChange({ kind: 'resume', state }, context);
        data = { status: 'active', pausedAt: null, resumeAt: null };
        break;
      }
      case 'cancel': {
        if (change.atPeriodEnd) {
          data = { cancelAtPeriodEnd: true };
        } else {
          // A paused subscription has nothing left to credit for the period.
          if (sub.status !== 'paused') proration = prorateChange({ kind: 'cancel', state }, context);
          data = { status: 'canceled', canceledAt: at, cancelAtPeriodEnd: false };
        }
        break;
      }
    }
    const updated = await tx.entitySubscription.update({ where: { id: sub.id }, data });
    const after = {
      status: updated.status,
      seats: updated.seats,
      planId: updated.planId,
      cancelAtPeriodEnd: updated.cancelAtPeriodEnd,
      reason: proration?.reason ?? change.kind,
      settlement: proration?.settlement ?? 'none',
    };
    if (proration) await writeProration(tx, sub, input.changeId, proration);
    const invoiceId =
      proration?.settlement === 'charge_now' ? await writeChargeNowInvoice(tx, sub, input.changeId, at) : null;
    await tx.subscriptionChange.create({
      data: {
        subscriptionId: sub.id,
        changeId: input.changeId,
        kind: change.kind,
        before,
        after,
        proration: proration ? proration.net.toString() : '0',
        currency: plan.currency,
        effectiveAt: at,
      },
    });
    const refreshed = (await lockSubscription(tx, sub.id))!;
    return { result: proratedResult(input.changeId, change.kind, proration, plan.currency, refreshed), invoiceId };
  });
}
