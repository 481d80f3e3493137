// The metering hot path: rate marketplace events, draw them from prepaid credits (or bill the shortfall later) and
// answer at once. See "Hot path: metering" in ../shared/ARCHITECTURE.md and "Metering and credits" in README.md.
//
// One transaction per request (a single event, or a batch across its entities; a batch spread over many entities is
// split into transactions of BATCH_ENTITIES_PER_TRANSACTION entities committed side by side), four round trips on a
// plain `pg` connection (see meteringPool.ts for why not Prisma):
//   1. BEGIN; SELECT ... FROM "Entity" ... ORDER BY id FOR UPDATE
//        locks the request's entities in id order (so two batches can never deadlock) and re-reads their status,
//        overage policy, threshold, currency and schedule authoritatively; every balance change of an entity
//        (events, purchases, grants, transfers) holds this row lock, so draws on one entity are serialized
//   2. one SELECT of the state: usable grants, the period's tier counters, the members and their period spend, and
//        (when a first attempt found a key taken, see Idempotency below) the stored events for the idempotency keys
//   3. rating, limits and draw-down in memory, with domain/ (EventPricer, SequentialDrawdown, periodContaining)
//   4. one statement of data-modifying CTEs fed with JSON: events, ledger entries, grant balances, counters, spend,
//        invoice items and outbox rows
// Each event stores its own draws (MarketplaceEvent.draws); the ledger gets one `consume` entry per grant per
// transaction carrying the sum, named by every draw it covers. One ledger row per event was the largest single cost
// of a batch after the event rows themselves (bench/README.md), and says nothing the events' draws do not.
// plus COMMIT. The lock must be its own statement: in READ COMMITTED a statement's snapshot is taken when it
// starts, so reading the state in the statement that waited for the lock could see balances from before the
// previous holder committed. If a multi-entity transaction fails for a reason other than a retryable conflict,
// each entity is retried in a transaction of its own, so one entity's failure cannot hold back the others.
//
// Idempotency: a repeat with the same payload hash returns the stored outcome (replayed: true), another payload is
// IDEMPOTENCY_KEY_CONFLICT. Nearly every event is new, so a transaction first assumes all of its are: it does not look
// stored events up (one probe of the idempotency index per event, about a sixth of Postgres's work per batch event,
// bench/README.md), and inserts them with a plain INSERT. If a key was taken, the unique index on (entityId,
// idempotencyKey) refuses the row (23505 on that constraint): the transaction is rolled back and done again, this time
// reading the stored events for its keys under the entity lock first, in step 2. Not ON CONFLICT DO NOTHING: it probes
// the unique index once more per row before inserting, about a tenth of Postgres's work per event (bench/README.md).
// Either way the unique index decides.
//
// Every writer of CreditGrant.remaining must hold the entity's row lock (this file, activities/credits/*, the expiry
// activity). Grant updates are relative and guarded (remaining >= drawn); a guard failure aborts and retries.
import type { Decimal } from 'decimal.js';
import pLimit from 'p-limit';
import { type BillingPeriod, type BillingSchedule, periodContaining } from '../../domain/billingPeriods.js';
import { type CreditGrantBalance, SequentialDrawdown } from '../../domain/creditDrawdown.js';
import { minorUnitDigits } from '../../domain/currencies.js';
import { isBillingDomainError } from '../../domain/errors.js';
import type { EventPricer } from '../../domain/eventPricer.js';
import { BillingDecimal, formatAmount, Money, padAmount } from '../../domain/money.js';
import type { Db } from '../db.js';
import { eventPayloadHash } from './eventPayloadHash.js';
import { type CachedEntity, meteringEntity, meteringPricer } from './meteringContext.js';
import { type MeteringPool, meteringPool } from './meteringPool.js';
import { balanceCrossings, type OutboxRow } from './outboxRows.js';
import { uuidv7 } from './uuidv7.js';

export const MAX_BATCH_SIZE = 1000;
/**
 * A batch spread over more entities than this is committed in several transactions side by side (see
 * ingestEventsOfOrganizations); bench/README.md has the measurement behind the number.
 */
export const BATCH_ENTITIES_PER_TRANSACTION = 25;
/** occurredAt may be at most this far ahead of the server clock. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Quantities are whole units, 1 .. MAX_QUANTITY (NUMERIC(20,6) holds 14 integer digits). */
export const MAX_QUANTITY = 1_000_000_000;

export interface IngestEventInput {
  entityId: string;
  userId: string;
  eventType: string;
  quantity: number | string;
  /** ISO 8601 instant. */
  occurredAt: string;
  idempotencyKey: string;
  properties: Record<string, unknown>;
}

/** Business rejections: stored, answered with 200 and status `rejected`, replayed identically. */
export type RejectionCode = 'ENTITY_SUSPENDED' | 'INSUFFICIENT_CREDITS' | 'USER_CREDIT_LIMIT_EXCEEDED';

/** Request errors: nothing is written; the single endpoint answers a 4xx problem, a batch an `invalid` outcome. */
export type InvalidEventCode =
  | 'VALIDATION_FAILED'
  | 'ENTITY_NOT_FOUND'
  | 'NOT_A_MEMBER'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_QUANTITY'
  | 'OCCURRED_AT_IN_FUTURE'
  | 'PERIOD_CLOSED'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_PRICE_DEFINITION'
  | 'IDEMPOTENCY_KEY_CONFLICT';

export interface CreditDrawResult {
  grantId: string;
  amount: string;
}

