// Metered events read back, scoped by organization: a filtered list (entity, user, type, status, occurredAt range;
// by id, i.e. in the order they were received) and one event with how it was billed: its rating (amount, the price
// that applied and the tier position), its credit draws, the period it belongs to and the period that bills it, and
// the invoice line(s) it is on once that period is closed.
// Events carry no foreign key to their entity (see schema.prisma), so the organization is joined in here.
import { BillingDecimal, Money } from '../../domain/money.js';
import { type Db, Prisma } from '../db.js';
import type { Page, PageRequest } from '../pagination.js';

export interface BillingEventFilter {
  entityId?: string | undefined;
  userId?: string | undefined;
  eventType?: string | undefined;
  status?: 'accepted' | 'rejected' | undefined;
  /** occurredAt >= from */
  from?: Date | undefined;
  /** occurredAt < to */
  to?: Date | undefined;
}

export interface BillingEventView {
  id: string;
  entityId: string;
  userId: string;
  eventType: string;
  quantity: number;
  occurredAt: string;
  receivedAt: string;
  idempotencyKey: string;
  properties: Record<string, unknown>;
  status: 'accepted' | 'rejected';
  /** Why it was rejected; null when accepted. */
  code: 'ENTITY_SUSPENDED' | 'INSUFFICIENT_CREDITS' | 'USER_CREDIT_LIMIT_EXCEEDED' | null;
  currency: string;
  ratedAmount: string;
  creditsDrawn: string;
  billedLater: string;
  balanceAfter: string | null;
  periodStart: string;
  billedPeriodStart: string;
  late: boolean;
}

export interface InvoiceLineRef {
  invoiceId: string;
  invoiceNumber: number | null;
  invoiceStatus: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  lineId: string;
  position: number;
  kind: 'usage' | 'adjustment';
  description: string;
  /** The line's amount: the sum of every event on it. */
  amount: string;
  /** usage: the period's own usage; late_usage: billed late, on its own line; rerating: a re-rating adjustment. */
  role: 'usage' | 'late_usage' | 'rerating';
}

export interface BillingEventDetail extends BillingEventView {
  draws: Array<{ grantId: string; amount: string; ledgerEntryId: string | null }>;
  rating: {
    priceId: string | null;
    /** The period's quantity of this type counted before this event: where on the tiers it was rated. */
    usageBefore: string | null;
    /** The price as it is now (null if it was removed since); the event's ratedAmount is what it was rated at. */
    price: {
      id: string;
      priceBookId: string;
      priceBookName: string;
      eventType: string;
      model: 'flat' | 'graduated' | 'volume';
      unitPrice: string | null;
      tiers: unknown;
    } | null;
  };
  period: { start: string; end: string; status: PeriodStatus } | null;
  billedPeriod: { start: string; end: string; status: PeriodStatus; invoiceId: string | null } | null;
  invoiceLines: InvoiceLineRef[];
}

type PeriodStatus = 'open' | 'closing' | 'closed';

interface EventRow {
  id: string;
  entityId: string;
  userId: string;
  eventType: string;
  quantity: string;
  occurredAt: Date;
  receivedAt: Date;
  idempotencyKey: string;
  properties: Record<string, unknown> | null;
  status: 'accepted' | 'rejected';
  reasonCode: BillingEventView['code'];
  currency: string;
  ratedAmount: string;
  creditsDrawn: string;
  billedLater: string;
  balanceAfter: string | null;
  periodStart: Date;
  billedPeriodStart: Date;
  usageBefore: string | null;
  priceId: string | null;
  draws: Array<{ grantId: string; amount: string; ledgerEntryId?: string }> | null;
}

