// Applying one subscription change (seats, plan, pause, resume, cancel) at an instant: in one transaction under the
// subscription's row lock, renewals due first, then the proration (domain/proration.ts), its items, the subscription
// row and the SubscriptionChange row keyed by the change id (the workflow Update id), so a retried activity or a
// repeated Update finds the first result and writes nothing new. A charge (charge_now) is invoiced on an invoice of
// its own (chargeNowInvoice.ts), numbered after the commit; a credit (credit_next_invoice) stays pending.
import {
  fractionToJSON,
  type Proration,
  type ProrationSettlement,
  prorateChange,
  type SeatState,
  type SubscriptionChange,
} from '../../domain/index.js';
import type { Db, Prisma } from '../db.js';
import { writeDowngradeRefunds } from '../refunds/downgradeRefunds.js';
import { undispatchedWebhookEvents } from '../webhooks/outboxEvents.js';
import { chargeNowInvoiceId, finalizeChargeNowInvoice, writeChargeNowInvoice } from './chargeNowInvoice.js';
import {
  recordSubscriptionEvent,
  type SubscriptionEventType,
  type SubscriptionState,
  subscriptionEventKey,
  subscriptionStateOf,
} from './subscriptionEvents.js';
import { type LockedSubscription, lockSubscription, renewIfDue, type Tx, toSeatPlan } from './subscriptionPeriods.js';
import {
  type ChangeKind,
  type ChangeRequest,
  type ChangeResult,
  loadSubscriptionRow,
  SUBSCRIPTION_ERRORS,
  subscriptionError,
  toSnapshot,
} from './subscriptionSnapshot.js';

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
type Applied = { result: ChangeResult; invoiceId: string | null; refundIds: string[] };

const downgradeRefundIds = async (tx: Tx, subscriptionId: string, changeId: string) =>
  (
    await tx.refund.findMany({
      where: { idempotencyKey: { startsWith: `downgrade:${subscriptionId}:${changeId}:` } },
      select: { id: true },
      orderBy: { id: 'asc' },
    })
  ).map((r) => r.id);

async function storedResult(tx: Tx, subscriptionId: string, changeId: string): Promise<Applied | null> {
  const change = await tx.subscriptionChange.findUnique({
    where: { subscriptionId_changeId: { subscriptionId, changeId } },
  });
  if (!change) return null;
  const sub = await loadSubscriptionRow(tx, subscriptionId);
  if (!sub) return null;
  const items = await tx.invoiceItem.findMany({
    where: { idempotencyKey: { startsWith: `proration:${subscriptionId}:${changeId}:` } },
    orderBy: { idempotencyKey: 'asc' },
  });
  const after = change.after as { reason?: string; settlement?: ProrationSettlement };
  const keys = changeEventTypes(change.kind as ChangeKind).map((type) =>
    subscriptionEventKey(type, subscriptionId, changeId),
  );
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
      webhookEventIds: await undispatchedWebhookEvents(tx, keys),
    },
    invoiceId: await chargeNowInvoiceId(tx, subscriptionId, changeId),
    refundIds: await downgradeRefundIds(tx, subscriptionId, changeId),
  };
}

/** The webhook types a change of `kind` may emit (a cancel: at period end, or now). */
function changeEventTypes(kind: ChangeKind): SubscriptionEventType[] {
  switch (kind) {
    case 'seats':
      return ['subscription.seats_changed'];
    case 'plan':
      return ['subscription.plan_changed'];
    case 'pause':
      return ['subscription.paused'];
    case 'resume':
      return ['subscription.resumed'];
    case 'cancel':
      return ['subscription.cancel_scheduled', 'subscription.canceled'];
    default:
      return [];
  }
}

/** The webhook of an applied change; null when it changed nothing a subscriber could see (the same seat count). */
function changeEventType(
  kind: ChangeKind,
  before: SubscriptionState,
  after: SubscriptionState,
): SubscriptionEventType | null {
  const same =
    before.status === after.status &&
    before.seats === after.seats &&
    before.planId === after.planId &&
    before.cancelAtPeriodEnd === after.cancelAtPeriodEnd;
  if (same) return null;
  if (kind === 'cancel') return after.status === 'canceled' ? 'subscription.canceled' : 'subscription.cancel_scheduled';
  return changeEventTypes(kind)[0] ?? null;
}

