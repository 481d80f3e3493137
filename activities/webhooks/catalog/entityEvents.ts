// The webhook events of entities: created, changed, suspended, reactivated (eventCatalog.ts).
import { z } from 'zod';
import { Currency, entry, Id, Instant, moneyAmount } from './catalogKit.js';
import { AT, ENTITY, entitySnapshot, INVOICE } from './examples.js';

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

export const entityEvents = {
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
} as const;