export interface StoredEventOutcome {
  status: 'accepted' | 'rejected';
  /** True when this answer is the stored outcome of an earlier request with the same idempotency key. */
  replayed: boolean;
  eventId: string;
  entityId: string;
  idempotencyKey: string;
  code: RejectionCode | null;
  currency: string;
  /** What the event costs at the period's tier position (for rejected events: what it would have cost). */
  ratedAmount: string;
  creditsDrawn: string;
  draws: CreditDrawResult[];
  /** Billed on the next invoice (overage policy `bill`); negative for a volume-tier discount. */
  billedLater: string;
  /** The entity's usable credit balance after this event. */
  balanceAfter: string | null;
  periodStart: string;
  occurredAt: string;
}

export interface InvalidEventOutcome {
  status: 'invalid';
  httpStatus: 404 | 409 | 422;
  code: InvalidEventCode;
  detail: string;
  entityId: string;
  idempotencyKey: string;
}

export type EventOutcome = StoredEventOutcome | InvalidEventOutcome;

export interface IngestResult {
  /** One per input, in input order. */
  outcomes: EventOutcome[];
  /** Outbox rows committed by this call, to hand to webhook delivery. */
  webhookEventIds: string[];
}

export interface IngestOptions {
  now?: Date;
  /** Entity and price lookups (cache misses) made at once. */
  concurrency?: number;
  /** Split a request over more entities into transactions of this many, committed side by side (default: one). */
  entitiesPerTransaction?: number;
}

interface PreparedEvent {
  index: number;
  input: IngestEventInput;
  quantity: Decimal;
  occurredAt: Date;
  hash: string;
}

export function invalid(
  input: Pick<IngestEventInput, 'entityId' | 'idempotencyKey'>,
  httpStatus: InvalidEventOutcome['httpStatus'],
  code: InvalidEventCode,
  detail: string,
): InvalidEventOutcome {
  return {
    status: 'invalid',
    httpStatus,
    code,
    detail,
    entityId: input.entityId,
    idempotencyKey: input.idempotencyKey,
  };
}

function parseQuantity(raw: number | string): Decimal | null {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 1 || raw > MAX_QUANTITY) return null;
    return new BillingDecimal(raw);
  }
  if (!/^\d{1,10}$/.test(raw)) return null;
  const q = new BillingDecimal(raw);
  return q.greaterThanOrEqualTo(1) && q.lessThanOrEqualTo(MAX_QUANTITY) ? q : null;
}

/** Checks that need no database; returns the prepared event or why it is invalid. */
function prepare(input: IngestEventInput, index: number, now: Date): PreparedEvent | InvalidEventOutcome {
  const quantity = parseQuantity(input.quantity);
  if (quantity === null) {
    return invalid(input, 422, 'INVALID_QUANTITY', `quantity must be a whole number from 1 to ${MAX_QUANTITY}`);
  }
  const occurredAt = new Date(input.occurredAt);
  if (!Number.isFinite(occurredAt.getTime())) {
    return invalid(input, 422, 'VALIDATION_FAILED', 'occurredAt must be an ISO 8601 instant');
  }
  if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return invalid(input, 422, 'OCCURRED_AT_IN_FUTURE', 'occurredAt is more than 5 minutes in the future');
  }
  const hash = eventPayloadHash({
    userId: input.userId,
    eventType: input.eventType,
    quantity: quantity.toFixed(),
    occurredAt,
    properties: input.properties,
  });
  return { index, input, quantity, occurredAt, hash };
}

