// Every webhook event type the platform emits, in one place: what it means, the JSON Schema of its payload (the
// `data` of the Standard Webhooks envelope {id, type, timestamp, data}) and an example. Everything that names event
// types reads this list: the writers (recordWebhookEvent and the metering outbox rows are typed by it), the OpenAPI
// document's `webhooks` section (api/webhookEventDocs.ts), the validation of webhook endpoint filters (an unknown
// type is 422 UNKNOWN_WEBHOOK_EVENT_TYPE) and the README's list (test/unit/webhookEventCatalog.test.ts compares it).
// Payload schemas describe what is sent today; receivers must ignore fields they do not know, as new ones may be
// added. Money is a decimal string with at least the currency's minor-unit digits ("137.10", never "137.1").
import { z } from 'zod';

const Id = z.uuid();
const Instant = z.iso.datetime();
const Currency = z.string().regex(/^[A-Z]{3}$/);

const MONEY_PATTERN = /^-?[0-9]+(\.[0-9]+)?$/;
const moneySchemas = new WeakSet<z.ZodType>();

/**
 * A money amount in the payload's `currency`: a decimal string with at least the currency's minor-unit digits
 * ("137.10"; JPY "137"), more only when the exact value has them (rated usage may carry up to 6 decimals).
 */
export function moneyAmount(description?: string) {
  const schema = z
    .string()
    .regex(MONEY_PATTERN)
    .meta({
      description:
        (description ? `${description}. ` : '') +
        'Decimal string in `currency`, with at least the currency\'s minor-unit digits ("137.10")',
    });
  moneySchemas.add(schema);
  return schema;
}

/** Whether a schema of the catalog is a money amount (tests check every one against its currency's digits). */
export const isMoneySchema = (schema: z.ZodType) => moneySchemas.has(schema);

// ─────────────────────────────── credits ───────────────────────────────

const balanceCrossing = <T extends 'credits.low' | 'credits.depleted'>(type: T) =>
  z.object({
    type: z.literal(type),
    entityId: Id,
    organizationId: Id,
    currency: Currency,
    balance: moneyAmount('Usable balance right after the change'),
    occurredAt: Instant,
    eventId: Id.optional().meta({ description: 'The metered event whose draw crossed the threshold' }),
    transferId: Id.optional().meta({ description: 'The transfer that crossed the threshold' }),
  });

const CreditsLow = balanceCrossing('credits.low').extend({ threshold: moneyAmount() }).meta({ id: 'CreditsLowData' });
const CreditsDepleted = balanceCrossing('credits.depleted').meta({ id: 'CreditsDepletedData' });

const CreditsExpiring = z
  .object({
    grantId: Id,
    entityId: Id,
    remaining: moneyAmount(),
    currency: Currency,
    expiresAt: Instant.nullable(),
    daysBefore: z.number().int(),
  })
  .meta({ id: 'CreditsExpiringData' });

const CreditsExpired = z
  .object({
    grantId: Id,
    entityId: Id,
    expired: moneyAmount(),
    currency: Currency,
    expiredAt: Instant,
  })
  .meta({ id: 'CreditsExpiredData' });

const CreditsGranted = z
  .object({
    grantId: Id,
    entityId: Id,
    source: z.enum(['purchase', 'promo', 'transfer', 'refund']),
    amount: moneyAmount(),
    currency: Currency,
    expiresAt: Instant.nullable(),
    packageId: Id.nullable(),
    sourceGrantId: Id.nullable().meta({ description: 'For a transfer: the grant the credits came from' }),
    balance: moneyAmount("The entity's usable balance after the grant"),
    grantedAt: Instant,
  })
  .meta({ id: 'CreditsGrantedData' });

const CreditsTransferred = z
  .object({
    transferId: Id,
    fromEntityId: Id,
    toEntityId: Id,
    amount: moneyAmount(),
    currency: Currency,
    fromBalance: moneyAmount(),
    toBalance: moneyAmount(),
    transferredAt: Instant,
  })
  .meta({ id: 'CreditsTransferredData' });

// ─────────────────────────────── metering ───────────────────────────────

const BillingOverage = z
  .object({
    type: z.literal('billing.overage'),
    entityId: Id,
    organizationId: Id,
    currency: Currency,
    billedLater: moneyAmount("The first overage event's shortfall, billed on the next invoice"),
    periodStart: Instant,
    periodEnd: Instant,
    eventId: Id,
    occurredAt: Instant,
  })
  .meta({ id: 'BillingOverageData' });

