// entity.created and entity.updated, written in the transaction that made the change (entity.suspended and
// entity.reactivated are written by collection and settlement: payments/). Keys: entity.created:<entityId>, and
// entity.updated:<entityId>:<uuid>, one per change (a change is written once with its transaction; two changes in one
// millisecond must not share a key).

import { moneyText } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import { uuidv7 } from '../metering/uuidv7.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';

type Tx = Prisma.TransactionClient;
type EntityRow = Awaited<ReturnType<Tx['entity']['findUniqueOrThrow']>>;

/** The fields of an entity a PATCH can change, and entity.updated names. */
const PATCHABLE = ['name', 'overagePolicy', 'lowBalanceThreshold'] as const;
export type PatchableField = (typeof PATCHABLE)[number];

export function changedFields(before: EntityRow, after: EntityRow): PatchableField[] {
  return PATCHABLE.filter((field) => String(before[field]) !== String(after[field]));
}

export function recordEntityEvent(
  tx: Tx,
  type: 'entity.created' | 'entity.updated',
  entity: EntityRow,
  changed: PatchableField[] = [],
): Promise<string> {
  const snapshot = {
    entityId: entity.id,
    name: entity.name,
    status: entity.status,
    currency: entity.currency,
    timeZone: entity.timeZone,
    billingAnchorDay: entity.billingAnchorDay,
    overagePolicy: entity.overagePolicy,
    lowBalanceThreshold: moneyText(entity.lowBalanceThreshold, entity.currency),
  };
  const base = { organizationId: entity.organizationId, entityId: entity.id };
  if (type === 'entity.created') {
    return recordWebhookEvent(tx, {
      ...base,
      type,
      idempotencyKey: `entity.created:${entity.id}`,
      payload: { ...snapshot, createdAt: entity.createdAt.toISOString() },
    });
  }
  return recordWebhookEvent(tx, {
    ...base,
    type,
    idempotencyKey: `entity.updated:${entity.id}:${uuidv7()}`,
    payload: { ...snapshot, changed, updatedAt: entity.updatedAt.toISOString() },
  });
}