/** Rates and records events (one, or a batch of mixed entities) for the caller's organization. */
export async function ingestEvents(
  db: Db,
  organizationId: string,
  inputs: readonly IngestEventInput[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const result = await ingestEventsOfOrganizations(
    db,
    inputs.map((input) => ({ organizationId, input })),
    options,
  );
  const failed = result.outcomes.find((o): o is { failed: unknown } => 'failed' in o);
  if (failed) throw failed.failed;
  return { outcomes: result.outcomes as EventOutcome[], webhookEventIds: result.webhookEventIds };
}

export interface OrganizationEvent {
  organizationId: string;
  input: IngestEventInput;
}

/**
 * The general form: events of any organizations (each scoped to its own), in one transaction. Used by ingestEvents
 * and by the single-event coalescer (ingestCoalescer.ts), which commits concurrent requests together. An event whose
 * entity could not be committed (an unexpected error even in a transaction of its own) gets `{ failed }`; everything
 * else is committed.
 */
export async function ingestEventsOfOrganizations(
  db: Db,
  items: readonly OrganizationEvent[],
  options: IngestOptions = {},
): Promise<{ outcomes: Array<EventOutcome | { failed: unknown }>; webhookEventIds: string[] }> {
  const now = options.now ?? new Date();
  const outcomes: Array<EventOutcome | { failed: unknown }> = new Array(items.length);
  const byEntity = new Map<string, { organizationId: string; entityId: string; events: PreparedEvent[] }>();
  items.forEach(({ organizationId, input }, index) => {
    const prepared = prepare(input, index, now);
    if ('status' in prepared) {
      outcomes[index] = prepared;
      return;
    }
    const entityId = input.entityId.toLowerCase();
    const key = `${organizationId}:${entityId}`;
    const group = byEntity.get(key);
    if (group) group.events.push(prepared);
    else byEntity.set(key, { organizationId, entityId, events: [prepared] });
  });

  // Entities and prices come from the in-process cache (meteringContext.ts); only misses touch the database.
  const groups: EntityGroup[] = [];
  const limit = pLimit(options.concurrency ?? 4);
  await Promise.all(
    [...byEntity.values()].map(({ organizationId, entityId, events }) =>
      limit(async () => {
        const entity = UUID.test(entityId) ? await meteringEntity(db, organizationId, entityId) : null;
        if (!entity) {
          for (const e of events) outcomes[e.index] = invalid(e.input, 404, 'ENTITY_NOT_FOUND', 'entity not found');
          return;
        }
        groups.push({ entity, pricer: await meteringPricer(db, entity), events });
      }),
    ),
  );
  if (groups.length === 0) return { outcomes, webhookEventIds: [] };

  // Committed in transactions of at most `entitiesPerTransaction` entities (contiguous in id order), run side by side:
  // a transaction holds its entities' locks until COMMIT, so one transaction over a batch spread across many entities
  // would make every concurrent batch touching any of them wait for all of it.
  const pool = meteringPool(db);
  const perTransaction = Math.max(1, options.entitiesPerTransaction ?? Number.POSITIVE_INFINITY);
  const sorted = groups.sort((a, b) => (a.entity.id < b.entity.id ? -1 : a.entity.id > b.entity.id ? 1 : 0));
  const chunks: EntityGroup[][] = [];
  for (let i = 0; i < sorted.length; i += perTransaction) chunks.push(sorted.slice(i, i + perTransaction));
  const committed = await Promise.all(chunks.map((chunk) => commitGroups(pool, chunk, now, outcomes)));
  return { outcomes, webhookEventIds: committed.flat() };
}

/**
 * Commits the groups in one transaction, or, when that fails for a reason other than a retryable conflict, one
 * transaction per entity, so every entity that can be committed is (a retried request replays the committed events
 * and redoes the rest). Writes each event's outcome (or `{ failed }`) into `outcomes`.
 */
async function commitGroups(
  pool: MeteringPool,
  groups: EntityGroup[],
  now: Date,
  outcomes: Array<EventOutcome | { failed: unknown }>,
): Promise<string[]> {
  const apply = (result: GroupResult) => {
    for (const [index, outcome] of result.outcomes) outcomes[index] = outcome;
    return result.webhookEventIds;
  };
  try {
    return apply(await processWithRetry(pool, groups, now));
  } catch (error) {
    if (groups.length === 1) {
      for (const e of (groups[0] as EntityGroup).events) outcomes[e.index] = { failed: error };
      return [];
    }
  }
  const webhookEventIds: string[] = [];
  for (const group of groups) {
    try {
      webhookEventIds.push(...apply(await processWithRetry(pool, [group], now)));
    } catch (error) {
      for (const e of group.events) outcomes[e.index] = { failed: error };
    }
  }
  return webhookEventIds;
}

// ───────────────────────────── the transaction ─────────────────────────────

interface EntityGroup {
  entity: CachedEntity;
  pricer: EventPricer;
  events: PreparedEvent[];
}

interface GroupResult {
  outcomes: Map<number, EventOutcome>;
  webhookEventIds: string[];
}

class GrantChangedError extends Error {}

const pgErrorCode = (error: unknown) => (error as { code?: unknown })?.code;

/**
 * The event insert hit a stored event's key (a replay, or a conflicting reuse of the key): redo the transaction with
 * the stored events looked up, and answer for them.
 */
const EVENT_IDEMPOTENCY_CONSTRAINT = 'MarketplaceEvent_entityId_idempotencyKey_key';
const isTakenIdempotencyKey = (error: unknown) =>
  pgErrorCode(error) === '23505' && (error as { constraint?: unknown }).constraint === EVENT_IDEMPOTENCY_CONSTRAINT;

function isRetryable(error: unknown): boolean {
  if (error instanceof GrantChangedError) return true;
  const code = pgErrorCode(error);
  // unique_violation (a concurrent writer that skipped the entity lock), serialization failure, deadlock
  return code === '23505' || code === '40001' || code === '40P01';
}

/**
 * Runs a named prepared statement on the transaction's connection and returns the rows. Named, so Postgres parses
 * and plans the two large statements once per connection instead of once per request.
 */
type Sql = <T>(name: string, text: string, params: unknown[]) => Promise<T[]>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function processWithRetry(pool: MeteringPool, groups: EntityGroup[], now: Date): Promise<GroupResult> {
  let lookUpStoredEvents = false;
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken = false;
    // While checked out, the pool no longer listens for the client's errors: a connection dying under us (Postgres
    // restarted, backend terminated) would be an unhandled 'error' event and kill the whole process. The query in
    // flight rejects on its own; here the client is only marked broken so the pool discards it.
    const onConnectionError = () => {
      broken = true;
    };
    client.on('error', onConnectionError);
    try {
      const sql: Sql = async <T>(name: string, text: string, values: unknown[]) =>
        (await client.query({ name, text, values })).rows as T[];
      const result = await processGroups(client, sql, groups, now, lookUpStoredEvents);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const storedEventFound = isTakenIdempotencyKey(error);
      if (attempt >= 4 || !(storedEventFound || isRetryable(error))) throw error;
      if (storedEventFound) lookUpStoredEvents = true;
    } finally {
      client.removeListener('error', onConnectionError);
      client.release(broken);
    }
  }
}

interface LockedEntity {
  id: string;
  organizationId: string;
  status: 'active' | 'suspended';
  overagePolicy: 'reject' | 'bill';
  lowBalanceThreshold: string;
  currency: string;
  timeZone: string;
  billingAnchorDay: number;
}

interface StoredEventRow {
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
  occurredAt: string;
  draws: CreditDrawResult[];
}