const UserCreditLimitReached = z
  .object({
    type: z.literal('user.credit_limit_reached'),
    entityId: Id,
    organizationId: Id,
    userId: Id,
    creditLimit: moneyAmount(),
    spent: moneyAmount(),
    currency: Currency,
    periodStart: Instant,
    periodEnd: Instant,
    eventId: Id,
    occurredAt: Instant,
  })
  .meta({ id: 'UserCreditLimitReachedData' });

// ─────────────────────────────── entities ───────────────────────────────

const EntityStatus = z.enum(['active', 'suspended']);

const EntitySnapshot = z.object({
  entityId: Id,
  name: z.string(),
  status: EntityStatus,
  currency: Currency,
  timeZone: z.string(),
  billingAnchorDay: z.number().int(),
  overagePolicy: z.enum(['reject', 'bill']),
  lowBalanceThreshold: moneyAmount(),
});

const EntityCreated = EntitySnapshot.extend({ createdAt: Instant }).meta({ id: 'EntityCreatedData' });
const EntityUpdated = EntitySnapshot.extend({
  changed: z.array(z.enum(['name', 'overagePolicy', 'lowBalanceThreshold'])).meta({
    description: 'The fields this change set to a new value',
  }),
  updatedAt: Instant,
}).meta({ id: 'EntityUpdatedData' });

const EntitySuspended = z
  .object({
    entityId: Id,
    status: z.literal('suspended').optional(),
    invoiceId: Id.nullable().meta({ description: "The past-due invoice, or the disputed payment's invoice (if any)" }),
    disputeId: Id.optional().meta({ description: 'For payment_disputed: the dispute that suspended it' }),
    reason: z.enum(['invoice_past_due', 'payment_disputed']),
    suspendedAt: Instant,
  })
  .meta({ id: 'EntitySuspendedData' });

const EntityReactivated = z
  .object({
    entityId: Id,
    status: z.literal('active').optional(),
    invoiceId: Id.nullable(),
    disputeId: Id.optional().meta({ description: 'For dispute_closed: the dispute whose end lifted the suspension' }),
    reason: z.enum(['invoice_paid', 'invoice_voided', 'dispute_closed']),
    reactivatedAt: Instant,
  })
  .meta({ id: 'EntityReactivatedData' });

// ─────────────────────────────── subscriptions ───────────────────────────────

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

// ─────────────────────────────── invoices ───────────────────────────────

const InvoiceAmounts = z.object({
  invoiceId: Id,
  entityId: Id.nullable(),
  number: z.number().int().nullable(),
  currency: Currency,
});

const InvoiceFinalized = InvoiceAmounts.extend({
  kind: z.enum(['period', 'one_off']),
  total: moneyAmount(),
  amountDue: moneyAmount(),
  periodStart: Instant,
  periodEnd: Instant,
}).meta({ id: 'InvoiceFinalizedData' });

const InvoiceStatus = z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']);

const InvoicePaid = InvoiceAmounts.extend({
  status: InvoiceStatus,
  total: moneyAmount(),
  amountDue: moneyAmount(),
  amountPaid: moneyAmount(),
  paymentId: Id,
  attempt: z.number().int().nullable(),
  outOfBand: z.boolean(),
}).meta({ id: 'InvoicePaidData' });

const InvoiceVoided = InvoiceAmounts.extend({
  status: InvoiceStatus,
  total: moneyAmount(),
  amountDue: moneyAmount(),
  amountPaid: moneyAmount(),
}).meta({ id: 'InvoiceVoidedData' });

const InvoicePaymentFailed = InvoiceAmounts.extend({
  amountDue: moneyAmount(),
  attempt: z.number().int(),
  errorCode: z.string(),
  decision: z.enum(['retry', 'customer_action']).nullable().optional().meta({
    description: '`retry`: a later attempt may succeed; `customer_action`: none will until the customer acts',
  }),
  nextAttemptAt: Instant.nullable(),
}).meta({ id: 'InvoicePaymentFailedData' });

const InvoicePastDue = InvoiceAmounts.extend({ amountDue: moneyAmount() }).meta({ id: 'InvoicePastDueData' });

// ─────────────────────────────── payments ───────────────────────────────

