// Usage and spend of an entity's accepted events for a time range (default: the entity's current billing period),
// grouped by event type, user, team or day (the day in the entity's time zone), and the top spenders. Read-only;
// the API and, later, alerting use it. Team is the member's current team.
import { Money, toDecimal } from '../../domain/money.js';
import type { Db } from '../db.js';
import { periodAt } from '../invoicing/billingPeriodRows.js';
import { ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';

export type UsageDimension = 'eventType' | 'user' | 'team' | 'day';

export interface UsageQuery {
  entityId: string;
  groupBy: UsageDimension;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface UsageRow {
  key: string;
  events: number;
  quantity: string;
  ratedAmount: string;
  creditsDrawn: string;
  billedLater: string;
}

export interface UsageReport {
  entityId: string;
  currency: string;
  groupBy: UsageDimension;
  from: string;
  to: string;
  rows: UsageRow[];
  totals: Omit<UsageRow, 'key'>;
}

const KEY: Record<UsageDimension, string> = {
  eventType: 'e."eventType"',
  user: 'e."userId"::text',
  team: `coalesce(m."teamId"::text, 'none')`,
  day: `to_char(e."occurredAt" AT TIME ZONE $4, 'YYYY-MM-DD')`,
};

async function rangeFor(db: Db, organizationId: string, entityId: string, from?: Date, to?: Date, now = new Date()) {
  const entity = await db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  const period = await periodAt(db, entity, now);
  const range = { from: from ?? period.start, to: to ?? period.end };
  if (range.to <= range.from) throw new UnprocessableError('INVALID_RANGE', 'to must be after from', 'to');
  return { entity, ...range };
}

interface SumRow {
  key: string;
  events: number;
  quantity: string | null;
  rated: string | null;
  drawn: string | null;
  later: string | null;
}

export async function usageReport(
  db: Db,
  organizationId: string,
  q: UsageQuery,
  now = new Date(),
): Promise<UsageReport> {
  const { entity, from, to } = await rangeFor(db, organizationId, q.entityId, q.from, q.to, now);
  const rows = await db.$queryRawUnsafe<SumRow[]>(
    `SELECT ${KEY[q.groupBy]} AS key, count(*)::int AS events, sum(e.quantity)::text AS quantity,
            sum(e."ratedAmount")::text AS rated, sum(e."creditsDrawn")::text AS drawn, sum(e."billedLater")::text AS later
       FROM "MarketplaceEvent" e
       LEFT JOIN "EntityUser" m ON m."entityId" = e."entityId" AND m."userId" = e."userId"
      WHERE e."entityId" = $1::uuid AND e.status = 'accepted' AND e."occurredAt" >= $2 AND e."occurredAt" < $3
        AND $4::text IS NOT NULL
      GROUP BY 1
      ORDER BY sum(e."ratedAmount") DESC, 1`,
    entity.id,
    from,
    to,
    entity.timeZone,
  );
  const m = (v: string | null) => Money.of(v ?? '0', entity.currency).toString();
  const out = rows.map((r) => ({
    key: r.key,
    events: r.events,
    quantity: toDecimal(r.quantity ?? '0').toFixed(),
    ratedAmount: m(r.rated),
    creditsDrawn: m(r.drawn),
    billedLater: m(r.later),
  }));
  const total = (f: (r: SumRow) => string | null) =>
    rows.reduce((s, r) => s.add(Money.of(f(r) ?? '0', entity.currency)), Money.zero(entity.currency));
  return {
    entityId: entity.id,
    currency: entity.currency,
    groupBy: q.groupBy,
    from: from.toISOString(),
    to: to.toISOString(),
    rows: out,
    totals: {
      events: rows.reduce((s, r) => s + r.events, 0),
      quantity: total((r) => r.quantity).amount.toFixed(),
      ratedAmount: total((r) => r.rated).toString(),
      creditsDrawn: total((r) => r.drawn).toString(),
      billedLater: total((r) => r.later).toString(),
    },
  };
}

export interface TopSpender {
  userId: string;
  /** The organization's own record of the user; null only for a user it has no record of (never through the API). */
  email: string | null;
  name: string | null;
  teamId: string | null;
  events: number;
  ratedAmount: string;
}

export async function topSpenders(
  db: Db,
  organizationId: string,
  q: { entityId: string; from?: Date | undefined; to?: Date | undefined; limit: number },
  now = new Date(),
): Promise<{ entityId: string; currency: string; from: string; to: string; spenders: TopSpender[] }> {
  const { entity, from, to } = await rangeFor(db, organizationId, q.entityId, q.from, q.to, now);
  const rows = await db.$queryRawUnsafe<Array<Omit<TopSpender, 'ratedAmount'> & { rated: string }>>(
    // Email and name from the organization's own record of the user, never from the shared identity row. A LEFT
    // JOIN, so an event's money is never dropped from the ranking for want of a record.
    `SELECT e."userId"::text AS "userId", p.email, p.name, m."teamId"::text AS "teamId", count(*)::int AS events,
            sum(e."ratedAmount")::text AS rated
       FROM "MarketplaceEvent" e
       LEFT JOIN "OrganizationUser" p ON p."organizationId" = $5::uuid AND p."userId" = e."userId"
       LEFT JOIN "EntityUser" m ON m."entityId" = e."entityId" AND m."userId" = e."userId"
      WHERE e."entityId" = $1::uuid AND e.status = 'accepted' AND e."occurredAt" >= $2 AND e."occurredAt" < $3
      GROUP BY e."userId", p.email, p.name, m."teamId"
      ORDER BY sum(e."ratedAmount") DESC, e."userId"
      LIMIT $4`,
    entity.id,
    from,
    to,
    q.limit,
    entity.organizationId,
  );
  return {
    entityId: entity.id,
    currency: entity.currency,
    from: from.toISOString(),
    to: to.toISOString(),
    spenders: rows.map(({ rated, ...r }) => ({ ...r, ratedAmount: Money.of(rated, entity.currency).toString() })),
  };
}