interface StateRow {
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

// Ids are inlined (simple protocol, one round trip with BEGIN): every one is checked against UUID first.
const lockEntitiesSql = (ids: string[]) => `
  SELECT id::text AS id, "organizationId"::text AS "organizationId", status::text AS status,
         "overagePolicy"::text AS "overagePolicy", "lowBalanceThreshold"::text AS "lowBalanceThreshold",
         currency, "timeZone", "billingAnchorDay"
  FROM "Entity"
  WHERE id IN (${ids.map((id) => `'${id}'::uuid`).join(', ')}) AND "deletedAt" IS NULL
  ORDER BY id
  FOR UPDATE`;

const STATE_SQL = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('id', g.id, 'entityId', g."entityId", 'remaining', g.remaining::text,
              'expiresAt', g."expiresAt", 'priority', g.priority, 'createdAt', g."createdAt")), '[]'::json)
       FROM "CreditGrant" g
      WHERE g."entityId" = ANY($1::uuid[]) AND g.remaining > 0
        AND (g."expiresAt" IS NULL OR g."expiresAt" > $2::timestamptz)
    ) AS grants,
    (SELECT coalesce(json_agg(json_build_object('entityId', u."entityId", 'eventType', u."eventType",
              'periodStart', u."periodStart", 'quantity', u.quantity::text)), '[]'::json)
       FROM "UsageCounter" u
      WHERE u."entityId" = ANY($1::uuid[]) AND u."periodStart" = ANY($3::timestamptz[])
        AND u."eventType" = ANY($4::text[])
    ) AS counters,
    (SELECT coalesce(json_agg(json_build_object('id', m.id, 'entityId', m."entityId", 'userId', m."userId",
              'creditLimit', m."creditLimit"::text,
              'spends', (SELECT coalesce(json_agg(json_build_object('periodStart', s."periodStart",
                                  'amount', s.amount::text, 'limitReachedAt', s."limitReachedAt")), '[]'::json)
                           FROM "UserSpend" s
                          WHERE s."entityUserId" = m.id AND s."periodStart" = ANY($3::timestamptz[])))), '[]'::json)
       FROM "EntityUser" m
      WHERE m."entityId" = ANY($1::uuid[]) AND m."userId" = ANY($5::uuid[]) AND m."deletedAt" IS NULL
    ) AS members,
    (SELECT coalesce(json_agg(json_build_object('id', e.id, 'entityId', e."entityId",
              'idempotencyKey', e."idempotencyKey", 'payloadHash', e."payloadHash", 'status', e.status,
              'reasonCode', e."reasonCode", 'currency', e.currency, 'ratedAmount', e."ratedAmount"::text,
              'creditsDrawn', e."creditsDrawn"::text, 'billedLater', e."billedLater"::text,
              'balanceAfter', e."balanceAfter"::text, 'periodStart', e."periodStart", 'occurredAt', e."occurredAt",
              'draws', e.draws)), '[]'::json)
       FROM unnest($6::uuid[], $7::text[]) AS k("entityId", key)
       CROSS JOIN LATERAL (
         SELECT * FROM "MarketplaceEvent" x WHERE x."entityId" = k."entityId" AND x."idempotencyKey" = k.key LIMIT 1
       ) e
    ) AS existing`;

const WRITE_SQL = `
  WITH
  ev AS (
    INSERT INTO "MarketplaceEvent" ("id", "entityId", "userId", "eventType", "quantity", "occurredAt", "receivedAt",
      "idempotencyKey", "payloadHash", "properties", "status", "reasonCode", "currency", "ratedAmount", "creditsDrawn",
      "billedLater", "balanceAfter", "periodStart", "draws", "createdAt")
    SELECT x.id, x."entityId", x."userId", x."eventType", x.quantity, x."occurredAt", $1::timestamptz,
      x."idempotencyKey", x."payloadHash", x.properties, x.status::"EventStatus", x."reasonCode", x.currency,
      x."ratedAmount", x."creditsDrawn", x."billedLater", x."balanceAfter", x."periodStart", x.draws, $1::timestamptz
    FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, "entityId" uuid, "userId" uuid, "eventType" text,
      quantity numeric, "occurredAt" timestamptz, "idempotencyKey" text, "payloadHash" text, properties jsonb,
      status text, "reasonCode" text, currency text, "ratedAmount" numeric, "creditsDrawn" numeric,
      "billedLater" numeric, "balanceAfter" numeric, "periodStart" timestamptz, draws jsonb)),
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

interface CounterState {
  id: string;
  eventType: string;
  period: BillingPeriod;
  quantity: Decimal;
  /** P(quantity): the period's usage charge so far at AMOUNT_SCALE (see EventPricer), computed on first use. */
  cumulative: Decimal | null;
  deltaQuantity: Decimal;
  deltaAmount: Decimal;
}

interface SpendState {
  id: string;
  entityUserId: string;
  period: BillingPeriod;
  amount: Decimal;
  delta: Decimal;
  limitReachedAt: Date | null;
  newLimitReachedAt: Date | null;
}

interface MemberState {
  id: string;
  userId: string;
  creditLimit: Decimal | null;
  spends: Map<number, SpendState>;
}

/** What one entity's events see and change during the transaction. */
interface EntityState {
  locked: LockedEntity;
  grants: CreditGrantBalance[];
  counters: Map<string, CounterState>;
  members: Map<string, MemberState>;
  existing: Map<string, StoredEventRow>;
  periods: Map<number, BillingPeriod>;
  /**
   * The grants in draw order as of one instant, with what they still hold, kept current through this transaction's
   * draws; made again when an event needs another instant (occurredAt after `now`).
   */
  drawdown: SequentialDrawdown | null;
}

