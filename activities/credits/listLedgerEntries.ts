// The credit ledger of the caller's organization, newest-last by id (UUIDv7), with filters.
import { Money } from '../../domain/money.js';
import type { Db, Prisma } from '../db.js';
import { type Page, type PageRequest, pageArgs, toPage } from '../pagination.js';

export interface LedgerFilter {
  entityId?: string | undefined;
  grantId?: string | undefined;
  eventId?: string | undefined;
  kind?: 'grant' | 'consume' | 'expire' | 'transfer_out' | 'transfer_in' | 'refund' | 'adjust' | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface LedgerEntryView {
  id: string;
  entityId: string;
  grantId: string | null;
  eventId: string | null;
  kind: string;
  amount: string;
  currency: string;
  description: string | null;
  idempotencyKey: string;
  createdAt: string;
}

export async function listLedgerEntries(
  db: Db,
  organizationId: string,
  filter: LedgerFilter,
  page: PageRequest,
): Promise<Page<LedgerEntryView>> {
  const args = pageArgs(page);
  const byEvent = filter.eventId ? await entriesOfEvent(db, organizationId, filter.eventId) : undefined;
  const where: Prisma.LedgerEntryWhereInput = {
    ...args.where,
    entity: { organizationId },
    ...(filter.entityId ? { entityId: filter.entityId } : {}),
    ...(filter.grantId ? { grantId: filter.grantId } : {}),
    ...(byEvent ? { OR: [{ eventId: byEvent.eventId }, { id: { in: byEvent.ledgerEntryIds } }] } : {}),
    ...(filter.kind ? { kind: filter.kind } : {}),
    ...(filter.from || filter.to
      ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
      : {}),
  };
  const rows = await db.ledgerEntry.findMany({ ...args, where });
  const p = toPage(rows, page);
  return {
    hasMore: p.hasMore,
    items: p.items.map((l) => ({
      id: l.id,
      entityId: l.entityId,
      grantId: l.grantId,
      eventId: l.eventId,
      kind: l.kind,
      amount: Money.of(l.amount.toString(), l.currency).toString(),
      currency: l.currency,
      description: l.description,
      idempotencyKey: l.idempotencyKey,
      createdAt: l.createdAt.toISOString(),
    })),
  };
}

/**
 * An event's entries: those naming it, and the consume entries its draws name (a consume entry carrying several
 * events of one metering transaction names none of them).
 */
async function entriesOfEvent(db: Db, organizationId: string, eventId: string) {
  const found = await db.marketplaceEvent.findUnique({
    where: { id: eventId },
    select: { entityId: true, draws: true },
  });
  // Events have no relation to their entity in the schema (no foreign key): the organization is checked apart.
  const ofOrganization =
    found !== null && (await db.entity.count({ where: { id: found.entityId, organizationId } })) === 1;
  const event = ofOrganization ? found : null;
  const draws = (event?.draws ?? []) as Array<{ ledgerEntryId?: string }>;
  return { eventId, ledgerEntryIds: draws.flatMap((d) => (d.ledgerEntryId ? [d.ledgerEntryId] : [])) };
}
