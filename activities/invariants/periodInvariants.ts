// The invariants of billing periods and of what they bill, checked set-wise (part of checkInvariants.ts):
//   period_tiling    each entity's BillingPeriod rows tile its time: every row ends after it starts, starts where the
//                    previous one ends, and no row is closed after a row that is still open
//   event_period     every event lies in the row its periodStart names ([start, end) holds occurredAt), and is billed
//                    by that row or a later one (billedPeriodStart)
//   usage_counters   every tier counter equals the quantity and amount of its period's accepted events of its type
//                    (live events plus the totals of archived ones, ArchivedUsage)
//   event_invoiced   every closed period's invoice bills exactly its events: the usage lines (also late usage) sum,
//                    before rounding, to the rated amounts of the accepted events it bills, archived ones included; a
//                    period closed without an invoice bills none
//   archived_usage   archived events' totals belong to a period that is closed and marked archived (eventsArchivedAt),
//                    and are positive counts
import type { Db } from '../db.js';

type Row = Record<string, unknown>;

export interface PeriodViolation {
  rule: 'period_tiling' | 'event_period' | 'usage_counters' | 'event_invoiced' | 'archived_usage';
  ids: string[];
  detail: string;
}

export async function checkPeriodInvariants(db: Db, org: string | null): Promise<PeriodViolation[]> {
  const violations: PeriodViolation[] = [];

  const tiling = await db.$queryRaw<Row[]>`
    WITH rows AS (
      SELECT b.id, b."entityId", b."periodStart", b."periodEnd", b.status,
             lag(b."periodEnd") OVER w AS "previousEnd", lag(b.status) OVER w AS "previousStatus"
      FROM "BillingPeriod" b JOIN "Entity" e ON e.id = b."entityId"
      WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
      WINDOW w AS (PARTITION BY b."entityId" ORDER BY b."periodStart")
    )
    SELECT id, "entityId", "periodStart", "periodEnd", "previousEnd", status::text AS status,
           "previousStatus"::text AS "previousStatus"
    FROM rows
    WHERE "periodEnd" <= "periodStart"
       OR ("previousEnd" IS NOT NULL AND "previousEnd" <> "periodStart")
       OR ("previousStatus" IS NOT NULL AND "previousStatus" <> 'closed' AND status = 'closed')`;
  for (const r of tiling) {
    violations.push({
      rule: 'period_tiling',
      ids: [String(r.entityId), String(r.id)],
      detail: `period [${iso(r.periodStart)}, ${iso(r.periodEnd)}) ${String(r.status)} after one ending ${iso(r.previousEnd)} (${String(r.previousStatus)})`,
    });
  }

  const misplaced = await db.$queryRaw<Row[]>`
    SELECT ev.id, ev."occurredAt", ev."periodStart", ev."billedPeriodStart", b."periodEnd", bb.id AS "billedId"
    FROM "MarketplaceEvent" ev
    JOIN "Entity" e ON e.id = ev."entityId"
    LEFT JOIN "BillingPeriod" b ON b."entityId" = ev."entityId" AND b."periodStart" = ev."periodStart"
    LEFT JOIN "BillingPeriod" bb ON bb."entityId" = ev."entityId" AND bb."periodStart" = ev."billedPeriodStart"
    WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
      AND (b.id IS NULL OR ev."occurredAt" < b."periodStart" OR ev."occurredAt" >= b."periodEnd"
           OR bb.id IS NULL OR ev."billedPeriodStart" < ev."periodStart")`;
  for (const r of misplaced) {
    violations.push({
      rule: 'event_period',
      ids: [String(r.id)],
      detail:
        r.periodEnd === null
          ? `no period starts at the event's periodStart ${iso(r.periodStart)}`
          : r.billedId === null
            ? `no period starts at the event's billedPeriodStart ${iso(r.billedPeriodStart)}`
            : `occurred ${iso(r.occurredAt)}, outside its period [${iso(r.periodStart)}, ${iso(r.periodEnd)}) or billed before it`,
    });
  }

  const counters = await db.$queryRaw<Row[]>`
    WITH sums AS (
      SELECT x."entityId", x."eventType", x."periodStart", sum(x.quantity) AS quantity, sum(x.amount) AS amount
      FROM (
        SELECT ev."entityId", ev."eventType", ev."periodStart", ev.quantity, ev."ratedAmount" AS amount
        FROM "MarketplaceEvent" ev JOIN "Entity" e ON e.id = ev."entityId"
        WHERE ev.status = 'accepted' AND (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
        UNION ALL
        SELECT a."entityId", a."eventType", a."periodStart", a.quantity, a."ratedAmount"
        FROM "ArchivedUsage" a JOIN "Entity" e ON e.id = a."entityId"
        WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
      ) x
      GROUP BY 1, 2, 3
    ), counters AS (
      SELECT u.id, u."entityId", u."eventType", u."periodStart", u.quantity, u.amount
      FROM "UsageCounter" u JOIN "Entity" e ON e.id = u."entityId"
      WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    )
    SELECT coalesce(c."entityId", s."entityId") AS "entityId", coalesce(c."eventType", s."eventType") AS "eventType",
           coalesce(c."periodStart", s."periodStart") AS "periodStart", c.id,
           coalesce(c.quantity, 0)::text AS "counterQuantity", coalesce(s.quantity, 0)::text AS "eventQuantity",
           coalesce(c.amount, 0)::text AS "counterAmount", coalesce(s.amount, 0)::text AS "eventAmount"
    FROM counters c FULL JOIN sums s
      ON s."entityId" = c."entityId" AND s."eventType" = c."eventType" AND s."periodStart" = c."periodStart"
    WHERE coalesce(c.quantity, 0) <> coalesce(s.quantity, 0) OR coalesce(c.amount, 0) <> coalesce(s.amount, 0)`;
  for (const r of counters) {
    violations.push({
      rule: 'usage_counters',
      ids: [String(r.entityId), ...(r.id ? [String(r.id)] : [])],
      detail: `${String(r.eventType)} from ${iso(r.periodStart)}: counter ${String(r.counterQuantity)} units / ${String(r.counterAmount)}, events ${String(r.eventQuantity)} units / ${String(r.eventAmount)}`,
    });
  }

  const invoiced = await db.$queryRaw<Row[]>`
    WITH closed AS (
      SELECT b.id, b."entityId", b."periodStart", b."invoiceId"
      FROM "BillingPeriod" b JOIN "Entity" e ON e.id = b."entityId"
      WHERE b.status = 'closed' AND (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
    ), billed AS (
      SELECT c.id, coalesce(sum(x.rated), 0) AS rated, coalesce(sum(x.events), 0)::int AS events
      FROM closed c
      LEFT JOIN (
        SELECT ev."entityId", ev."billedPeriodStart", ev."ratedAmount" AS rated, 1 AS events
        FROM "MarketplaceEvent" ev WHERE ev.status = 'accepted'
        UNION ALL
        SELECT a."entityId", a."billedPeriodStart", a."ratedAmount", a.events FROM "ArchivedUsage" a
      ) x ON x."entityId" = c."entityId" AND x."billedPeriodStart" = c."periodStart"
      GROUP BY c.id
    ), lines AS (
      SELECT c.id, coalesce(sum((l.metadata->>'unroundedAmount')::numeric), 0) AS amount
      FROM closed c
      LEFT JOIN "InvoiceLine" l ON l."invoiceId" = c."invoiceId"
        AND (l.metadata->>'reference' LIKE 'usage:%' OR l.metadata->>'reference' LIKE 'late-usage:%')
      GROUP BY c.id
    )
    SELECT c.id, c."invoiceId", b.rated::text AS rated, b.events, l.amount::text AS lines
    FROM closed c JOIN billed b ON b.id = c.id JOIN lines l ON l.id = c.id
    WHERE b.rated <> l.amount OR (c."invoiceId" IS NULL AND b.events > 0)`;
  for (const r of invoiced) {
    violations.push({
      rule: 'event_invoiced',
      ids: [String(r.id), ...(r.invoiceId ? [String(r.invoiceId)] : [])],
      detail: `the period bills ${String(r.events)} accepted events rated ${String(r.rated)}, its invoice's usage lines sum to ${String(r.lines)}`,
    });
  }

  const archived = await db.$queryRaw<Row[]>`
    SELECT a."entityId", a."eventType", a."billedPeriodStart", a.events, b.status::text AS status, b."eventsArchivedAt"
    FROM "ArchivedUsage" a JOIN "Entity" e ON e.id = a."entityId"
    LEFT JOIN "BillingPeriod" b ON b."entityId" = a."entityId" AND b."periodStart" = a."billedPeriodStart"
    WHERE (${org}::uuid IS NULL OR e."organizationId" = ${org}::uuid)
      AND (b.id IS NULL OR b.status <> 'closed' OR b."eventsArchivedAt" IS NULL OR a.events <= 0)`;
  for (const r of archived) {
    violations.push({
      rule: 'archived_usage',
      ids: [String(r.entityId)],
      detail:
        Number(r.events) <= 0
          ? `archived ${String(r.eventType)} totals of ${String(r.events)} events`
          : `archived events billed from ${iso(r.billedPeriodStart)}, a period that is ${r.status === null ? 'missing' : `${String(r.status)}${r.eventsArchivedAt === null ? ', not marked archived' : ''}`}`,
    });
  }
  return violations;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
