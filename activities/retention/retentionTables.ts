// What the retention run archives and deletes, table by table: which of an organization's rows have expired, the UTC
// day each is archived under, what must hold for a row to be deleted, and what an archived event leaves behind.
//
// Never here: invoices, their lines and items, ledger entries, payments, credit grants, billing periods, tier
// counters, user spend, subscriptions and their changes (domain/retentionPolicy.ts, financialRecordDays).
//
// Every delete takes the archived lines of one batch and deletes only the rows still equal to their line (a row that
// changed since it was archived, e.g. a webhook delivery sent again, stays, and the next run archives it again), in
// one statement: each batch is its own short transaction, and a batch run twice deletes nothing twice.
import type { RetentionPeriodName } from '../../domain/retentionPolicy.js';
import { unchangedSql } from './archiveRows.js';

export type ArchivedTable =
  | 'MarketplaceEvent'
  | 'WebhookAttempt'
  | 'WebhookDelivery'
  | 'WebhookEvent'
  | 'IdempotencyRecord'
  | 'AuditLog';

/** Archive and delete in this order: rows before the rows they reference. */
export const ARCHIVE_ORDER: readonly ArchivedTable[] = [
  'MarketplaceEvent',
  'WebhookAttempt',
  'WebhookDelivery',
  'WebhookEvent',
  'IdempotencyRecord',
  'AuditLog',
];

/** Restore in this order: referenced rows first. */
export const RESTORE_ORDER: readonly ArchivedTable[] = [
  'WebhookEvent',
  'WebhookDelivery',
  'WebhookAttempt',
  'MarketplaceEvent',
  'IdempotencyRecord',
  'AuditLog',
];

export interface TableSpec {
  table: ArchivedTable;
  period: RetentionPeriodName;
  /** FROM ... WHERE ... of the organization's expired rows (alias t); $1 the organization, $2 the cutoff. */
  expired: string;
  /** The timestamp whose UTC day the row is archived under. */
  dayColumn: string;
  /** More conditions a row must meet to be deleted (alias t). */
  deleteGuard?: string;
}

const ENDED = `('delivered', 'dead')`;

export const TABLES: Record<ArchivedTable, TableSpec> = {
  // An event expires with the billing period whose invoice billed it: that period is closed (its invoice composed
  // from the events) and marked archived (metering refuses events of it from then on), and ended before the cutoff.
  MarketplaceEvent: {
    table: 'MarketplaceEvent',
    period: 'rawEventDays',
    expired: `"MarketplaceEvent" t
      JOIN "BillingPeriod" bp ON bp."entityId" = t."entityId" AND bp."periodStart" = t."billedPeriodStart"
      WHERE t."entityId" IN (SELECT id FROM "Entity" WHERE "organizationId" = $1::uuid)
        AND bp.status = 'closed' AND bp."eventsArchivedAt" IS NOT NULL AND bp."periodEnd" <= $2::timestamptz`,
    dayColumn: 't."occurredAt"',
  },
  // A delivery's attempts, once the delivery ended, archived under their outbox row's day.
  WebhookAttempt: {
    table: 'WebhookAttempt',
    period: 'webhookAttemptDays',
    expired: `"WebhookAttempt" t
      JOIN "WebhookDelivery" d ON d.id = t."deliveryId"
      JOIN "WebhookEvent" w ON w.id = d."webhookEventId"
      WHERE w."organizationId" = $1::uuid AND w."createdAt" < $2::timestamptz AND d.status IN ${ENDED}`,
    dayColumn: 'w."createdAt"',
  },
  // The deliveries of an outbox row that is archived (below), under its day.
  WebhookDelivery: {
    table: 'WebhookDelivery',
    period: 'webhookPayloadDays',
    expired: `"WebhookDelivery" t
      JOIN "WebhookEvent" w ON w.id = t."webhookEventId"
      WHERE w."organizationId" = $1::uuid AND w."createdAt" < $2::timestamptz AND w."dispatchedAt" IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM "WebhookDelivery" o WHERE o."webhookEventId" = w.id AND o.status NOT IN ${ENDED})`,
    dayColumn: 'w."createdAt"',
    deleteGuard: `NOT EXISTS (SELECT 1 FROM "WebhookAttempt" a WHERE a."deliveryId" = t.id)`,
  },
  // An outbox row (the payload), once dispatched and every delivery of it ended.
  WebhookEvent: {
    table: 'WebhookEvent',
    period: 'webhookPayloadDays',
    expired: `"WebhookEvent" t
      WHERE t."organizationId" = $1::uuid AND t."createdAt" < $2::timestamptz AND t."dispatchedAt" IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM "WebhookDelivery" o WHERE o."webhookEventId" = t.id AND o.status NOT IN ${ENDED})`,
    dayColumn: 't."createdAt"',
    deleteGuard: `NOT EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."webhookEventId" = t.id)`,
  },
  // Stored Idempotency-Key responses (the bootstrap key's, which belong to no organization, are kept).
  IdempotencyRecord: {
    table: 'IdempotencyRecord',
    period: 'idempotencyRecordDays',
    expired: `"IdempotencyRecord" t WHERE t."organizationId" = $1::uuid AND t."createdAt" < $2::timestamptz`,
    dayColumn: 't."createdAt"',
  },
  AuditLog: {
    table: 'AuditLog',
    period: 'auditLogDays',
    expired: `"AuditLog" t WHERE t."organizationId" = $1::uuid AND t."createdAt" < $2::timestamptz`,
    dayColumn: 't."createdAt"',
  },
};