interface ConsumeEntry {
  id: string;
  entityId: string;
  currency: string;
  drawn: Decimal;
  /** The events that drew on it: the first one's id and description name an entry carrying a single event. */
  events: number;
  firstEventId: string;
  firstDescription: string;
}

/** Rows the one write statement inserts or updates, across all entities of the transaction. */
interface Writes {
  events: unknown[];
  /** The transaction's one consume entry per grant: what its events drew from it. */
  consumeByGrant: Map<string, ConsumeEntry>;
  invoiceItems: unknown[];
  outbox: OutboxRow[];
  outboxKeys: Set<string>;
}

const iso = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d).toISOString();
const zero = () => new BillingDecimal(0);

function replayOutcome(row: StoredEventRow): StoredEventOutcome {
  const m = (v: string) => Money.of(v, row.currency).toString();
  return {
    status: row.status,
    replayed: true,
    eventId: row.id,
    entityId: row.entityId,
    idempotencyKey: row.idempotencyKey,
    code: row.reasonCode as RejectionCode | null,
    currency: row.currency,
    ratedAmount: m(row.ratedAmount),
    creditsDrawn: m(row.creditsDrawn),
    draws: row.draws.map((d) => ({ grantId: d.grantId, amount: m(d.amount) })),
    billedLater: m(row.billedLater),
    balanceAfter: row.balanceAfter === null ? null : m(row.balanceAfter),
    periodStart: iso(row.periodStart),
    occurredAt: iso(row.occurredAt),
  };
}

function priceError(error: unknown): { code: InvalidEventCode; detail: string } | null {
  if (!isBillingDomainError(error)) return null;
  switch (error.code) {
    case 'UNKNOWN_EVENT_TYPE':
      return { code: 'UNKNOWN_EVENT_TYPE', detail: error.message };
    case 'CURRENCY_MISMATCH':
      return { code: 'CURRENCY_MISMATCH', detail: error.message };
    case 'INVALID_PRICE_DEFINITION':
      return { code: 'INVALID_PRICE_DEFINITION', detail: error.message };
    default:
      return null;
  }
}

/**
 * periodContaining(now, schedule), remembered per schedule until `now` leaves the period: the time-zone arithmetic
 * behind it costs more than rating an event, and every transaction needs it for each of its entities. Periods are
 * values; nothing here changes one.
 */
const currentPeriods = new Map<string, BillingPeriod>();
function currentPeriod(now: Date, schedule: BillingSchedule): BillingPeriod {
  const key = `${schedule.interval}:${schedule.anchorDay}:${schedule.timeZone}`;
  const cached = currentPeriods.get(key);
  if (cached && now >= cached.start && now < cached.end) return cached;
  const period = periodContaining(now, schedule);
  if (currentPeriods.size >= 1000) currentPeriods.clear();
  currentPeriods.set(key, period);
  return period;
}