const PaymentEvent = z
  .object({
    paymentId: Id,
    entityId: Id.nullable(),
    invoiceId: Id.nullable().meta({ description: 'null for an immediate credit purchase' }),
    status: z.enum(['pending', 'processing', 'succeeded', 'failed', 'canceled']),
    amount: moneyAmount(),
    currency: Currency,
    provider: z.string(),
    purpose: z.enum(['invoice', 'credit_purchase', 'out_of_band']),
    attempt: z.number().int().nullable().meta({ description: 'The provider attempt it concerns (null: none)' }),
    errorCode: z.string().nullable(),
    occurredAt: Instant,
  })
  .meta({ id: 'PaymentEventData' });

const PaymentDisputed = z
  .object({
    disputeId: Id,
    paymentId: Id,
    invoiceId: Id.nullable(),
    entityId: Id,
    amount: moneyAmount('The disputed amount'),
    currency: Currency,
    reason: z.string().nullable().meta({ description: "The provider's dispute reason (e.g. `fraudulent`)" }),
    entitySuspended: z.boolean().meta({ description: 'Whether the dispute suspended the entity (suspendOnDispute)' }),
  })
  .meta({ id: 'PaymentDisputedData' });

const PaymentDisputeClosed = z
  .object({
    disputeId: Id,
    paymentId: Id,
    invoiceId: Id.nullable(),
    entityId: Id,
    status: z.enum(['won', 'lost']),
  })
  .meta({ id: 'PaymentDisputeClosedData' });

// ─────────────────────────────── refunds and credit notes ───────────────────────────────

const RefundEvent = z
  .object({
    refundId: Id,
    invoiceId: Id,
    paymentId: Id,
    entityId: Id,
    kind: z.enum(['invoice', 'downgrade_credit', 'duplicate_charge']).meta({
      description:
        '`invoice`: asked for through the API; `downgrade_credit`: a downgrade credit refunded in cash; ' +
        '`duplicate_charge`: a charge that succeeded on an invoice already settled another way, returned in full',
    }),
    amount: moneyAmount(),
    currency: Currency,
    reason: z.string().nullable(),
  })
  .meta({ id: 'RefundEventData' });

const RefundFailed = RefundEvent.extend({ errorCode: z.string() }).meta({ id: 'RefundFailedData' });

const WorkPaymentEvent = z
  .object({
    workPaymentId: Id,
    entityId: Id.meta({ description: 'The paying client entity' }),
    payeeId: Id.meta({ description: 'The freelancer the work was done by' }),
    kind: z.enum(['contract', 'milestone', 'hourly']),
    reference: z.string().meta({ description: "The marketplace's own reference of the contract, milestone or period" }),
    amount: moneyAmount('What the client paid'),
    currency: Currency,
    commission: moneyAmount(
      "The marketplace's commission (before referral shares); null unless it succeeded",
    ).nullable(),
    lines: z
      .array(
        z.object({
          kind: z.enum(['marketplace_revenue', 'payee_earnings', 'referral_share']),
          payeeId: Id.nullable().meta({ description: "null for the marketplace's own revenue" }),
          amount: moneyAmount(),
        }),
      )
      .meta({ description: 'Where the payment went, summing to `amount` exactly (empty unless it succeeded)' }),
    errorCode: z.string().nullable(),
  })
  .meta({ id: 'WorkPaymentEventData' });

const WorkPaymentRefunded = z
  .object({
    workPaymentId: Id,
    refundId: Id,
    entityId: Id,
    amount: moneyAmount('Returned to the client by this refund'),
    amountRefunded: moneyAmount('Everything refunded on the work payment so far'),
    currency: Currency,
    clawedBack: z
      .array(
        z.object({
          kind: z.enum(['marketplace_revenue', 'payee_earnings', 'referral_share']),
          payeeId: Id.nullable(),
          amount: moneyAmount('Taken back from this line (a payee balance may go negative)'),
        }),
      )
      .meta({ description: "Each line's share of the refund, summing to `amount` exactly" }),
  })
  .meta({ id: 'WorkPaymentRefundedData' });

const PayoutEvent = z
  .object({
    payoutId: Id,
    payeeId: Id,
    amount: moneyAmount('What is (or was to be) paid out'),
    currency: Currency,
    status: z.enum(['in_transit', 'paid', 'failed']),
    attempts: z.number().int().meta({ description: 'Provider calls so far' }),
    errorCode: z.string().nullable().meta({ description: "The provider's refusal (failed payouts)" }),
  })
  .meta({ id: 'PayoutEventData' });

