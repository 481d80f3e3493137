// The SQL of the metering transaction (see meteringTransaction.ts for the sequence) and the shapes of its rows.
// Three statements: lock the entities, read their state, write everything. Reads and writes pass rows as JSON
// (json_agg / jsonb_to_recordset): one round trip each whatever the number of events.
import type { CreditDrawResult } from './meteringTypes.js';

export interface LockedEntity {
  id: string;
  organizationId: string;
  status: 'active' | 'suspended';
  overagePolicy: 'reject' | 'bill';
  lowBalanceThreshold: string;
  currency: string;
  timeZone: string;
  billingAnchorDay: number;
}

export interface StoredEventRow {
  id: string;
  entityId: string;
  idempotencyKey: string;
  payloadHash: string;
  status: 'accepted' | 'rejected';
  reasonCode: string | null;
  currency: string;
  ratedAmount: string;
  creditsDrawn: string;
  billedLater: string;
  balanceAfter: string | null;
  periodStart: string;
  billedPeriodStart: string;
  occurredAt: string;
  draws: CreditDrawResult[];
}

export interface PeriodRowJson {
  id: string;
  entityId: string;
  start: string;
  end: string;
  status: 'open' | 'closing' | 'closed';
  archived: boolean;
}

export interface StateRow {
  periods: PeriodRowJson[];
  grants: Array<{
    id: string;
    entityId: string;
    remaining: string;
    expiresAt: string | null;
    priority: number;
    createdAt: string;
  }>;
  counters: Array<{ entityId: string; eventType: string; periodStart: string; quantity: string }>;
  members: Array<{
    id: string;
    entityId: string;
    userId: string;
    creditLimit: string | null;
    spends: Array<{ periodStart: string; amount: string; limitReachedAt: string | null }>;
  }>;
  existing: StoredEventRow[];
}

/**
 * Locks the entities in id order (two transactions can never deadlock on them) and re-reads what the rating needs.
 * FOR NO KEY UPDATE: exclusive among the entity lock's holders, but not blocking foreign-key checks of inserts that
 * merely reference the entity (see invoicing/billingPeriodRows.ts lockEntity). $1 the entity ids.
 */
export const LOCK_SQL = `
  SELECT id::text AS id, "organizationId"::text AS "organizationId", status::text AS status,
         "overagePolicy"::text AS "overagePolicy", "lowBalanceThreshold"::text AS "lowBalanceThreshold",
         currency, "timeZone", "billingAnchorDay"
  FROM "Entity"
  WHERE id = ANY($1::uuid[]) AND "deletedAt" IS NULL
  ORDER BY id
  FOR NO KEY UPDATE`;

/**
 * The state of the locked entities, one statement:
 *   periods   each entity's BillingPeriod rows from the one holding its earliest event onwards (usually just the open
 *             one; for a late event also the closed rows since), so every event finds the row that holds it
 *   grants    usable credit grants ($2 = now)
 *   counters  tier counters of those periods for the event types sent ($4)
 *   members   the users sent ($5) with their spend in those periods
 *   existing  stored events for the idempotency keys ($6, $7), only when a first attempt found a key taken
 * $1 entity ids and $3 their earliest occurredAt, in the same order.
 */
