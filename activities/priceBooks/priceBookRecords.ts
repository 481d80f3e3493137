// Price books and their event prices. A price book belongs to the organization (optionally overriding it for one
// entity); its prices share its currency. Schemes are validated by the caller (domain validatePricingScheme).
// Every write runs under guardCatalogWrite (priceCatalogGuard.ts): one that would leave an entity unable to price an
// event type it prices now, or price one twice in one currency, is refused (409 PRICE_BOOK_IN_USE /
// PRICE_BOOK_CONFLICT) and changes nothing.
import type { Tier } from '../../domain/tieredPricing.js';
import { type Actor, recordAudit } from '../auditLog.js';
import { type Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { guardCatalogWrite } from './priceCatalogGuard.js';

type Tx = Prisma.TransactionClient;

export interface PriceDefinition {
  eventType: string;
  model: 'flat' | 'graduated' | 'volume';
  unitPrice?: string | null | undefined;
  tiers?: Tier[] | null | undefined;
}

export interface NewPriceBook {
  name: string;
  currency: string;
  entityId?: string | null | undefined;
  active?: boolean | undefined;
  prices: PriceDefinition[];
}

const priceData = (p: PriceDefinition) => ({
  model: p.model,
  unitPrice: p.model === 'flat' ? (p.unitPrice ?? null) : null,
  tiers: p.model === 'flat' ? undefined : ((p.tiers ?? []) as unknown as Prisma.InputJsonValue),
});

const withPrices = { prices: { orderBy: { eventType: 'asc' as const } } };

/**
 * Inserts a book and its prices inside the caller's transaction (which holds the catalog lock): for createPriceBook,
 * and for an entity created with its own book. An entity's book must be in the entity's currency.
 */
export async function insertPriceBook(tx: Tx, organizationId: string, input: NewPriceBook) {
  if (input.entityId) {
    const entity = await tx.entity.findFirst({ where: { id: input.entityId, organizationId, deletedAt: null } });
    if (!entity) throw new ResourceNotFoundError('entity');
    if (entity.currency !== input.currency) {
      throw new UnprocessableError(
        'CURRENCY_MISMATCH',
        `An entity price book must be in the entity currency (${entity.currency})`,
        'currency',
      );
    }
  }
  return tx.priceBook.create({
    data: {
      organizationId,
      name: input.name,
      currency: input.currency,
      entityId: input.entityId ?? null,
      active: input.active ?? true,
      prices: {
        create: input.prices.map((p) => ({ eventType: p.eventType, currency: input.currency, ...priceData(p) })),
      },
    },
    include: withPrices,
  });
}

export async function createPriceBook(db: Db, actor: Actor, organizationId: string, input: NewPriceBook) {
  return db.$transaction((tx) =>
    guardCatalogWrite(tx, organizationId, async () => {
      const book = await insertPriceBook(tx, organizationId, input);
      await recordAudit(tx, actor, {
        organizationId,
        action: 'price_book.create',
        targetType: 'price_book',
        targetId: book.id,
        after: book,
      });
      return book;
    }),
  );
}

export async function listPriceBooks(
  db: Db,
  organizationId: string,
  filter: { entityId?: string | undefined; active?: boolean | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.priceBook.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId, deletedAt: null },
        filter.entityId ? { entityId: filter.entityId } : {},
        filter.active !== undefined ? { active: filter.active } : {},
      ],
    },
    include: withPrices,
  });
  return toPage(rows, page);
}

export async function findPriceBook(db: Db | Tx, organizationId: string, id: string) {
  return db.priceBook.findFirst({ where: { id, organizationId, deletedAt: null }, include: withPrices });
}

async function requireBook(tx: Tx, organizationId: string, id: string) {
  const book = await findPriceBook(tx, organizationId, id);
  if (!book) throw new ResourceNotFoundError('price book');
  return book;
}

export async function updatePriceBook(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  patch: { name?: string | undefined; active?: boolean | undefined },
) {
  return db.$transaction((tx) =>
    guardCatalogWrite(tx, organizationId, async () => {
      const before = await requireBook(tx, organizationId, id);
      const after = await tx.priceBook.update({ where: { id }, data: patch, include: withPrices });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'price_book.update',
        targetType: 'price_book',
        targetId: id,
        before,
        after,
      });
      return after;
    }),
  );
}

export async function deletePriceBook(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction((tx) =>
    guardCatalogWrite(tx, organizationId, async () => {
      const before = await requireBook(tx, organizationId, id);
      const after = await tx.priceBook.update({ where: { id }, data: { deletedAt: now, active: false } });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'price_book.delete',
        targetType: 'price_book',
        targetId: id,
        before,
        after,
      });
      return after;
    }),
  );
}

export async function addEventPrice(db: Db, actor: Actor, organizationId: string, bookId: string, p: PriceDefinition) {
  return db.$transaction((tx) =>
    guardCatalogWrite(tx, organizationId, async () => {
      const book = await requireBook(tx, organizationId, bookId);
      const price = await tx.eventPrice.create({
        data: { priceBookId: book.id, eventType: p.eventType, currency: book.currency, ...priceData(p) },
      });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'event_price.create',
        targetType: 'event_price',
        targetId: price.id,
        after: price,
      });
      return price;
    }),
  );
}

export async function findEventPrice(db: Db | Tx, organizationId: string, bookId: string, priceId: string) {
  return db.eventPrice.findFirst({
    where: { id: priceId, priceBookId: bookId, priceBook: { organizationId, deletedAt: null } },
  });
}

export async function listEventPrices(db: Db, organizationId: string, bookId: string, page: PageRequest) {
  const book = await findPriceBook(db, organizationId, bookId);
  if (!book) throw new ResourceNotFoundError('price book');
  const args = pageArgs(page);
  const rows = await db.eventPrice.findMany({ ...args, where: { AND: [args.where, { priceBookId: bookId }] } });
  return toPage(rows, page);
}

/** Replaces an event price's scheme (model, unit price, tiers); the event type stays. */
export async function replaceEventPrice(
  db: Db,
  actor: Actor,
  organizationId: string,
  bookId: string,
  priceId: string,
  p: Omit<PriceDefinition, 'eventType'>,
) {
  return db.$transaction((tx) =>
    guardCatalogWrite(tx, organizationId, async () => {
      const before = await findEventPrice(tx, organizationId, bookId, priceId);
      if (!before) throw new ResourceNotFoundError('event price');
      const data = priceData({ ...p, eventType: before.eventType });
      const after = await tx.eventPrice.update({
        where: { id: priceId },
        data: { ...data, tiers: data.tiers ?? Prisma.DbNull },
      });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'event_price.update',
        targetType: 'event_price',
        targetId: priceId,
        before,
        after,
      });
      return after;
    }),
  );
}

/** Event prices have no history of their own (events keep their rated amounts), so removal is a real delete. */
export async function deleteEventPrice(db: Db, actor: Actor, organizationId: string, bookId: string, priceId: string) {
  return db.$transaction((tx) =>
    guardCatalogWrite(tx, organizationId, async () => {
      const before = await findEventPrice(tx, organizationId, bookId, priceId);
      if (!before) throw new ResourceNotFoundError('event price');
      await tx.eventPrice.delete({ where: { id: priceId } });
      await recordAudit(tx, actor, {
        organizationId,
        action: 'event_price.delete',
        targetType: 'event_price',
        targetId: priceId,
        before,
      });
      return before;
    }),
  );
}
