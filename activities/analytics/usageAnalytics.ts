// Usage and spend of an entity's accepted events for a time range (default: the entity's current billing period),
// grouped by event type, user, team or day (the day in the entity's time zone), and the top spenders. Read-only;
// the API and, later, alerting use it. Team is the member's current team.
//
// Events the retention run archived count through their totals (ArchivedUsage: per event type, user and day in the
// entity's time zone), which a range takes whole: a range that would cut through such a day's events, taking some
// and not others, is refused (USAGE_RANGE_ARCHIVED) rather than answered with a guess.
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
  eventType: 'u."eventType"',
  user: 'u."userId"::text',
  team: `coalesce(m."teamId"::text, 'none')`,
  day: 'u.day',
};

/**
 * The entity's accepted events in [$2, $3) with the archived totals wholly inside it, one row shape for both: $1 the
 * entity, $4 its time zone.
 */
const USAGE_ROWS = `
  SELECT e."userId", e."eventType", to_char(e."occurredAt" AT TIME ZONE $4, 'YYYY-MM-DD') AS day, 1 AS events,
         e.quantity, e."ratedAmount" AS rated, e."creditsDrawn" AS drawn, e."billedLater" AS later
    FROM "MarketplaceEvent" e
   WHERE e."entityId" = $1::uuid AND e.status = 'accepted' AND e."occurredAt" >= $2 AND e."occurredAt" < $3
  UNION ALL
  SELECT a."userId", a."eventType", to_char(a.day, 'YYYY-MM-DD'), a.events, a.quantity, a."ratedAmount",
         a."creditsDrawn", a."billedLater"
    FROM "ArchivedUsage" a
   WHERE a."entityId" = $1::uuid AND a."firstOccurredAt" >= $2 AND a."lastOccurredAt" < $3`;

/** Refuses a range that takes part of an archived day's events (the totals cannot be split). */
async function assertWholeArchivedDays(db: Db, entityId: string, from: Date, to: Date): Promise<void> {
  const cut = await db.$queryRaw<Array<{ day: string }>>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day FROM "ArchivedUsage"
    WHERE "entityId" = ${entityId}::uuid AND "firstOccurredAt" < ${to} AND "lastOccurredAt" >= ${from}
      AND NOT ("firstOccurredAt" >= ${from} AND "lastOccurredAt" < ${to})
    ORDER BY day LIMIT 1`;
  if (cut[0]) {
    throw new UnprocessableError(
      'USAGE_RANGE_ARCHIVED',
      `events of ${cut[0].day} are archived and kept as that day's totals: start and end the range on a day ` +
        "boundary of the entity's time zone there",
      'from',
    );
  }
}

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
  await assertWholeArchivedDays(db, entity.id, from, to);
  const rows = await db.$queryRawUnsafe<SumRow[]>(
    `SELECT ${KEY[q.groupBy]} AS key, sum(u.events)::int AS events, sum(u.quantity)::text AS quantity,
            sum(u.rated)::text AS rated, sum(u.drawn)::text AS drawn, sum(u.later)::text AS later
       FROM (${USAGE_ROWS}) u
       LEFT JOIN "EntityUser" m ON m."entityId" = $1::uuid AND m."userId" = u."userId"
      GROUP BY 1
      ORDER BY sum(u.rated) DESC, 1`,
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
  await assertWholeArchivedDays(db, entity.id, from, to);
  const rows = await db.$queryRawUnsafe<Array<Omit<TopSpender, 'ratedAmount'> & { rated: string }>>(
    // Email and name from the organization's own record of the user, never from the shared identity row. A LEFT
    // JOIN, so an event's money is never dropped from the ranking for want of a record.
    `SELECT u."userId"::text AS "userId", p.email, p.name, m."teamId"::text AS "teamId", sum(u.events)::int AS events,
            sum(u.rated)::text AS rated
       FROM (${USAGE_ROWS}) u
       LEFT JOIN "OrganizationUser" p ON p."organizationId" = $6::uuid AND p."userId" = u."userId"
       LEFT JOIN "EntityUser" m ON m."entityId" = $1::uuid AND m."userId" = u."userId"
      GROUP BY u."userId", p.email, p.name, m."teamId"
      ORDER BY sum(u.rated) DESC, u."userId"
      LIMIT $5`,
    entity.id,
    from,
    to,
    entity.timeZone,
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