const COLUMNS = Prisma.sql`
  e.id::text AS id, e."entityId"::text AS "entityId", e."userId"::text AS "userId", e."eventType",
  e.quantity::text AS quantity, e."occurredAt", e."receivedAt", e."idempotencyKey", e.properties,
  e.status::text AS status, e."reasonCode", e.currency, e."ratedAmount"::text AS "ratedAmount",
  e."creditsDrawn"::text AS "creditsDrawn", e."billedLater"::text AS "billedLater",
  e."balanceAfter"::text AS "balanceAfter", e."periodStart", e."billedPeriodStart",
  e."usageBefore"::text AS "usageBefore", e."priceId"::text AS "priceId", e.draws`;

function view(row: EventRow): BillingEventView {
  const money = (amount: string) => Money.of(amount, row.currency).toString();
  return {
    id: row.id,
    entityId: row.entityId,
    userId: row.userId,
    eventType: row.eventType,
    quantity: Number(row.quantity),
    occurredAt: row.occurredAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    idempotencyKey: row.idempotencyKey,
    properties: row.properties ?? {},
    status: row.status,
    code: row.reasonCode,
    currency: row.currency,
    ratedAmount: money(row.ratedAmount),
    creditsDrawn: money(row.creditsDrawn),
    billedLater: money(row.billedLater),
    balanceAfter: row.balanceAfter === null ? null : money(row.balanceAfter),
    periodStart: row.periodStart.toISOString(),
    billedPeriodStart: row.billedPeriodStart.toISOString(),
    late: row.billedPeriodStart.getTime() !== row.periodStart.getTime(),
  };
}

export async function listBillingEvents(
  db: Db,
  organizationId: string,
  filter: BillingEventFilter,
  page: PageRequest,
): Promise<Page<BillingEventView>> {
  const conditions = [Prisma.sql`n."organizationId" = ${organizationId}::uuid`];
  if (page.startingAfter) conditions.push(Prisma.sql`e.id > ${page.startingAfter}::uuid`);
  if (filter.entityId) conditions.push(Prisma.sql`e."entityId" = ${filter.entityId}::uuid`);
  if (filter.userId) conditions.push(Prisma.sql`e."userId" = ${filter.userId}::uuid`);
  if (filter.eventType) conditions.push(Prisma.sql`e."eventType" = ${filter.eventType}`);
  if (filter.status) conditions.push(Prisma.sql`e.status = ${filter.status}::"EventStatus"`);
  if (filter.from) conditions.push(Prisma.sql`e."occurredAt" >= ${filter.from}`);
  if (filter.to) conditions.push(Prisma.sql`e."occurredAt" < ${filter.to}`);
  const rows = await db.$queryRaw<EventRow[]>`
    SELECT ${COLUMNS}
    FROM "MarketplaceEvent" e JOIN "Entity" n ON n.id = e."entityId"
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY e.id
    LIMIT ${page.limit + 1}`;
  const hasMore = rows.length > page.limit;
  return { items: rows.slice(0, page.limit).map(view), hasMore };
}

/** One event of the organization with how it was billed; null when there is none (or it is another's). */
export async function findBillingEvent(
  db: Db,
  organizationId: string,
  eventId: string,
): Promise<BillingEventDetail | null> {
  const [row] = await db.$queryRaw<EventRow[]>`
    SELECT ${COLUMNS}
    FROM "MarketplaceEvent" e JOIN "Entity" n ON n.id = e."entityId"
    WHERE e.id = ${eventId}::uuid AND n."organizationId" = ${organizationId}::uuid`;
  if (!row) return null;
  const money = (amount: { toString(): string }) => Money.of(amount.toString(), row.currency).toString();
  const [price, periods] = await Promise.all([
    row.priceId
      ? db.eventPrice.findUnique({ where: { id: row.priceId }, include: { priceBook: true } })
      : Promise.resolve(null),
    db.billingPeriod.findMany({
      where: { entityId: row.entityId, periodStart: { in: [row.periodStart, row.billedPeriodStart] } },
    }),
  ]);
  const own = periods.find((p) => p.periodStart.getTime() === row.periodStart.getTime());
  const billing = periods.find((p) => p.periodStart.getTime() === row.billedPeriodStart.getTime());
  return {
    ...view(row),
    draws: (row.draws ?? []).map((d) => ({
      grantId: d.grantId,
      amount: money(d.amount),
      ledgerEntryId: d.ledgerEntryId ?? null,
    })),
    rating: {
      priceId: row.priceId,
      usageBefore: row.usageBefore === null ? null : new BillingDecimal(row.usageBefore).toFixed(),
      price: price
        ? {
            id: price.id,
            priceBookId: price.priceBookId,
            priceBookName: price.priceBook.name,
            eventType: price.eventType,
            model: price.model,
            unitPrice: price.unitPrice === null ? null : money(price.unitPrice),
            tiers: price.tiers ?? null,
          }
        : null,
    },
    period: own ? { start: iso(own.periodStart), end: iso(own.periodEnd), status: own.status } : null,
    billedPeriod: billing
      ? {
          start: iso(billing.periodStart),
          end: iso(billing.periodEnd),
          status: billing.status,
          invoiceId: billing.invoiceId,
        }
      : null,
    invoiceLines: row.status === 'accepted' ? await invoiceLinesOf(db, row, billing?.invoiceId ?? null) : [],
  };
}

