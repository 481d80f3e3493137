// Subscription periods and in-advance fees, shared by the subscription activities and the period close.
//
// Policy:
// - Subscriptions are co-terminous with their entity's billing cycle: a monthly plan's periods are the entity's
//   periods (anchor day, time zone); an annual plan's periods start on the entity's anchor day in the anchor month
//   (the local month of the entity period in which the subscription was created).
// - A subscription created mid-period is charged the remaining share of its first period (domain proration of the
//   full fee), on the next invoice. Each later period's fee (seats × price, in advance) is written when the period
//   begins (`renewIfDue`, run by the period close at the boundary and by any change) under the key
//   fee:<subscriptionId>:<periodStart>, so it is written once and lands on the invoice closed at that boundary.
// - Paused subscriptions roll over to the next period without a fee; resuming charges the remaining time.
// - cancelAtPeriodEnd ends the subscription at its period end: no further fee.
import {
  type BillingPeriod,
  type BillingSchedule,
  type EntityScheduleRow,
  fractionToJSON,
  monthlySchedule,
  periodContaining,
  type SeatPlan,
  type SubscriptionFee,
  subscriptionFee,
  toLocalDate,
} from '../../domain/index.js';
import type { Prisma } from '../db.js';
import { recordSubscriptionEvent, subscriptionStateOf } from './subscriptionEvents.js';

export type Tx = Prisma.TransactionClient;

export interface PlanRow {
  id: string;
  name: string;
  interval: 'month' | 'year';
  pricePerSeat: { toString(): string };
  currency: string;
}

export function toSeatPlan(plan: PlanRow): SeatPlan {
  return {
    id: plan.id,
    name: plan.name,
    interval: plan.interval,
    pricePerSeat: plan.pricePerSeat.toString(),
    currency: plan.currency,
  };
}

/** The schedule a subscription's periods follow; `anchorFrom` is an instant at one of its period boundaries. */
export function subscriptionSchedule(
  entity: EntityScheduleRow,
  interval: 'month' | 'year',
  anchorFrom: Date,
): BillingSchedule {
  if (interval === 'month') return monthlySchedule(entity);
  return {
    anchorDay: entity.billingAnchorDay,
    timeZone: entity.timeZone,
    interval: 'year',
    anchorMonth: toLocalDate(anchorFrom, entity.timeZone).month,
  };
}

/** The first period of a subscription created at `at`. */
export function firstSubscriptionPeriod(
  entity: EntityScheduleRow,
  interval: 'month' | 'year',
  at: Date,
): BillingPeriod {
  const month = periodContaining(at, monthlySchedule(entity));
  return periodContaining(at, subscriptionSchedule(entity, interval, month.start));
}

/** The period that begins where `previousEnd` is (a stub up to the next boundary if the anchor moved). */
export function periodStartingAt(previousEnd: Date, schedule: BillingSchedule): BillingPeriod {
  return { start: previousEnd, end: periodContaining(previousEnd, schedule).end };
}

/**
 * Fee for [from, period.end) of `period`: the whole fee, or its share of the schedule period the span lies in
 * (domain/subscriptionFee.ts: one computation for the amount and its "(partial period)" label).
 */
export function feeFor(
  plan: SeatPlan,
  seats: number,
  period: BillingPeriod,
  from: Date,
  schedule: BillingSchedule,
): SubscriptionFee {
  const base = periodContaining(from, schedule);
  const end = period.end.getTime() <= base.end.getTime() ? period.end : base.end;
  return subscriptionFee(plan, seats, base, { start: from, end }, schedule.timeZone);
}

export async function lockSubscription(tx: Tx, subscriptionId: string) {
  await tx.$queryRaw`SELECT id FROM "EntitySubscription" WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
  return tx.entitySubscription.findUnique({
    where: { id: subscriptionId },
    include: { plan: true, entity: true },
  });
}

export type LockedSubscription = NonNullable<Awaited<ReturnType<typeof lockSubscription>>>;

/** Writes the in-advance fee item of the subscription's current period (once, by key). */
export async function ensureCurrentFeeItem(tx: Tx, sub: LockedSubscription, from?: Date): Promise<void> {
  if (sub.status !== 'active' && sub.status !== 'past_due') return;
  const plan = toSeatPlan(sub.plan);
  const period = { start: sub.currentPeriodStart, end: sub.currentPeriodEnd };
  const schedule = subscriptionSchedule(sub.entity, plan.interval, sub.currentPeriodStart);
  const fee = feeFor(plan, sub.seats, period, from ?? period.start, schedule);
  await tx.invoiceItem.createMany({
    data: [
      {
        entityId: sub.entityId,
        subscriptionId: sub.id,
        kind: 'subscription_fee',
        description: fee.description,
        quantity: String(sub.seats),
        unitAmount: fee.unitAmount.toString(),
        amount: fee.amount.toString(),
        currency: plan.currency,
        periodStart: from ?? period.start,
        periodEnd: period.end,
        idempotencyKey: `fee:${sub.id}:${period.start.toISOString()}`,
        metadata: {
          planId: plan.id ?? null,
          seats: sub.seats,
          ...(fee.partial ? { fraction: { ...fractionToJSON(fee.fraction) } } : {}),
        },
      },
    ],
    skipDuplicates: true,
  });
}

/**
 * Rolls the subscription forward to the period containing `at` (fee for each period begun, cancel at period end,
 * scheduled resume). Call with the row locked. Returns the refreshed row; the ids of the outbox rows it wrote (the
 * subscription.canceled of a cancel at period end) are pushed onto `webhookEventIds`, for the caller to dispatch.
 */
export async function renewIfDue(
  tx: Tx,
  sub: LockedSubscription,
  at: Date,
  webhookEventIds: string[] = [],
): Promise<LockedSubscription> {
  let current = sub;
  for (let guard = 0; guard < 100 && current.status !== 'canceled'; guard++) {
    if (current.currentPeriodEnd.getTime() > at.getTime()) break;
    if (current.cancelAtPeriodEnd) {
      const previous = subscriptionStateOf(current);
      current = {
        ...current,
        ...(await tx.entitySubscription.update({
          where: { id: current.id },
          data: { status: 'canceled', canceledAt: current.currentPeriodEnd },
        })),
      };
      webhookEventIds.push(
        await recordSubscriptionEvent(tx, 'subscription.canceled', current, {
          previous,
          reason: 'period_end',
          at: current.currentPeriodEnd,
        }),
      );
      break;
    }
    const schedule = subscriptionSchedule(current.entity, current.plan.interval, current.currentPeriodEnd);
    const next = periodStartingAt(current.currentPeriodEnd, schedule);
    current = {
      ...current,
      ...(await tx.entitySubscription.update({
        where: { id: current.id },
        data: { currentPeriodStart: next.start, currentPeriodEnd: next.end },
      })),
    };
    await ensureCurrentFeeItem(tx, current);
  }
  return current;
}
