// The webhook events of credit balances (grants, transfers, threshold crossings, expiry), for eventCatalog.ts.
import { z } from 'zod';
import { Currency, entry, Id, Instant, moneyAmount } from './catalogKit.js';
import { AT, ENTITY, ENTITY_2, EVENT, GRANT, GRANT_2, ORG, PACKAGE, TRANSFER } from './examples.js';

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
    amount: moneyAmount('Taken from the source, in `currency` (the source entity’s)'),
    currency: Currency,
    toAmount: moneyAmount('Given to the target, in `toCurrency` (the target entity’s)'),
    toCurrency: Currency,
    rate: z
      .string()
      .nullable()
      .meta({ description: 'The exchange rate applied (toCurrency per currency); null when both currencies are one' }),
    fromBalance: moneyAmount('In `currency`'),
    toBalance: moneyAmount('In `toCurrency`'),
    transferredAt: Instant,
  })
  .meta({ id: 'CreditsTransferredData' });

export const creditEvents = {
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
      currency: 'EUR',
      toAmount: '108.42',
      toCurrency: 'USD',
      rate: '1.0842',
      fromBalance: '37.10',
      toBalance: '108.42',
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
} as const;
