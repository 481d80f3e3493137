// Creating, listing and updating an organization's entities (billing units). Every query is scoped by organization.
// Currency, time zone and anchor day are fixed at creation: they define the billing periods already running.
// A new entity must be able to price, in its currency, every event type its organization's books price (or have
// its own book, created with it, that does): else 422 ENTITY_CURRENCY_NOT_PRICED, checked under the catalog lock.

import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { insertPriceBook, type PriceDefinition } from '../priceBooks/priceBookRecords.js';
import { conflictItems, guardCatalogWrite } from '../priceBooks/priceCatalogGuard.js';
import { ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { changedFields, recordEntityEvent } from './entityEvents.js';

export interface NewEntity {
  name: string;
  currency: string;
  timeZone: string;
  billingAnchorDay: number;
  overagePolicy: 'reject' | 'bill';
  lowBalanceThreshold: string;
  /** A test clock of the organization the entity runs on instead of wall time. */
  testClockId?: string | undefined;
  /** The entity's own price book (in its currency), created with it: its prices override the organization's. */
  priceBook?: { name: string; prices: PriceDefinition[] } | undefined;
}

/** Creates the entity (and its own price book); `webhookEventIds`: its entity.created row, to dispatch after commit. */
export async function createEntity(db: Db, actor: Actor, organizationId: string, input: NewEntity) {
  const { priceBook, ...fields } = input;
  let created = '';
  const entity = await db.$transaction((tx) =>
    guardCatalogWrite(
      tx,
      organizationId,
      async () => {
        if (fields.testClockId) {
          const clock = await tx.testClock.findFirst({
            where: { id: fields.testClockId, organizationId, deletedAt: null },
          });
          if (!clock) throw new UnprocessableError('TEST_CLOCK_NOT_FOUND', 'test clock not found', 'testClockId');
        }
        const entity = await tx.entity.create({ data: { organizationId, ...fields } });
        const book = priceBook
          ? await insertPriceBook(tx, organizationId, { ...priceBook, currency: entity.currency, entityId: entity.id })
          : null;
        created = await recordEntityEvent(tx, 'entity.created', entity);
        // One row for the request: the entity, with the price book created with it.
        await recordAudit(tx, actor, {
          organizationId,
          action: 'entity.create',
          targetType: 'entity',
          targetId: entity.id,
          after: book ? { ...entity, priceBook: book } : entity,
        });
        return entity;
      },
      // Only the currency is this request's doing; a level priced twice already breaks every entity alike.
      (violations) => {
        const unpriced = violations.filter((v) => v.reason === 'wrong_currency');
        if (unpriced.length === 0) return null;
        const types = unpriced.map((v) => v.eventType);
        return new UnprocessableError(
          'ENTITY_CURRENCY_NOT_PRICED',
          `The organization prices ${types.map((t) => `"${t}"`).join(', ')} only in other currencies than ` +
            `${fields.currency}: add an organization price book in ${fields.currency} for them, or give the entity ` +
            `its own (priceBook)`,
          'currency',
          conflictItems(unpriced),
        );
      },
    ),
  );
  return { entity, webhookEventIds: [created] };
}

export interface EntityFilter {
  status?: 'active' | 'suspended' | undefined;
}

export async function listEntities(db: Db, organizationId: string, filter: EntityFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.entity.findMany({
    ...args,
    where: {
      AND: [args.where, { organizationId, deletedAt: null, ...(filter.status ? { status: filter.status } : {}) }],
    },
  });
  return toPage(rows, page);
}

export interface EntityPatch {
  name?: string | undefined;
  overagePolicy?: 'reject' | 'bill' | undefined;
  lowBalanceThreshold?: string | undefined;
}

/** Updates the entity; `webhookEventIds`: its entity.updated row when a field changed, to dispatch after commit. */
export async function updateEntity(db: Db, actor: Actor, organizationId: string, id: string, patch: EntityPatch) {
  return db.$transaction(async (tx) => {
    const before = await tx.entity.findFirst({ where: { id, organizationId, deletedAt: null } });
    if (!before) throw new ResourceNotFoundError('entity');
    const after = await tx.entity.update({ where: { id }, data: patch });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'entity.update',
      targetType: 'entity',
      targetId: id,
      before,
      after,
    });
    const changed = changedFields(before, after);
    const webhookEventIds = changed.length > 0 ? [await recordEntityEvent(tx, 'entity.updated', after, changed)] : [];
    return { entity: after, webhookEventIds };
  });
}