export const STATE_SQL = `
  WITH periods AS (
    SELECT p.id, p."entityId", p."periodStart", p."periodEnd", p.status, p."eventsArchivedAt"
    FROM unnest($1::uuid[], $3::timestamptz[]) AS r("entityId", "from")
    CROSS JOIN LATERAL (
      SELECT b.id, b."entityId", b."periodStart", b."periodEnd", b.status, b."eventsArchivedAt"
      FROM "BillingPeriod" b
      WHERE b."entityId" = r."entityId"
        AND b."periodStart" >= coalesce(
          (SELECT max(x."periodStart") FROM "BillingPeriod" x
            WHERE x."entityId" = r."entityId" AND x."periodStart" <= r."from"),
          '-infinity'::timestamptz)
    ) p
  )
  SELECT
    (SELECT coalesce(json_agg(json_build_object('id', p.id, 'entityId', p."entityId", 'start', p."periodStart",
              'end', p."periodEnd", 'status', p.status, 'archived', p."eventsArchivedAt" IS NOT NULL)
              ORDER BY p."entityId", p."periodStart"), '[]'::json)
       FROM periods p
    ) AS periods,
    (SELECT coalesce(json_agg(json_build_object('id', g.id, 'entityId', g."entityId", 'remaining', g.remaining::text,
              'expiresAt', g."expiresAt", 'priority', g.priority, 'createdAt', g."createdAt")), '[]'::json)
       FROM "CreditGrant" g
      WHERE g."entityId" = ANY($1::uuid[]) AND g.remaining > 0
        AND (g."expiresAt" IS NULL OR g."expiresAt" > $2::timestamptz)
    ) AS grants,
    (SELECT coalesce(json_agg(json_build_object('entityId', u."entityId", 'eventType', u."eventType",
              'periodStart', u."periodStart", 'quantity', u.quantity::text)), '[]'::json)
       FROM periods p
       JOIN "UsageCounter" u ON u."entityId" = p."entityId" AND u."periodStart" = p."periodStart"
      WHERE u."eventType" = ANY($4::text[])
    ) AS counters,
    (SELECT coalesce(json_agg(json_build_object('id', m.id, 'entityId', m."entityId", 'userId', m."userId",
              'creditLimit', m."creditLimit"::text,
              'spends', (SELECT coalesce(json_agg(json_build_object('periodStart', s."periodStart",
                                  'amount', s.amount::text, 'limitReachedAt', s."limitReachedAt")), '[]'::json)
                           FROM periods p
                           JOIN "UserSpend" s ON s."entityUserId" = m.id AND s."periodStart" = p."periodStart"
                          WHERE p."entityId" = m."entityId"))), '[]'::json)
       FROM "EntityUser" m
      WHERE m."entityId" = ANY($1::uuid[]) AND m."userId" = ANY($5::uuid[]) AND m."deletedAt" IS NULL
    ) AS members,
    (SELECT coalesce(json_agg(json_build_object('id', e.id, 'entityId', e."entityId",
              'idempotencyKey', e."idempotencyKey", 'payloadHash', e."payloadHash", 'status', e.status,
              'reasonCode', e."reasonCode", 'currency', e.currency, 'ratedAmount', e."ratedAmount"::text,
              'creditsDrawn', e."creditsDrawn"::text, 'billedLater', e."billedLater"::text,
              'balanceAfter', e."balanceAfter"::text, 'periodStart', e."periodStart",
              'billedPeriodStart', e."billedPeriodStart", 'occurredAt', e."occurredAt", 'draws', e.draws)), '[]'::json)
       FROM unnest($6::uuid[], $7::text[]) AS k("entityId", key)
       CROSS JOIN LATERAL (
         SELECT * FROM "MarketplaceEvent" x WHERE x."entityId" = k."entityId" AND x."idempotencyKey" = k.key LIMIT 1
       ) e
    ) AS existing`;

/**
 * Everything the transaction writes, one statement of data-modifying CTEs: $1 now, then JSON arrays of
 * $2 events, $3 consume ledger entries, $4 grant draws, $5 counter increments, $6 spend increments, $7 invoice items
 * (billed-later usage), $8 outbox rows, $9 new billing periods. Grant updates are guarded (remaining >= drawn): the
 * caller compares "grantsUpdated" with the draws it sent.
 */
