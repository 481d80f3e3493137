// The webhook events of seat subscriptions: every change of seats, plan or status (eventCatalog.ts).
import { z } from 'zod';
import { Currency, entry, Id, Instant, moneyAmount } from './catalogKit.js';
import { AT, INVOICE, PERIOD, PLAN_2, subscription } from './examples.js';

const SubscriptionStatus = z.enum(['active', 'paused', 'past_due', 'canceled']);

const SubscriptionEvent = z
  .object({
    subscriptionId: Id,
    entityId: Id,
    planId: Id,
    planName: z.string(),
    interval: z.enum(['month', 'year']),
    pricePerSeat: moneyAmount(),
    currency: Currency,
    seats: z.number().int(),
    status: SubscriptionStatus,
    currentPeriodStart: Instant,
    currentPeriodEnd: Instant,
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: Instant.nullable(),
    pausedAt: Instant.nullable(),
    resumeAt: Instant.nullable(),
    previous: z
      .object({ status: SubscriptionStatus, seats: z.number().int(), planId: Id, cancelAtPeriodEnd: z.boolean() })
      .nullable()
      .meta({ description: 'The subscription before this change (null when it was created)' }),
    reason: z.string().meta({
      description:
        'What caused it: `api` (a change asked through the API), `scheduled_resume`, `period_end` (a cancel at ' +
        'period end taking effect), `invoice_past_due` (the entity was suspended), `invoice_paid` / `invoice_voided` ' +
        '(the suspension ended), `payment_disputed` / `dispute_closed` (a dispute suspended the entity, or its end ' +
        'lifted the suspension)',
    }),
    changeId: z.string().nullable().meta({ description: 'The change (workflow Update id) that made it, if any' }),
    proration: z
      .object({
        settlement: z.enum(['charge_now', 'credit_next_invoice', 'none']),
        net: moneyAmount(),
        invoiceId: Id.nullable().meta({ description: 'charge_now: the invoice of this change alone' }),
      })
      .nullable(),
    invoiceId: Id.nullable().meta({ description: 'For past_due and reactivated: the invoice that caused it' }),
    disputeId: Id.nullable()
      .optional()
      .meta({ description: 'For past_due and reactivated caused by a dispute: the dispute' }),
    occurredAt: Instant,
  })
  .meta({ id: 'SubscriptionEventData' });

export const subscriptionEvents = {
  'subscription.created': entry(
    'A seat subscription was created (its first, partial period is charged on the next invoice).',
    SubscriptionEvent,
    { ...subscription, seats: 5, previous: null, changeId: null, proration: null },
  ),
  'subscription.seats_changed': entry(
    'The number of seats changed (prorated; `proration` says how it was settled).',
    SubscriptionEvent,
    subscription,
  ),
  'subscription.plan_changed': entry('The plan changed (prorated).', SubscriptionEvent, {
    ...subscription,
    planId: PLAN_2,
    planName: 'Business',
    pricePerSeat: '12.00',
    previous: { ...subscription.previous, seats: 8 },
    changeId: 'idem:plan-business',
    proration: { settlement: 'charge_now', net: '8.26', invoiceId: INVOICE },
  }),
  'subscription.paused': entry(
    'The subscription was paused (the unused time is credited; no fee while paused).',
    SubscriptionEvent,
    {
      ...subscription,
      status: 'paused',
      pausedAt: AT,
      resumeAt: '2027-01-05T00:00:00.000Z',
      previous: { ...subscription.previous, seats: 8 },
      changeId: 'idem:pause-1',
      proration: { settlement: 'credit_next_invoice', net: '-41.29', invoiceId: null },
    },
  ),
  'subscription.resumed': entry(
    'A paused subscription was resumed, through the API or at its scheduled resumeAt (the rest of the period is charged).',
    SubscriptionEvent,
    {
      ...subscription,
      previous: { ...subscription.previous, status: 'paused', seats: 8 },
      reason: 'scheduled_resume',
      changeId: 'scheduled-resume:2026-12-16T10:00:00.000Z',
    },
  ),
  'subscription.cancel_scheduled': entry(
    'The subscription will end at the end of its current period (no further fee).',
    SubscriptionEvent,
    {
      ...subscription,
      cancelAtPeriodEnd: true,
      previous: { ...subscription.previous, seats: 8 },
      changeId: 'idem:cancel-1',
      proration: { settlement: 'none', net: '0.00', invoiceId: null },
    },
  ),
  'subscription.canceled': entry(
    'The subscription ended: canceled now (unused time credited) or at the end of its period.',
    SubscriptionEvent,
    {
      ...subscription,
      status: 'canceled',
      canceledAt: PERIOD.periodEnd,
      cancelAtPeriodEnd: true,
      previous: { ...subscription.previous, seats: 8, cancelAtPeriodEnd: true },
      reason: 'period_end',
      changeId: null,
      proration: null,
    },
  ),
  'subscription.past_due': entry(
    'The entity was suspended (a past-due invoice or a dispute): its active subscriptions are past_due until it is ' +
      'reactivated.',
    SubscriptionEvent,
    {
      ...subscription,
      status: 'past_due',
      previous: { ...subscription.previous, seats: 8 },
      reason: 'invoice_past_due',
      changeId: null,
      proration: null,
      invoiceId: INVOICE,
    },
  ),
  'subscription.reactivated': entry(
    "The entity's suspension ended: its past_due subscriptions are active again.",
    SubscriptionEvent,
    {
      ...subscription,
      previous: { ...subscription.previous, status: 'past_due', seats: 8 },
      reason: 'invoice_paid',
      changeId: null,
      proration: null,
      invoiceId: INVOICE,
    },
  ),
} as const;