const iso = (d: Date) => d.toISOString();

/**
 * The lines an accepted event is on: the usage line of its invoice (the period that bills it; usageLines.ts names
 * each line by a reference: usage:<type>[:<priceId>] for the period's own events, late-usage:<period>:<type>:<priceId>
 * for late ones), and the re-rating adjustment lines of any job that re-rated it (jobs/eventReplay.ts).
 */
async function invoiceLinesOf(db: Db, row: EventRow, invoiceId: string | null): Promise<InvoiceLineRef[]> {
  const late = row.billedPeriodStart.getTime() !== row.periodStart.getTime();
  const wanted = new Map<string, { invoiceId: string; role: InvoiceLineRef['role'] }>();
  if (invoiceId) {
    const references = late
      ? [`late-usage:${iso(row.periodStart)}:${row.eventType}:${row.priceId}`]
      : [`usage:${row.eventType}`, `usage:${row.eventType}:${row.priceId}`];
    for (const reference of references) {
      wanted.set(`${invoiceId}\u0000${reference}`, { invoiceId, role: late ? 'late_usage' : 'usage' });
    }
  }
  const reratings = await db.invoiceItem.findMany({
    where: { eventId: row.id, kind: 'adjustment', invoiceId: { not: null } },
    select: { invoiceId: true, metadata: true },
  });
  for (const item of reratings) {
    const jobId = (item.metadata as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId !== 'string' || !item.invoiceId) continue;
    wanted.set(`${item.invoiceId}\u0000replay:${jobId}:${row.eventType}`, {
      invoiceId: item.invoiceId,
      role: 'rerating',
    });
  }
  const invoiceIds = [...new Set([...wanted.values()].map((w) => w.invoiceId))];
  if (invoiceIds.length === 0) return [];
  const invoices = await db.invoice.findMany({
    where: { id: { in: invoiceIds } },
    include: { lines: { orderBy: { position: 'asc' } } },
    orderBy: { id: 'asc' },
  });
  return invoices.flatMap((invoice) =>
    invoice.lines.flatMap((line) => {
      const reference = (line.metadata as { reference?: unknown } | null)?.reference;
      const match = typeof reference === 'string' ? wanted.get(`${invoice.id}\u0000${reference}`) : undefined;
      if (!match) return [];
      return [
        {
          invoiceId: invoice.id,
          invoiceNumber: invoice.number,
          invoiceStatus: invoice.status,
          lineId: line.id,
          position: line.position,
          // Usage lines are usage, or adjustments when negative; re-rating lines are adjustments.
          kind: line.kind as InvoiceLineRef['kind'],
          description: line.description,
          amount: Money.of(line.amount.toString(), invoice.currency).toString(),
          role: match.role,
        },
      ];
    }),
  );
}