async function processGroups(
  client: { query(text: string): Promise<unknown> },
  sql: Sql,
  groups: EntityGroup[],
  now: Date,
  lookUpStoredEvents: boolean,
): Promise<GroupResult> {
  const outcomes = new Map<number, EventOutcome>();
  const ids = [...new Set(groups.map((g) => g.entity.id))].sort();
  if (!ids.every((id) => UUID.test(id))) throw new Error('metering: malformed id');

  // 1. BEGIN and lock the entities, in id order.
  // Every read and write of the transaction goes through an index by key, so its plans are fixed: the generic plan,
  // made once per connection, instead of re-planning each execution (about a quarter of Postgres's CPU per single
  // event), and never a sequential scan. A plan made while MarketplaceEvent was small (a fresh database, statistics
  // minutes behind a table growing by thousands of rows a second) otherwise kept scanning the whole table for the
  // idempotency lookup, once per transaction: three times the CPU per event (bench/README.md).
  const begun = (await client.query(
    `BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off; ${lockEntitiesSql(ids)}`,
  )) as Array<{ rows: LockedEntity[] }>;
  const lockedById = new Map((begun[3]?.rows ?? []).map((row) => [row.id, row]));

  // Periods: the entity's monthly period containing each event (usually its current one).
  const active: Array<{
    group: EntityGroup;
    locked: LockedEntity;
    current: BillingPeriod;
    eventPeriods: BillingPeriod[];
  }> = [];
  const periodStarts = new Map<number, Date>();
  for (const group of groups) {
    const locked = lockedById.get(group.entity.id);
    // Deleted, or (never, with the organization-scoped cache) another organization's: not found either way.
    if (!locked || locked.organizationId !== group.entity.organizationId) {
      for (const e of group.events)
        outcomes.set(e.index, invalid(e.input, 404, 'ENTITY_NOT_FOUND', 'entity not found'));
      continue;
    }
    const schedule = { anchorDay: locked.billingAnchorDay, timeZone: locked.timeZone, interval: 'month' as const };
    const current = currentPeriod(now, schedule);
    const eventPeriods = group.events.map((e) =>
      e.occurredAt >= current.start && e.occurredAt < current.end ? current : periodContaining(e.occurredAt, schedule),
    );
    for (const p of eventPeriods) if (p.start >= current.start) periodStarts.set(p.start.getTime(), p.start);
    active.push({ group, locked, current, eventPeriods });
  }
  if (active.length === 0) return { outcomes, webhookEventIds: [] };

  // 2. The state of every locked entity, in one query.
  const allEvents = active.flatMap((a) => a.group.events);
  const state = (
    await sql<StateRow>('metering_state_v3', STATE_SQL, [
      active.map((a) => a.locked.id),
      now,
      [...periodStarts.values()],
      [...new Set(allEvents.map((e) => e.input.eventType))],
      [...new Set(allEvents.map((e) => e.input.userId.toLowerCase()))],
      lookUpStoredEvents ? active.flatMap((a) => a.group.events.map(() => a.locked.id)) : [],
      lookUpStoredEvents ? active.flatMap((a) => a.group.events.map((e) => e.input.idempotencyKey)) : [],
    ])
  )[0] as StateRow;

  const states = new Map<string, EntityState>();
  for (const a of active) {
    const periods = new Map<number, BillingPeriod>();
    for (const p of a.eventPeriods) if (p.start >= a.current.start) periods.set(p.start.getTime(), p);
    states.set(a.locked.id, {
      locked: a.locked,
      grants: [],
      counters: new Map(),
      members: new Map(),
      existing: new Map(),
      periods,
      drawdown: null,
    });
  }
  for (const g of state.grants) {
    states.get(g.entityId)?.grants.push({
      id: g.id,
      remaining: new BillingDecimal(g.remaining),
      expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt),
      priority: g.priority,
      createdAt: new Date(g.createdAt),
    });
  }
  for (const c of state.counters) {
    const s = states.get(c.entityId);
    const start = new Date(c.periodStart).getTime();
    const period = s?.periods.get(start);
    if (!s || !period) continue;
    s.counters.set(`${c.eventType}\u0000${start}`, {
      id: uuidv7(),
      eventType: c.eventType,
      period,
      quantity: new BillingDecimal(c.quantity),
      cumulative: null,
      deltaQuantity: zero(),
      deltaAmount: zero(),
    });
  }
  for (const m of state.members) {
    const s = states.get(m.entityId);
    if (!s) continue;
    const spends = new Map<number, SpendState>();
    for (const sp of m.spends) {
      const start = new Date(sp.periodStart).getTime();
      const period = s.periods.get(start);
      if (!period) continue;
      spends.set(start, {
        id: uuidv7(),
        entityUserId: m.id,
        period,
        amount: new BillingDecimal(sp.amount),
        delta: zero(),
        limitReachedAt: sp.limitReachedAt === null ? null : new Date(sp.limitReachedAt),
        newLimitReachedAt: null,
      });
    }
    s.members.set(m.userId.toLowerCase(), {
      id: m.id,
      userId: m.userId,
      creditLimit: m.creditLimit === null ? null : new BillingDecimal(m.creditLimit),
      spends,
    });
  }
  for (const row of state.existing) states.get(row.entityId)?.existing.set(row.idempotencyKey, row);

  // 3. Rate, limit and draw, event by event in input order, per entity.
  const writes: Writes = {
    events: [],
    consumeByGrant: new Map(),
    invoiceItems: [],
    outbox: [],
    outboxKeys: new Set(),
  };
  for (const a of active) {
    rateEntityEvents(a.group, states.get(a.locked.id) as EntityState, a.current, a.eventPeriods, now, writes, outcomes);
  }
  if (writes.events.length === 0) return { outcomes, webhookEventIds: [] };

  // 4. Write everything in one statement.
  const grantUpdates: Array<{ id: string; drawn: string }> = [];
  const ledgerRows: unknown[] = [];
  for (const [grantId, c] of writes.consumeByGrant) {
    grantUpdates.push({ id: grantId, drawn: c.drawn.toFixed() });
    ledgerRows.push({
      id: c.id,
      entityId: c.entityId,
      grantId,
      eventId: c.events === 1 ? c.firstEventId : null,
      amount: c.drawn.negated().toFixed(),
      currency: c.currency,
      description: c.events === 1 ? c.firstDescription : `${c.events} metered events`,
      idempotencyKey: `consume:${c.id}`,
    });
  }
  const counterRows: unknown[] = [];
  const spendRows: unknown[] = [];
  for (const s of states.values()) {
    for (const c of s.counters.values()) {
      if (c.deltaQuantity.isZero()) continue;
      counterRows.push({
        id: c.id,
        entityId: s.locked.id,
        eventType: c.eventType,
        periodStart: c.period.start.toISOString(),
        periodEnd: c.period.end.toISOString(),
        quantity: c.deltaQuantity.toFixed(),
        amount: c.deltaAmount.toFixed(),
      });
    }
    for (const m of s.members.values()) {
      for (const sp of m.spends.values()) {
        if (sp.delta.isZero() && sp.newLimitReachedAt === null) continue;
        spendRows.push({
          id: sp.id,
          entityUserId: sp.entityUserId,
          periodStart: sp.period.start.toISOString(),
          periodEnd: sp.period.end.toISOString(),
          amount: sp.delta.toFixed(),
          limitReachedAt: sp.newLimitReachedAt?.toISOString() ?? null,
        });
      }
    }
  }
  const written = (
    await sql<{ grantsUpdated: number; webhookEventIds: string[] }>('metering_write_v4', WRITE_SQL, [
      now,
      JSON.stringify(writes.events),
      JSON.stringify(ledgerRows),
      JSON.stringify(grantUpdates),
      JSON.stringify(counterRows),
      JSON.stringify(spendRows),
      JSON.stringify(writes.invoiceItems),
      JSON.stringify(writes.outbox),
    ])
  )[0];
  if (!written) throw new Error('metering: the write statement returned no row');
  if (written.grantsUpdated !== grantUpdates.length) {
    throw new GrantChangedError('a credit grant changed outside the entity lock; retrying');
  }
  return { outcomes, webhookEventIds: written.webhookEventIds };
}