const CreditNoteIssued = z
  .object({
    creditNoteId: Id,
    number: z.number().int().meta({ description: 'Numbered 1..N per organization, without gaps' }),
    invoiceId: Id,
    refundId: Id,
    amount: moneyAmount(),
    currency: Currency,
    reason: z.string(),
  })
  .meta({ id: 'CreditNoteIssuedData' });

// ─────────────────────────────── webhooks ───────────────────────────────

const WebhookTest = z.object({ endpointId: Id, message: z.string(), sentAt: Instant }).meta({ id: 'WebhookTestData' });

// ─────────────────────────────── the catalog ───────────────────────────────

interface CatalogEntry<S extends z.ZodObject> {
  /** What happened, for the README and the OpenAPI document. */
  description: string;
  schema: S;
  example: z.input<S>;
}

const entry = <S extends z.ZodObject>(description: string, schema: S, example: z.input<S>): CatalogEntry<S> => ({
  description,
  schema,
  example,
});

// Ids and instants of the examples (UUIDv7, as the platform makes them).
const ORG = '0193b0a4-0000-7000-8000-000000000001';
const ENTITY = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70';
const ENTITY_2 = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f71';
const USER = '0193b0a5-1111-7aaa-8bbb-0000000000a1';
const EVENT = '0193b0a6-2222-7ccc-8ddd-0000000000e1';
const GRANT = '0193b0a7-3333-7eee-8fff-0000000000c1';
const GRANT_2 = '0193b0a7-3333-7eee-8fff-0000000000c2';
const PACKAGE = '0193b0a7-4444-7eee-8fff-0000000000d1';
const TRANSFER = '0193b0a7-5555-7eee-8fff-0000000000f1';
const INVOICE = '0193b0a8-6666-7aaa-8bbb-000000000101';
const PAYMENT = '0193b0a8-7777-7aaa-8bbb-000000000201';
const SUBSCRIPTION = '0193b0a9-8888-7aaa-8bbb-000000000301';
const PLAN = '0193b0a9-9999-7aaa-8bbb-000000000401';
const PLAN_2 = '0193b0a9-9999-7aaa-8bbb-000000000402';
const ENDPOINT = '0193b0aa-aaaa-7aaa-8bbb-000000000501';
const DISPUTE = '0193b0ab-bbbb-7aaa-8bbb-000000000601';
const REFUND = '0193b0ac-cccc-7aaa-8bbb-000000000701';
const CREDIT_NOTE = '0193b0ad-dddd-7aaa-8bbb-000000000801';
const PERIOD = { periodStart: '2026-12-01T00:00:00.000Z', periodEnd: '2027-01-01T00:00:00.000Z' };
const AT = '2026-12-16T10:00:00.000Z';
const WORK_PAYMENT = '0193b0ae-eeee-7aaa-8bbb-000000000901';
const FREELANCER = '0193b0ae-ffff-7aaa-8bbb-000000000a01';
const REFERRER = '0193b0ae-ffff-7aaa-8bbb-000000000a02';
const PAYOUT = '0193b0af-0000-7aaa-8bbb-000000000b01';
const workPayment = {
  workPaymentId: WORK_PAYMENT,
  entityId: ENTITY,
  payeeId: FREELANCER,
  kind: 'milestone' as const,
  reference: 'milestone-3',
  amount: '1200.00',
  currency: 'USD',
};

const entitySnapshot = {
  entityId: ENTITY,
  name: 'Acme US',
  status: 'active' as const,
  currency: 'USD',
  timeZone: 'America/New_York',
  billingAnchorDay: 1,
  overagePolicy: 'bill' as const,
  lowBalanceThreshold: '50.00',
};

const subscription = {
  subscriptionId: SUBSCRIPTION,
  entityId: ENTITY,
  planId: PLAN,
  planName: 'Pro',
  interval: 'month' as const,
  pricePerSeat: '10.00',
  currency: 'USD',
  seats: 8,
  status: 'active' as const,
  currentPeriodStart: PERIOD.periodStart,
  currentPeriodEnd: PERIOD.periodEnd,
  cancelAtPeriodEnd: false,
  canceledAt: null,
  pausedAt: null,
  resumeAt: null,
  previous: { status: 'active' as const, seats: 5, planId: PLAN, cancelAtPeriodEnd: false },
  reason: 'api',
  changeId: 'idem:seats-8',
  proration: { settlement: 'charge_now' as const, net: '15.48', invoiceId: INVOICE },
  invoiceId: null,
  occurredAt: AT,
};