export const WRITE_SQL = `
  WITH
  bp AS (
    INSERT INTO "BillingPeriod" ("id", "entityId", "periodStart", "periodEnd", "workflowId", "createdAt", "updatedAt")
    SELECT x.id, x."entityId", x."periodStart", x."periodEnd", x."workflowId", $1::timestamptz, $1::timestamptz
    FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, "entityId" uuid, "periodStart" timestamptz,
      "periodEnd" timestamptz, "workflowId" text)
    RETURNING 1),
  ev AS (
    INSERT INTO "MarketplaceEvent" ("id", "entityId", "userId", "eventType", "quantity", "occurredAt", "receivedAt",
      "idempotencyKey", "payloadHash", "properties", "status", "reasonCode", "currency", "ratedAmount", "creditsDrawn",
      "billedLater", "balanceAfter", "periodStart", "billedPeriodStart", "usageBefore", "priceId", "draws",
      "createdAt")
    SELECT x.id, x."entityId", x."userId", x."eventType", x.quantity, x."occurredAt", $1::timestamptz,
      x."idempotencyKey", x."payloadHash", x.properties, x.status::"EventStatus", x."reasonCode", x.currency,
      x."ratedAmount", x."creditsDrawn", x."billedLater", x."balanceAfter", x."periodStart", x."billedPeriodStart",
      x."usageBefore", x."priceId", x.draws, $1::timestamptz
    FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, "entityId" uuid, "userId" uuid, "eventType" text,
      quantity numeric, "occurredAt" timestamptz, "idempotencyKey" text, "payloadHash" text, properties jsonb,
      status text, "reasonCode" text, currency text, "ratedAmount" numeric, "creditsDrawn" numeric,
      "billedLater" numeric, "balanceAfter" numeric, "periodStart" timestamptz, "billedPeriodStart" timestamptz,
      "usageBefore" numeric, "priceId" uuid, draws jsonb)),
  le AS (
    INSERT INTO "LedgerEntry" ("id", "entityId", "grantId", "eventId", "kind", "amount", "currency", "description",
      "idempotencyKey", "createdAt")
    SELECT x.id, x."entityId", x."grantId", x."eventId", 'consume'::"LedgerKind", x.amount, x.currency,
      x.description, x."idempotencyKey", $1::timestamptz
    FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, "entityId" uuid, "grantId" uuid, "eventId" uuid,
      amount numeric, currency text, description text, "idempotencyKey" text)
    RETURNING 1),
  gu AS (
    UPDATE "CreditGrant" g SET remaining = g.remaining - x.drawn, "updatedAt" = $1::timestamptz
    FROM jsonb_to_recordset($4::jsonb) AS x(id uuid, drawn numeric)
    WHERE g.id = x.id AND g.remaining >= x.drawn
    RETURNING 1),
  uc AS (
    INSERT INTO "UsageCounter" ("id", "entityId", "eventType", "periodStart", "periodEnd", "quantity", "amount",
      "updatedAt")
    SELECT x.id, x."entityId", x."eventType", x."periodStart", x."periodEnd", x.quantity, x.amount, $1::timestamptz
    FROM jsonb_to_recordset($5::jsonb) AS x(id uuid, "entityId" uuid, "eventType" text, "periodStart" timestamptz,
      "periodEnd" timestamptz, quantity numeric, amount numeric)
    ON CONFLICT ("entityId", "eventType", "periodStart") DO UPDATE
      SET quantity = "UsageCounter".quantity + EXCLUDED.quantity, amount = "UsageCounter".amount + EXCLUDED.amount,
          "updatedAt" = EXCLUDED."updatedAt"
    RETURNING 1),
  us AS (
    INSERT INTO "UserSpend" ("id", "entityUserId", "periodStart", "periodEnd", "amount", "limitReachedAt", "updatedAt")
    SELECT x.id, x."entityUserId", x."periodStart", x."periodEnd", x.amount, x."limitReachedAt", $1::timestamptz
    FROM jsonb_to_recordset($6::jsonb) AS x(id uuid, "entityUserId" uuid, "periodStart" timestamptz,
      "periodEnd" timestamptz, amount numeric, "limitReachedAt" timestamptz)
    ON CONFLICT ("entityUserId", "periodStart") DO UPDATE
      SET amount = "UserSpend".amount + EXCLUDED.amount,
          "limitReachedAt" = coalesce("UserSpend"."limitReachedAt", EXCLUDED."limitReachedAt"),
          "updatedAt" = EXCLUDED."updatedAt"
    RETURNING 1),
  ii AS (
    INSERT INTO "InvoiceItem" ("id", "entityId", "eventId", "kind", "description", "quantity", "amount", "currency",
      "periodStart", "periodEnd", "idempotencyKey", "createdAt")
    SELECT x.id, x."entityId", x."eventId", 'usage'::"InvoiceItemKind", x.description, x.quantity, x.amount,
      x.currency, x."periodStart", x."periodEnd", x."idempotencyKey", $1::timestamptz
    FROM jsonb_to_recordset($7::jsonb) AS x(id uuid, "entityId" uuid, "eventId" uuid, description text,
      quantity numeric, amount numeric, currency text, "periodStart" timestamptz, "periodEnd" timestamptz,
      "idempotencyKey" text)
    RETURNING 1),
  wh AS (
    INSERT INTO "WebhookEvent" ("id", "organizationId", "entityId", "type", "payload", "idempotencyKey", "createdAt")
    SELECT x.id, x."organizationId", x."entityId", x.type, x.payload, x."idempotencyKey", $1::timestamptz
    FROM jsonb_to_recordset($8::jsonb) AS x(id uuid, "organizationId" uuid, "entityId" uuid, type text,
      payload jsonb, "idempotencyKey" text)
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING id)
  SELECT (SELECT count(*)::int FROM gu) AS "grantsUpdated",
         (SELECT coalesce(json_agg(id::text), '[]'::json) FROM wh) AS "webhookEventIds"`;
