// Every write that changes how an organization's entities resolve their event prices (price books, their event
// prices, a new entity) runs through guardCatalogWrite: under the organization's row lock it reads the catalog, makes
// the write, reads it again and refuses the write (rolling it back) when domain/priceCatalog.ts finds that it breaks
// what metering needs. So a conflict or an in-use delete is a 409 when written, never a failed event later.
//
// The lock is FOR NO KEY UPDATE on the Organization row: two catalog writes of one organization run one after the
// other (neither sees the other's uncommitted change and both commit a conflict together), while inserts elsewhere
// that reference the organization (their foreign key takes a KEY SHARE lock, e.g. metering's outbox rows) are not
// blocked by it.
import {
  type Catalog,
  type CatalogViolation,
  catalogViolations,
  type ViolationCode,
} from '../../domain/priceCatalog.js';
import type { Prisma } from '../db.js';
import { type ConflictItem, ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';

type Tx = Prisma.TransactionClient;

const LISTED_ENTITIES = 100;

export async function lockOrganizationCatalog(tx: Tx, organizationId: string): Promise<void> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "Organization" WHERE id = ${organizationId}::uuid AND "deletedAt" IS NULL FOR NO KEY UPDATE`;
  if (rows.length === 0) throw new ResourceNotFoundError('organization');
}

/** The organization's live price books (with their event types and currencies) and entities. */
export async function loadCatalog(tx: Tx, organizationId: string): Promise<Catalog> {
  const books = await tx.priceBook.findMany({
    where: { organizationId, deletedAt: null },
    select: { id: true, entityId: true, active: true, prices: { select: { eventType: true, currency: true } } },
  });
  const entities = await tx.entity.findMany({
    where: { organizationId, deletedAt: null },
    select: { id: true, currency: true },
  });
  return { books, entities };
}

export function conflictItems(violations: CatalogViolation[]): ConflictItem[] {
  return violations.map((v) => ({
    code: v.code,
    eventType: v.eventType,
    reason: v.reason,
    priceBookIds: v.priceBookIds,
    entityIds: v.entityIds.slice(0, LISTED_ENTITIES),
    entityCount: v.entityIds.length,
  }));
}

const REASON: Record<CatalogViolation['reason'], string> = {
  priced_twice: 'would be priced twice at one level',
  wrong_currency: "is priced only in other currencies than the entity's",
  no_price: 'would have no price',
};

/** One sentence for the problem's detail: the first violation, and how many more there are. */
export function describeViolations(violations: CatalogViolation[]): string {
  const [first] = violations as [CatalogViolation, ...CatalogViolation[]];
  const books = first.priceBookIds.join(', ');
  const whom =
    first.entityIds.length === 0
      ? 'at the organization level'
      : `for ${first.entityIds.length} entit${first.entityIds.length === 1 ? 'y' : 'ies'}`;
  const head =
    first.code === 'PRICE_BOOK_IN_USE'
      ? `Price book ${books} is in use: event type "${first.eventType}" ${REASON[first.reason]} ${whom} without it`
      : `Event type "${first.eventType}" ${REASON[first.reason]} ${whom} (price books ${books})`;
  const more = violations.length > 1 ? `; ${violations.length - 1} more in conflicts` : '';
  return `${head}${more}. Nothing was changed.`;
}

/** 409 with the first violation's code (an in-use one first), every violation listed. */
export class PriceCatalogConflictError extends ResourceConflictError {
  constructor(readonly violations: CatalogViolation[]) {
    super(violations[0]!.code satisfies ViolationCode, describeViolations(violations), conflictItems(violations));
  }
}

/**
 * Runs `write` inside the caller's transaction under the organization's catalog lock and returns its result, or
 * throws (the transaction then changes nothing) the error `refuse(violations)` gives (default
 * PriceCatalogConflictError; null accepts the write).
 */
export async function guardCatalogWrite<T>(
  tx: Tx,
  organizationId: string,
  write: () => Promise<T>,
  refuse: (violations: CatalogViolation[]) => Error | null = (v) => new PriceCatalogConflictError(v),
): Promise<T> {
  await lockOrganizationCatalog(tx, organizationId);
  const before = await loadCatalog(tx, organizationId);
  const result = await write();
  const violations = catalogViolations(before, await loadCatalog(tx, organizationId));
  const refusal = violations.length > 0 ? refuse(violations) : null;
  if (refusal) throw refusal;
  return result;
}