function rateEntityEvents(
  group: EntityGroup,
  s: EntityState,
  current: BillingPeriod,
  eventPeriods: BillingPeriod[],
  now: Date,
  writes: Writes,
  outcomes: Map<number, EventOutcome>,
): void {
  const { locked } = s;
  const { pricer } = group;
  const currency = locked.currency;
  const digits = minorUnitDigits(currency);
  const money = (d: Decimal) => formatAmount(d, digits);
  // An amount already printed for storage (toFixed), as the API shows it: the stored text padded to the minor unit.
  const shown = (plain: string) => padAmount(plain, digits);
  const threshold = new BillingDecimal(locked.lowBalanceThreshold);
  // The same few periods for every event: their ISO strings once.
  const isoOf = new Map<BillingPeriod, { start: string; end: string }>();
  const periodIso = (p: BillingPeriod) => {
    let cached = isoOf.get(p);
    if (!cached) {
      cached = { start: p.start.toISOString(), end: p.end.toISOString() };
      isoOf.set(p, cached);
    }
    return cached;
  };
  const seen = new Map<string, { hash: string; outcome: StoredEventOutcome }>();
  const emit = (row: OutboxRow) => {
    if (writes.outboxKeys.has(row.idempotencyKey)) return;
    writes.outboxKeys.add(row.idempotencyKey);
    writes.outbox.push(row);
  };
  const conflict = (input: IngestEventInput) =>
    invalid(input, 409, 'IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used with another payload');
  const limitReached = (
    sp: SpendState,
    member: MemberState,
    period: BillingPeriod,
    eventId: string,
    occurredAt: Date,
  ) => {
    if (sp.limitReachedAt !== null || sp.newLimitReachedAt !== null || member.creditLimit === null) return;
    sp.newLimitReachedAt = now;
    const iso = periodIso(period);
    emit({
      id: uuidv7(),
      organizationId: locked.organizationId,
      entityId: locked.id,
      type: 'user.credit_limit_reached',
      idempotencyKey: `user.credit_limit_reached:${member.id}:${iso.start}`,
      payload: {
        type: 'user.credit_limit_reached',
        entityId: locked.id,
        organizationId: locked.organizationId,
        userId: member.userId,
        creditLimit: money(member.creditLimit),
        spent: money(sp.amount),
        currency,
        periodStart: iso.start,
        periodEnd: iso.end,
        eventId,
        occurredAt: occurredAt.toISOString(),
      },
    });
  };
  // Events at `now` (nearly all) share one drawdown; the grant objects carry every draw into the next one.
  const drawdownAt = (asOf: Date) => {
    if (s.drawdown?.asOf.getTime() !== asOf.getTime()) s.drawdown = new SequentialDrawdown(s.grants, asOf);
    return s.drawdown;
  };

  group.events.forEach((event, i) => {
    const { input, quantity, occurredAt, hash } = event;
    const key = input.idempotencyKey;

    // Idempotency: a stored event (or an earlier one of this batch) answers for its key.
    const previous = seen.get(key);
    if (previous) {
      outcomes.set(event.index, previous.hash === hash ? { ...previous.outcome, replayed: true } : conflict(input));
      return;
    }
    const stored = s.existing.get(key);
    if (stored) {
      outcomes.set(event.index, stored.payloadHash === hash ? replayOutcome(stored) : conflict(input));
      return;
    }

    // Request errors: nothing is written for these.
    const period = eventPeriods[i] as BillingPeriod;
    if (period.start < current.start) {
      outcomes.set(
        event.index,
        invalid(input, 422, 'PERIOD_CLOSED', "occurredAt is before the entity's current billing period"),
      );
      return;
    }
    const member = s.members.get(input.userId.toLowerCase());
    if (!member) {
      outcomes.set(event.index, invalid(input, 422, 'NOT_A_MEMBER', 'the user is not a member of the entity'));
      return;
    }
    try {
      pricer.resolve(input.eventType);
    } catch (error) {
      const mapped = priceError(error);
      if (!mapped) throw error;
      outcomes.set(event.index, invalid(input, 422, mapped.code, mapped.detail));
      return;
    }

    const eventId = uuidv7();
    const asOf = occurredAt > now ? occurredAt : now;
    const drawdown = drawdownAt(asOf);
    const balanceBefore = drawdown.available;
    const iso = periodIso(period);
    const quantityText = quantity.toFixed();
    const counterKey = `${input.eventType}\u0000${period.start.getTime()}`;
    let counter = s.counters.get(counterKey);
    if (!counter) {
      counter = {
        id: uuidv7(),
        eventType: input.eventType,
        period,
        quantity: zero(),
        cumulative: null,
        deltaQuantity: zero(),
        deltaAmount: zero(),
      };
      s.counters.set(counterKey, counter);
    }
    let spend = member.spends.get(period.start.getTime());
    if (!spend) {
      spend = {
        id: uuidv7(),
        entityUserId: member.id,
        period,
        amount: zero(),
        delta: zero(),
        limitReachedAt: null,
        newLimitReachedAt: null,
      };
      member.spends.set(period.start.getTime(), spend);
    }

    let status: 'accepted' | 'rejected' = 'accepted';
    let code: RejectionCode | null = null;
    let rated = zero();
    let draws: Array<{ grantId: string; amount: Decimal }> = [];
    let drawn = zero();
    let billedLater = zero();
    let cumulativeAfter: Decimal | null = null;

    if (locked.status === 'suspended') {
      status = 'rejected';
      code = 'ENTITY_SUSPENDED';
    } else {
      // EventPricer.rate's definition, P(used + q) - P(used), with P(used) carried from the previous event.
      counter.cumulative ??= pricer.periodAmount(input.eventType, counter.quantity);
      cumulativeAfter = pricer.periodAmount(input.eventType, counter.quantity.plus(quantity));
      rated = cumulativeAfter.minus(counter.cumulative);
      const limit = member.creditLimit;
      if (limit !== null && rated.greaterThan(0) && spend.amount.plus(rated).greaterThan(limit)) {
        status = 'rejected';
        code = 'USER_CREDIT_LIMIT_EXCEEDED';
        limitReached(spend, member, period, eventId, occurredAt);
      } else if (rated.greaterThan(0)) {
        const plan = drawdown.plan(rated);
        if (plan.shortfall.greaterThan(0) && locked.overagePolicy === 'reject') {
          status = 'rejected';
          code = 'INSUFFICIENT_CREDITS';
        } else {
          draws = plan.draws;
          drawn = plan.drawn;
          billedLater = plan.shortfall;
          // The grant objects it updates are this transaction's own copies (built from the state query).
          drawdown.apply(plan);
        }
      } else if (rated.lessThan(0)) {
        // Volume pricing: crossing into a cheaper tier lowers the period's total; the difference is credited on the
        // next invoice (credits already drawn are not refunded).
        billedLater = rated;
      }
    }

    const eventDraws: Array<{ grantId: string; amount: string; ledgerEntryId: string }> = [];
    if (status === 'accepted') {
      counter.quantity = counter.quantity.plus(quantity);
      counter.cumulative = cumulativeAfter;
      counter.deltaQuantity = counter.deltaQuantity.plus(quantity);
      counter.deltaAmount = counter.deltaAmount.plus(rated);
      spend.amount = spend.amount.plus(rated);
      spend.delta = spend.delta.plus(rated);
      if (member.creditLimit !== null && spend.amount.greaterThanOrEqualTo(member.creditLimit)) {
        limitReached(spend, member, period, eventId, occurredAt);
      }
      for (const d of draws) {
        let entry = writes.consumeByGrant.get(d.grantId);
        if (!entry) {
          entry = {
            id: uuidv7(),
            entityId: locked.id,
            currency,
            drawn: zero(),
            events: 0,
            firstEventId: eventId,
            firstDescription: `${input.eventType} x ${quantityText}`,
          };
          writes.consumeByGrant.set(d.grantId, entry);
        }
        entry.drawn = entry.drawn.plus(d.amount);
        entry.events += 1;
        eventDraws.push({ grantId: d.grantId, amount: d.amount.toFixed(), ledgerEntryId: entry.id });
      }
      if (!billedLater.isZero()) {
        writes.invoiceItems.push({
          id: uuidv7(),
          entityId: locked.id,
          eventId,
          description: billedLater.isNegative()
            ? `${input.eventType}: volume tier adjustment`
            : `${input.eventType} x ${quantityText} not covered by credits`,
          quantity: quantityText,
          amount: billedLater.toFixed(),
          currency,
          periodStart: iso.start,
          periodEnd: iso.end,
          idempotencyKey: `usage:${eventId}`,
        });
      }
      if (billedLater.greaterThan(0)) {
        emit({
          id: uuidv7(),
          organizationId: locked.organizationId,
          entityId: locked.id,
          type: 'billing.overage',
          idempotencyKey: `billing.overage:${locked.id}:${iso.start}`,
          payload: {
            type: 'billing.overage',
            entityId: locked.id,
            organizationId: locked.organizationId,
            currency,
            billedLater: money(billedLater),
            periodStart: iso.start,
            periodEnd: iso.end,
            eventId,
            occurredAt: occurredAt.toISOString(),
          },
        });
      }
    }

    // Draws come only from grants usable at asOf and never exceed what they hold.
    const balanceAfter = balanceBefore.minus(drawn);
    const crossings = balanceCrossings(
      {
        organizationId: locked.organizationId,
        entityId: locked.id,
        currency,
        threshold,
        before: balanceBefore,
        after: balanceAfter,
        cause: eventId,
        occurredAt,
        details: { eventId },
      },
      uuidv7,
    );
    for (const row of crossings) emit(row);

    const occurredAtIso = occurredAt.toISOString();
    const ratedText = rated.toFixed();
    const drawnText = drawn.toFixed();
    const billedLaterText = billedLater.toFixed();
    const balanceAfterText = balanceAfter.toFixed();
    writes.events.push({
      id: eventId,
      entityId: locked.id,
      userId: member.userId,
      eventType: input.eventType,
      quantity: quantityText,
      occurredAt: occurredAtIso,
      idempotencyKey: key,
      payloadHash: hash,
      properties: input.properties ?? {},
      status,
      reasonCode: code,
      currency,
      ratedAmount: ratedText,
      creditsDrawn: drawnText,
      billedLater: billedLaterText,
      balanceAfter: balanceAfterText,
      periodStart: iso.start,
      draws: eventDraws,
    });
    const outcome: StoredEventOutcome = {
      status,
      replayed: false,
      eventId,
      entityId: locked.id,
      idempotencyKey: key,
      code,
      currency,
      ratedAmount: shown(ratedText),
      creditsDrawn: shown(drawnText),
      draws: eventDraws.map((d) => ({ grantId: d.grantId, amount: shown(d.amount) })),
      billedLater: shown(billedLaterText),
      balanceAfter: shown(balanceAfterText),
      periodStart: iso.start,
      occurredAt: occurredAtIso,
    };
    seen.set(key, { hash, outcome });
    outcomes.set(event.index, outcome);
  });
}
