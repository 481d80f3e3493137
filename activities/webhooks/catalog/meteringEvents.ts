// The webhook events of metering: usage billed beyond credits, a user reaching their credit limit (eventCatalog.ts).
import { z } from 'zod';
import { Currency, entry, Id, Instant, moneyAmount } from './catalogKit.js';
import { AT, ENTITY, EVENT, ORG, PERIOD, USER } from './examples.js';

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

export const meteringEvents = {
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
} as const;