export async function applyChange(db: Db, input: ChangeRequest): Promise<ChangeResult> {
  const { result, invoiceId, refundIds } = await applyInTransaction(db, input);
  // After the commit, like the period close: number the one-off invoice (a retry finds the number it was given).
  const invoice = invoiceId ? await finalizeChargeNowInvoice(db, invoiceId, result.currency) : null;
  return { ...result, invoice, ...(refundIds.length > 0 ? { refundIds } : {}) };
}

function applyInTransaction(db: Db, input: ChangeRequest): Promise<Applied> {
  const at = new Date(input.at);
  return db.$transaction(async (tx) => {
    // The lock first: a second copy of the same change (a retried activity running while the first is still
    // committing) waits here and then finds the first one's result, instead of applying the change again.
    const locked = await lockSubscription(tx, input.subscriptionId);
    const stored = await storedResult(tx, input.subscriptionId, input.changeId);
    if (stored) return stored;
    if (!locked)
      throw subscriptionError(SUBSCRIPTION_ERRORS.NOT_FOUND, `subscription ${input.subscriptionId} not found`);
    // A cancel at period end that is due makes the change fail, which rolls back its webhook too.
    const sub = await renewIfDue(tx, locked, at);
    if (sub.status === 'canceled')
      throw subscriptionError(SUBSCRIPTION_ERRORS.CANCELED, 'the subscription is canceled');

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
          throw subscriptionError(SUBSCRIPTION_ERRORS.INVALID_SEATS, 'seats must be a positive integer');
        }
        if (sub.status === 'paused')
          throw subscriptionError(SUBSCRIPTION_ERRORS.PAUSED, 'resume the subscription first');
        const domainChange: SubscriptionChange = { kind: 'update', from: state, to: { plan, seats: change.seats } };
        proration = prorateChange(domainChange, context);
        data = { seats: change.seats };
        break;
      }
      case 'plan': {
        if (sub.status === 'paused')
          throw subscriptionError(SUBSCRIPTION_ERRORS.PAUSED, 'resume the subscription first');
        const next = await tx.seatPlan.findFirst({
          where: { id: change.planId, organizationId: sub.entity.organizationId, deletedAt: null, active: true },
        });
        if (!next) throw subscriptionError(SUBSCRIPTION_ERRORS.PLAN_NOT_FOUND, `plan ${change.planId} not found`);
        if (next.currency !== plan.currency || next.interval !== plan.interval) {
          throw subscriptionError(
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
        if (sub.status === 'paused')
          throw subscriptionError(SUBSCRIPTION_ERRORS.PAUSED, 'the subscription is already paused');
        const resumeAt = change.resumeAt ? new Date(change.resumeAt) : null;
        if (resumeAt && !(resumeAt.getTime() > at.getTime())) {
          throw subscriptionError(SUBSCRIPTION_ERRORS.INVALID_RESUME_AT, 'resumeAt must be in the future');
        }
        proration = prorateChange({ kind: 'pause', state }, context);
        data = { status: 'paused', pausedAt: at, resumeAt };
        break;
      }
      case 'resume': {
        if (sub.status !== 'paused')
          throw subscriptionError(SUBSCRIPTION_ERRORS.NOT_PAUSED, 'the subscription is not paused');
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
    const refundIds =
      proration?.settlement === 'credit_next_invoice'
        ? await writeDowngradeRefunds(tx, {
            organizationId: sub.entity.organizationId,
            entityId: sub.entityId,
            subscriptionId: sub.id,
            changeId: input.changeId,
            net: proration.net,
          })
        : [];
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
    const webhookEventIds: string[] = [];
    const type = changeEventType(change.kind, before, subscriptionStateOf(refreshed));
    if (type) {
      webhookEventIds.push(
        await recordSubscriptionEvent(tx, type, refreshed, {
          previous: before,
          reason: input.changeId.startsWith('scheduled-resume:') ? 'scheduled_resume' : 'api',
          changeId: input.changeId,
          proration: proration
            ? { settlement: proration.settlement, net: proration.net.toString(), invoiceId }
            : { settlement: 'none', net: '0', invoiceId: null },
          at,
        }),
      );
    }
    const result = proratedResult(input.changeId, change.kind, proration, plan.currency, refreshed);
    return { result: { ...result, webhookEventIds }, invoiceId, refundIds };
  });
}