/** The UTC days (YYYY-MM-DD) holding the organization's expired rows of the table, oldest first. */
export const expiredDaysSql = (spec: TableSpec) =>
  `SELECT DISTINCT to_char(${spec.dayColumn} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM ${spec.expired} ORDER BY 1`;

/** Ids of the expired rows of one day ($3, a UTC midnight), in id order. */
export const expiredIdsOfDaySql = (spec: TableSpec) =>
  `SELECT t.id::text AS id FROM ${spec.expired}
     AND ${spec.dayColumn} >= $3::timestamptz AND ${spec.dayColumn} < $3::timestamptz + interval '1 day'
   ORDER BY t.id`;

// An archived event's money lives on in totals, in the statement that deletes it: per (entity, period, billing
// period, event type, user, day in the entity's time zone) for the counters, invoiced usage and analytics, and per
// consume ledger entry for its draws. The day uses the entity's time zone, which the API does not let change, so a
// restore finds the same totals to take the restored events out of.
const USAGE_KEY = `"entityId", "periodStart", "billedPeriodStart", "eventType", "userId", "day"`;
const usageTotals = (rows: string) => `
  SELECT r."entityId", r."periodStart", r."billedPeriodStart", r."eventType", r."userId",
         (r."occurredAt" AT TIME ZONE e."timeZone")::date AS day, count(*)::int AS events, sum(r.quantity) AS quantity,
         sum(r."ratedAmount") AS "ratedAmount", sum(r."creditsDrawn") AS "creditsDrawn",
         sum(r."billedLater") AS "billedLater", min(r."occurredAt") AS "firstOccurredAt",
         max(r."occurredAt") AS "lastOccurredAt"
  FROM ${rows} r JOIN "Entity" e ON e.id = r."entityId"
  WHERE r.status = 'accepted'
  GROUP BY 1, 2, 3, 4, 5, 6`;
const drawTotals = (rows: string) => `
  SELECT (x->>'ledgerEntryId')::uuid AS "ledgerEntryId", (x->>'grantId')::uuid AS "grantId",
         sum((x->>'amount')::numeric) AS amount, count(*)::int AS events
  FROM ${rows} r CROSS JOIN LATERAL jsonb_array_elements(r.draws) AS x
  WHERE r.status = 'accepted'
  GROUP BY 1, 2`;

const EVENT_PURGE_CTES = `,
  usage AS (
    INSERT INTO "ArchivedUsage" AS a (${USAGE_KEY}, "events", "quantity", "ratedAmount", "creditsDrawn", "billedLater",
      "firstOccurredAt", "lastOccurredAt")
    ${usageTotals('d')}
    ON CONFLICT (${USAGE_KEY}) DO UPDATE SET
      events = a.events + EXCLUDED.events, quantity = a.quantity + EXCLUDED.quantity,
      "ratedAmount" = a."ratedAmount" + EXCLUDED."ratedAmount",
      "creditsDrawn" = a."creditsDrawn" + EXCLUDED."creditsDrawn",
      "billedLater" = a."billedLater" + EXCLUDED."billedLater",
      "firstOccurredAt" = least(a."firstOccurredAt", EXCLUDED."firstOccurredAt"),
      "lastOccurredAt" = greatest(a."lastOccurredAt", EXCLUDED."lastOccurredAt")
    RETURNING 1),
  draws AS (
    INSERT INTO "ArchivedDraw" AS a ("ledgerEntryId", "grantId", "amount", "events")
    ${drawTotals('d')}
    ON CONFLICT ("ledgerEntryId") DO UPDATE SET amount = a.amount + EXCLUDED.amount, events = a.events + EXCLUDED.events
    RETURNING 1)`;