const invoice = { invoiceId: INVOICE, entityId: ENTITY, number: 42, currency: 'USD' };

const payment = {
  paymentId: PAYMENT,
  entityId: ENTITY,
  invoiceId: INVOICE,
  amount: '137.10',
  currency: 'USD',
  provider: 'sandbox',
  purpose: 'invoice' as const,
  occurredAt: AT,
};

export const WEBHOOK_EVENT_CATALOG = {
  'credits.granted': entry(
    'Credits were added to an entity: a package purchase or a promotional grant (a transfer is credits.transferred).',
    CreditsGranted,
    {
      grantId: GRANT,
      entityId: ENTITY,
      source: 'purchase',
      amount: '500.00',
      currency: 'USD',
      expiresAt: '2027-12-16T10:00:00.000Z',
      packageId: PACKAGE,
      sourceGrantId: null,
      balance: '637.10',
      grantedAt: AT,
    },
  ),
  'credits.transferred': entry(
    'Credits moved from one entity of the organization to another (the payload names both, with their balances after).',
    CreditsTransferred,
    {
      transferId: TRANSFER,
      fromEntityId: ENTITY,
      toEntityId: ENTITY_2,
      amount: '100.00',
      currency: 'USD',
      fromBalance: '37.10',
      toBalance: '100.00',
      transferredAt: AT,
    },
  ),
  'credits.low': entry(
    "An entity's usable balance went from at least its lowBalanceThreshold to below it.",
    CreditsLow,
    {
      type: 'credits.low',
      entityId: ENTITY,
      organizationId: ORG,
      currency: 'USD',
      balance: '37.10',
      threshold: '50.00',
      occurredAt: AT,
      eventId: EVENT,
    },
  ),
  'credits.depleted': entry("An entity's usable balance went from above zero to zero.", CreditsDepleted, {
    type: 'credits.depleted',
    entityId: ENTITY,
    organizationId: ORG,
    currency: 'USD',
    balance: '0.00',
    occurredAt: AT,
    eventId: EVENT,
  }),
  'credits.expiring': entry('A grant with credits left expires in `daysBefore` days.', CreditsExpiring, {
    grantId: GRANT,
    entityId: ENTITY,
    remaining: '137.10',
    currency: 'USD',
    expiresAt: '2026-12-23T10:00:00.000Z',
    daysBefore: 7,
  }),
  'credits.expired': entry("A grant expired; what it still held left the entity's balance.", CreditsExpired, {
    grantId: GRANT_2,
    entityId: ENTITY,
    expired: '137.10',
    currency: 'USD',
    expiredAt: AT,
  }),
  'billing.overage': entry(
    'The first event of a billing period billed later (not covered by credits, overage policy `bill`).',
    BillingOverage,
    {
      type: 'billing.overage',
      entityId: ENTITY,
      organizationId: ORG,
      currency: 'USD',
      billedLater: '2.50',
      ...PERIOD,
      eventId: EVENT,
      occurredAt: AT,
    },
  ),
  'user.credit_limit_reached': entry(
    "A member's spend reached their per-period credit limit, or an event was refused for it (once per crossing).",
    UserCreditLimitReached,
    {
      type: 'user.credit_limit_reached',
      entityId: ENTITY,
      organizationId: ORG,
      userId: USER,
      creditLimit: '30.00',
      spent: '30.00',
      currency: 'USD',
      ...PERIOD,
      eventId: EVENT,
      occurredAt: AT,
    },
  ),
  'entity.created': entry('An entity was created (its billing workflow is starting).', EntityCreated, {
    ...entitySnapshot,
    createdAt: AT,
  }),
  'entity.updated': entry(
    "An entity's name, overage policy or low-balance threshold changed (PATCH /api/entities/{entityId}).",
    EntityUpdated,
    { ...entitySnapshot, overagePolicy: 'reject', changed: ['overagePolicy'], updatedAt: AT },
  ),
  'entity.suspended': entry(
    'An invoice went past due, or a payment was disputed under suspendOnDispute: the entity is suspended (its events ' +
      'are rejected with ENTITY_SUSPENDED).',
    EntitySuspended,
    { entityId: ENTITY, status: 'suspended', invoiceId: INVOICE, reason: 'invoice_past_due', suspendedAt: AT },
  ),
  'entity.reactivated': entry(
    'Nothing holds a suspended entity any more (its last past-due invoice paid or voided, its last suspending ' +
      'dispute closed): the entity is active again.',
    EntityReactivated,
    { entityId: ENTITY, status: 'active', invoiceId: INVOICE, reason: 'invoice_paid', reactivatedAt: AT },
  ),
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
  'invoice.finalized': entry(
    'An invoice was numbered and issued: a period invoice at the close, or the invoice of one charge_now change.',
    InvoiceFinalized,
    { ...invoice, kind: 'period', total: '137.10', amountDue: '137.10', ...PERIOD },
  ),
  'invoice.payment_failed': entry(
    'A charge attempt of an invoice failed; `nextAttemptAt` is the next dunning attempt (null: none left).',
    InvoicePaymentFailed,
    {
      ...invoice,
      amountDue: '137.10',
      attempt: 1,
      errorCode: 'card_declined',
      decision: 'retry',
      nextAttemptAt: '2026-12-17T10:00:00.000Z',
    },
  ),
  'invoice.past_due': entry(
    'Every dunning attempt of an invoice failed: it is past due (and the entity suspended).',
    InvoicePastDue,
    { ...invoice, amountDue: '137.10' },
  ),
  'invoice.paid': entry(
    'An invoice was paid in full: a successful charge or a payment marked out of band.',
    InvoicePaid,
    {
      ...invoice,
      status: 'paid',
      total: '137.10',
      amountDue: '137.10',
      amountPaid: '137.10',
      paymentId: PAYMENT,
      attempt: 1,
      outOfBand: false,
    },
  ),
  'invoice.voided': entry('An invoice was voided: nothing is owed on it.', InvoiceVoided, {
    ...invoice,
    status: 'void',
    total: '137.10',
    amountDue: '137.10',
    amountPaid: '0.00',
  }),
  'payment.succeeded': entry(
    'A payment succeeded: an invoice charge, an immediate credit purchase, or money recorded out of band.',
    PaymentEvent,
    { ...payment, status: 'succeeded', attempt: 1, errorCode: null },
  ),
  'payment.failed': entry(
    "An invoice's payment failed for good: every dunning attempt failed (each attempt is invoice.payment_failed).",
    PaymentEvent,
    { ...payment, status: 'failed', attempt: 4, errorCode: 'card_declined' },
  ),
  'payment.canceled': entry(
    'A pending charge will not be attempted again: its invoice was voided or paid another way.',
    PaymentEvent,
    { ...payment, status: 'canceled', attempt: null, errorCode: null },
  ),
  'payment.disputed': entry(
    'The customer disputed a payment at the provider (a chargeback); under suspendOnDispute the entity is suspended.',
    PaymentDisputed,
    {
      disputeId: DISPUTE,
      paymentId: PAYMENT,
      invoiceId: INVOICE,
      entityId: ENTITY,
      amount: '137.10',
      currency: 'USD',
      reason: 'fraudulent',
      entitySuspended: true,
    },
  ),
  'payment.dispute_closed': entry(
    'A dispute was closed, won or lost; a suspension it caused ends if nothing else holds the entity.',
    PaymentDisputeClosed,
    { disputeId: DISPUTE, paymentId: PAYMENT, invoiceId: INVOICE, entityId: ENTITY, status: 'won' },
  ),
  'refund.succeeded': entry(
    'A refund of a paid invoice (or of a downgrade credit) was paid out by the provider.',
    RefundEvent,
    {
      refundId: REFUND,
      invoiceId: INVOICE,
      paymentId: PAYMENT,
      entityId: ENTITY,
      kind: 'invoice',
      amount: '37.10',
      currency: 'USD',
      reason: 'requested_by_customer',
    },
  ),
  'refund.failed': entry(
    'The provider refused a refund; a downgrade credit that could not be refunded goes back on the next invoice.',
    RefundFailed,
    {
      refundId: REFUND,
      invoiceId: INVOICE,
      paymentId: PAYMENT,
      entityId: ENTITY,
      kind: 'downgrade_credit',
      amount: '12.50',
      currency: 'USD',
      reason: null,
      errorCode: 'charge_already_refunded',
    },
  ),
  'credit_note.issued': entry(
    'A credit note was issued for a refund the provider accepted (numbered per organization, without gaps).',
    CreditNoteIssued,
    {
      creditNoteId: CREDIT_NOTE,
      number: 7,
      invoiceId: INVOICE,
      refundId: REFUND,
      amount: '37.10',
      currency: 'USD',
      reason: 'requested_by_customer',
    },
  ),
  'work_payment.succeeded': entry(
    "A client's payment for work was charged: the commission, referral shares and payee earnings are on the ledger.",
    WorkPaymentEvent,
    {
      ...workPayment,
      commission: '170.00',
      lines: [
        { kind: 'marketplace_revenue', payeeId: null, amount: '153.00' },
        { kind: 'payee_earnings', payeeId: FREELANCER, amount: '1030.00' },
        { kind: 'referral_share', payeeId: REFERRER, amount: '17.00' },
      ],
      errorCode: null,
    },
  ),
  'work_payment.failed': entry(
    "The provider refused a client's payment for work: nothing was posted to the ledger.",
    WorkPaymentEvent,
    { ...workPayment, commission: null, lines: [], errorCode: 'card_declined' },
  ),
  'work_payment.refunded': entry(
    'Money of a work payment was returned to the client: each line of it clawed back in proportion.',
    WorkPaymentRefunded,
    {
      workPaymentId: WORK_PAYMENT,
      refundId: REFUND,
      entityId: ENTITY,
      amount: '100.00',
      amountRefunded: '100.00',
      currency: 'USD',
      clawedBack: [
        { kind: 'marketplace_revenue', payeeId: null, amount: '12.75' },
        { kind: 'payee_earnings', payeeId: FREELANCER, amount: '85.83' },
        { kind: 'referral_share', payeeId: REFERRER, amount: '1.42' },
      ],
    },
  ),
  'payout.created': entry(
    "A payout of a payee's available balance was made (its money is in transit to the payout provider).",
    PayoutEvent,
    {
      payoutId: PAYOUT,
      payeeId: FREELANCER,
      amount: '1030.00',
      currency: 'USD',
      status: 'in_transit',
      attempts: 0,
      errorCode: null,
    },
  ),
  'payout.paid': entry('The payout provider paid a payout out to the payee.', PayoutEvent, {
    payoutId: PAYOUT,
    payeeId: FREELANCER,
    amount: '1030.00',
    currency: 'USD',
    status: 'paid',
    attempts: 2,
    errorCode: null,
  }),
  'payout.failed': entry(
    "The payout provider refused a payout for good: its money is back on the payee's balance for the next payout.",
    PayoutEvent,
    {
      payoutId: PAYOUT,
      payeeId: FREELANCER,
      amount: '1030.00',
      currency: 'USD',
      status: 'failed',
      attempts: 1,
      errorCode: 'account_closed',
    },
  ),
  'webhook.test': entry('A test ping sent to one endpoint (POST /api/webhooks/endpoints/{id}/test).', WebhookTest, {
    endpointId: ENDPOINT,
    message: 'Test ping from the billing platform',
    sentAt: AT,
  }),
} as const;

export type WebhookEventCatalog = typeof WEBHOOK_EVENT_CATALOG;
export type WebhookEventType = keyof WebhookEventCatalog;
/** The payload (`data`) of one event type, as writers build it. */
export type WebhookPayload<T extends WebhookEventType> = z.input<WebhookEventCatalog[T]['schema']>;

/** Every event type, in catalog order. */
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_CATALOG) as WebhookEventType[];

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_CATALOG, type);
}

/** The catalog entry of a type (schema, description, example). */
export function webhookEventEntry(type: WebhookEventType): CatalogEntry<z.ZodObject> {
  return WEBHOOK_EVENT_CATALOG[type] as CatalogEntry<z.ZodObject>;
}

/** The known type nearest to an unknown one (one or two edits away), for "did you mean" in an error. */
export function nearestWebhookEventType(type: string): WebhookEventType | null {
  let best: { type: WebhookEventType; distance: number } | null = null;
  for (const known of WEBHOOK_EVENT_TYPES) {
    const distance = editDistance(type, known);
    if (distance <= 2 && (best === null || distance < best.distance)) best = { type: known, distance };
  }
  return best?.type ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