/** Deletes the rows of a batch of archived lines ($1, a JSON array) that are unchanged; answers `deleted`. */
export function purgeSql(spec: TableSpec): string {
  return `
  WITH l AS (SELECT x FROM jsonb_array_elements($1::jsonb) AS l(x)),
  d AS (
    DELETE FROM "${spec.table}" t USING l
    WHERE t.id = (l.x->>'id')::uuid AND ${unchangedSql('t', 'l.x')}${spec.deleteGuard ? ` AND ${spec.deleteGuard}` : ''}
    RETURNING t.*)${spec.table === 'MarketplaceEvent' ? EVENT_PURGE_CTES : ''}
  SELECT count(*)::int AS deleted FROM d`;
}

/** For restored events (the CTE `ins`): take them out of the totals again, in the statement that inserts them. */
export const EVENT_RESTORE_CTES = `,
  usage AS (
    UPDATE "ArchivedUsage" a SET events = a.events - s.events, quantity = a.quantity - s.quantity,
      "ratedAmount" = a."ratedAmount" - s."ratedAmount", "creditsDrawn" = a."creditsDrawn" - s."creditsDrawn",
      "billedLater" = a."billedLater" - s."billedLater"
    FROM (${usageTotals('ins')}) s
    WHERE (a."entityId", a."periodStart", a."billedPeriodStart", a."eventType", a."userId", a.day)
        = (s."entityId", s."periodStart", s."billedPeriodStart", s."eventType", s."userId", s.day)
    RETURNING 1),
  draws AS (
    UPDATE "ArchivedDraw" a SET amount = a.amount - s.amount, events = a.events - s.events
    FROM (${drawTotals('ins')}) s
    WHERE a."ledgerEntryId" = s."ledgerEntryId"
    RETURNING 1)`;

/** After a restore batch of events ($1, the lines): totals left with no events are removed. */
export const EVENT_RESTORE_CLEANUP = [
  `DELETE FROM "ArchivedUsage" WHERE events <= 0
     AND "entityId" IN (SELECT DISTINCT (x->>'entityId')::uuid FROM jsonb_array_elements($1::jsonb) AS l(x))`,
  `DELETE FROM "ArchivedDraw" WHERE events <= 0 AND "ledgerEntryId" IN (
     SELECT (d->>'ledgerEntryId')::uuid FROM jsonb_array_elements($1::jsonb) AS l(x)
     CROSS JOIN LATERAL jsonb_array_elements(x->'draws') AS d)`,
];

/**
 * Marks the closed periods that ended before the cutoff ($2) as archived ($3, the run's instant), under the row locks
 * of their entities (taken in id order, as metering takes them): a metering transaction either finished before (its
 * events are in the archive) or sees the mark and refuses events of those periods.
 */
export const MARK_PERIODS_ARCHIVED_SQL = `
  WITH due AS (
    SELECT DISTINCT b."entityId" FROM "BillingPeriod" b JOIN "Entity" e ON e.id = b."entityId"
    WHERE e."organizationId" = $1::uuid AND b.status = 'closed' AND b."periodEnd" <= $2::timestamptz
      AND b."eventsArchivedAt" IS NULL
  ), locked AS (
    SELECT e.id FROM "Entity" e WHERE e.id IN (SELECT "entityId" FROM due) ORDER BY e.id FOR NO KEY UPDATE
  )
  UPDATE "BillingPeriod" b SET "eventsArchivedAt" = $3::timestamptz, "updatedAt" = now()
  FROM locked
  WHERE b."entityId" = locked.id AND b.status = 'closed' AND b."periodEnd" <= $2::timestamptz
    AND b."eventsArchivedAt" IS NULL`;
