// The metering hot path: rate marketplace events, draw them from prepaid credits (or bill the shortfall later) and
// answer at once. See "Hot path: metering" in ../shared/ARCHITECTURE.md and "Metering and credits" in README.md.
//
// One transaction per entity (a single event, or all of one entity's events in a batch), four round trips, on a
// plain `pg` connection (see meteringPool.ts for why not Prisma):
//   1. BEGIN; SELECT ... FROM "Entity" FOR UPDATE   serializes every balance change of the entity (and re-reads its status,
//                                            policy, threshold, currency and schedule authoritatively)
//   2. one SELECT of the state               stored events for the idempotency keys (with their draws), usable grants,
//                                            the period's tier counters, the members and their period spend
//   3. rating, limits and draw-down in memory, with domain/ (EventPricer, planDrawdown, periodContaining)
//   4. one INSERT/UPDATE statement            events, ledger entries, grant balances, counters, spend, invoice items
//                                            and outbox rows, as data-modifying CTEs fed with JSON
// plus COMMIT. The lock must be its own statement: in READ COMMITTED a statement's snapshot is taken when it
// starts, so reading the state in the statement that waited for the lock could see balances from before the
// previous holder committed.
//
// Idempotency: under the entity lock the stored event for (entity, idempotency key) is looked up first; a repeat with
// the same payload hash returns the stored outcome (replayed: true), another payload is IDEMPOTENCY_KEY_CONFLICT.
// The unique index on (entityId, idempotencyKey) stays the backstop: a violation aborts and the group is retried.
//
// Every writer of CreditGrant.remaining must hold the entity's row lock (this file, activities/credits/*, the expiry
// activity). Grant updates are relative and guarded (remaining >= drawn); a guard failure aborts and retries.
import type { Decimal } from 'decimal.js';
import pLimit from 'p-limit';
import { type BillingPeriod, periodContaining } from '../../domain/billingPeriods.js';
import { availableCredits, type CreditGrantBalance, planDrawdown } from '../../domain/creditDrawdown.js';
import { isBillingDomainError } from '../../domain/errors.js';
import type { EventPricer } from '../../domain/eventPricer.js';
import { BillingDecimal, Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { type CachedEntity, meteringEntity, meteringPricer } from './meteringContext.js';
import { eventPayloadHash } from './eventPayloadHash.js';
import { type MeteringPool, meteringPool } from './meteringPool.js';
import { balanceCrossings, type OutboxRow } from './outboxRows.js';
import { uuidv7 } from './uuidv7.js';

export const MAX_BATCH_SIZE = 1000;
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
  /** Entity groups of a batch processed at once (each holds one connection). */
  concurrency?: number;
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
  const now = options.now ?? new Date();
  const outcomes: EventOutcome[] = new Array(inputs.length);
  const groups = new Map<string, PreparedEvent[]>();
  inputs.forEach((input, index) => {
    const prepared = prepare(input, index, now);
    if ('status' in prepared) {
      outcomes[index] = prepared;
      return;
    }
    const group = groups.get(input.entityId);
    if (group) group.push(prepared);
    else groups.set(input.entityId, [prepared]);
  });

  const webhookEventIds: string[] = [];
  const limit = pLimit(options.concurrency ?? 4);
  await Promise.all(
    [...groups.entries()].map(([entityId, events]) =>
      limit(async () => {
        const entity = await meteringEntity(db, organizationId, entityId);
        if (!entity) {
          for (const e of events) outcomes[e.index] = invalid(e.input, 404, 'ENTITY_NOT_FOUND', 'entity not found');
          return;
        }
        const pricer = await meteringPricer(db, entity);
        const result = await processEntityGroupWithRetry(meteringPool(db), entity, pricer, events, now);
        for (const [index, outcome] of result.outcomes) outcomes[index] = outcome;
        webhookEventIds.push(...result.webhookEventIds);
      }),
    ),
  );
  return { outcomes, webhookEventIds };
}

// ───────────────────────────── one entity's events, under its lock ─────────────────────────────

interface GroupResult {
  outcomes: Map<number, EventOutcome>;
  webhookEventIds: string[];
}

class GrantChangedError extends Error {}

function isRetryable(error: unknown): boolean {
  if (error instanceof GrantChangedError) return true;
  const code = (error as { code?: unknown })?.code;
  // unique_violation (a concurrent writer that skipped the entity lock), serialization failure, deadlock
  return code === '23505' || code === '40001' || code === '40P01';
}

/** Runs parameterized SQL on the transaction's connection and returns the rows. */
type Sql = <T>(text: string, params: unknown[]) => Promise<T[]>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function processEntityGroupWithRetry(
  pool: MeteringPool,
  entity: CachedEntity,
  pricer: EventPricer,
  events: PreparedEvent[],
  now: Date,
): Promise<GroupResult> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken = false;
    try {
      const sql: Sql = async <T>(text: string, params: unknown[]) => (await client.query(text, params)).rows as T[];
      const result = await processEntityGroup(client, sql, entity, pricer, events, now);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      if (attempt >= 3 || !isRetryable(error)) throw error;
    } finally {
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
  grants: Array<{ id: string; remaining: string; expiresAt: string | null; priority: number; createdAt: string }>;
  counters: Array<{ eventType: string; periodStart: string; quantity: string }>;
  members: Array<{
    id: string;
    userId: string;
    creditLimit: string | null;
    spends: Array<{ periodStart: string; amount: string; limitReachedAt: string | null }>;
  }>;
  existing: StoredEventRow[];
}

const LOCK_ENTITY_SQL = `
  SELECT id::text AS id, "organizationId"::text AS "organizationId", status::text AS status,
         "overagePolicy"::text AS "overagePolicy", "lowBalanceThreshold"::text AS "lowBalanceThreshold",
         currency, "timeZone", "billingAnchorDay"
  FROM "Entity" WHERE id = $1::uuid AND "organizationId" = $2::uuid AND "deletedAt" IS NULL
  FOR UPDATE`;

const STATE_SQL = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('id', g.id, 'remaining', g.remaining::text, 'expiresAt', g."expiresAt",
              'priority', g.priority, 'createdAt', g."createdAt")), '[]'::json)
       FROM "CreditGrant" g
      WHERE g."entityId" = $1::uuid AND g.remaining > 0 AND (g."expiresAt" IS NULL OR g."expiresAt" > $2::timestamptz)
    ) AS grants,
    (SELECT coalesce(json_agg(json_build_object('eventType', u."eventType", 'periodStart', u."periodStart",
              'quantity', u.quantity::text)), '[]'::json)
       FROM "UsageCounter" u
      WHERE u."entityId" = $1::uuid AND u."periodStart" = ANY($3::timestamptz[]) AND u."eventType" = ANY($4::text[])
    ) AS counters,
    (SELECT coalesce(json_agg(json_build_object('id', m.id, 'userId', m."userId", 'creditLimit', m."creditLimit"::text,
              'spends', (SELECT coalesce(json_agg(json_build_object('periodStart', s."periodStart",
                                  'amount', s.amount::text, 'limitReachedAt', s."limitReachedAt")), '[]'::json)
                           FROM "UserSpend" s
                          WHERE s."entityUserId" = m.id AND s."periodStart" = ANY($3::timestamptz[])))), '[]'::json)
       FROM "EntityUser" m
      WHERE m."entityId" = $1::uuid AND m."userId" = ANY($5::uuid[]) AND m."deletedAt" IS NULL
    ) AS members,
    (SELECT coalesce(json_agg(json_build_object('id', e.id, 'idempotencyKey', e."idempotencyKey",
              'payloadHash', e."payloadHash", 'status', e.status, 'reasonCode', e."reasonCode", 'currency', e.currency,
              'ratedAmount', e."ratedAmount"::text, 'creditsDrawn', e."creditsDrawn"::text,
              'billedLater', e."billedLater"::text, 'balanceAfter', e."balanceAfter"::text,
              'periodStart', e."periodStart", 'occurredAt', e."occurredAt",
              'draws', (SELECT coalesce(json_agg(json_build_object('grantId', l."grantId", 'amount', (-l.amount)::text)
                                                 ORDER BY l.id), '[]'::json)
                          FROM "LedgerEntry" l WHERE l."eventId" = e.id AND l.kind = 'consume'))), '[]'::json)
       FROM "MarketplaceEvent" e
      WHERE e."entityId" = $1::uuid AND e."idempotencyKey" = ANY($6::text[])
    ) AS existing`;

const WRITE_SQL = `
  WITH
  ev AS (
    INSERT INTO "MarketplaceEvent" ("id", "entityId", "userId", "eventType", "quantity", "occurredAt", "receivedAt",
      "idempotencyKey", "payloadHash", "properties", "status", "reasonCode", "currency", "ratedAmount", "creditsDrawn",
      "billedLater", "balanceAfter", "periodStart", "createdAt")
    SELECT x.id, $1::uuid, x."userId", x."eventType", x.quantity, x."occurredAt", $2::timestamptz, x."idempotencyKey",
      x."payloadHash", x.properties, x.status::"EventStatus", x."reasonCode", $3, x."ratedAmount", x."creditsDrawn",
      x."billedLater", x."balanceAfter", x."periodStart", $2::timestamptz
    FROM jsonb_to_recordset($4::jsonb) AS x(id uuid, "userId" uuid, "eventType" text, quantity numeric,
      "occurredAt" timestamptz, "idempotencyKey" text, "payloadHash" text, properties jsonb, status text,
      "reasonCode" text, "ratedAmount" numeric, "creditsDrawn" numeric, "billedLater" numeric, "balanceAfter" numeric,
      "periodStart" timestamptz)
    RETURNING 1),
  le AS (
    INSERT INTO "LedgerEntry" ("id", "entityId", "grantId", "eventId", "kind", "amount", "currency", "description",
      "idempotencyKey", "createdAt")
    SELECT x.id, $1::uuid, x."grantId", x."eventId", 'consume'::"LedgerKind", x.amount, $3, x.description,
      x."idempotencyKey", $2::timestamptz
    FROM jsonb_to_recordset($5::jsonb) AS x(id uuid, "grantId" uuid, "eventId" uuid, amount numeric, description text,
      "idempotencyKey" text)
    RETURNING 1),
  gu AS (
    UPDATE "CreditGrant" g SET remaining = g.remaining - x.drawn, "updatedAt" = $2::timestamptz
    FROM jsonb_to_recordset($6::jsonb) AS x(id uuid, drawn numeric)
    WHERE g.id = x.id AND g."entityId" = $1::uuid AND g.remaining >= x.drawn
    RETURNING 1),
  uc AS (
    INSERT INTO "UsageCounter" ("id", "entityId", "eventType", "periodStart", "periodEnd", "quantity", "amount",
      "updatedAt")
    SELECT x.id, $1::uuid, x."eventType", x."periodStart", x."periodEnd", x.quantity, x.amount, $2::timestamptz
    FROM jsonb_to_recordset($7::jsonb) AS x(id uuid, "eventType" text, "periodStart" timestamptz,
      "periodEnd" timestamptz, quantity numeric, amount numeric)
    ON CONFLICT ("entityId", "eventType", "periodStart") DO UPDATE
      SET quantity = "UsageCounter".quantity + EXCLUDED.quantity, amount = "UsageCounter".amount + EXCLUDED.amount,
          "updatedAt" = EXCLUDED."updatedAt"
    RETURNING 1),
  us AS (
    INSERT INTO "UserSpend" ("id", "entityUserId", "periodStart", "periodEnd", "amount", "limitReachedAt", "updatedAt")
    SELECT x.id, x."entityUserId", x."periodStart", x."periodEnd", x.amount, x."limitReachedAt", $2::timestamptz
    FROM jsonb_to_recordset($8::jsonb) AS x(id uuid, "entityUserId" uuid, "periodStart" timestamptz,
      "periodEnd" timestamptz, amount numeric, "limitReachedAt" timestamptz)
    ON CONFLICT ("entityUserId", "periodStart") DO UPDATE
      SET amount = "UserSpend".amount + EXCLUDED.amount,
          "limitReachedAt" = coalesce("UserSpend"."limitReachedAt", EXCLUDED."limitReachedAt"),
          "updatedAt" = EXCLUDED."updatedAt"
    RETURNING 1),
  ii AS (
    INSERT INTO "InvoiceItem" ("id", "entityId", "eventId", "kind", "description", "quantity", "amount", "currency",
      "periodStart", "periodEnd", "idempotencyKey", "createdAt")
    SELECT x.id, $1::uuid, x."eventId", 'usage'::"InvoiceItemKind", x.description, x.quantity, x.amount, $3,
      x."periodStart", x."periodEnd", x."idempotencyKey", $2::timestamptz
    FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, "eventId" uuid, description text, quantity numeric,
      amount numeric, "periodStart" timestamptz, "periodEnd" timestamptz, "idempotencyKey" text)
    RETURNING 1),
  wh AS (
    INSERT INTO "WebhookEvent" ("id", "organizationId", "entityId", "type", "payload", "idempotencyKey", "createdAt")
    SELECT x.id, x."organizationId", x."entityId", x.type, x.payload, x."idempotencyKey", $2::timestamptz
    FROM jsonb_to_recordset($10::jsonb) AS x(id uuid, "organizationId" uuid, "entityId" uuid, type text,
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

const iso = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d).toISOString();

function replayOutcome(row: StoredEventRow, entityId: string): StoredEventOutcome {
  const m = (v: string) => Money.of(v, row.currency).toString();
  return {
    status: row.status,
    replayed: true,
    eventId: row.id,
    entityId,
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

async function processEntityGroup(
  client: { query(text: string): Promise<unknown> },
  sql: Sql,
  cached: CachedEntity,
  pricer: EventPricer,
  events: PreparedEvent[],
  now: Date,
): Promise<GroupResult> {
  const outcomes = new Map<number, EventOutcome>();
  // BEGIN and the lock in one round trip (simple protocol, so the ids are inlined: both are UUIDs read from the
  // database, checked again here).
  if (!UUID.test(cached.id) || !UUID.test(cached.organizationId)) throw new Error('metering: malformed entity id');
  const begun = (await client.query(
    `BEGIN; ${LOCK_ENTITY_SQL.replace('$1', `'${cached.id}'`).replace('$2', `'${cached.organizationId}'`)}`,
  )) as Array<{ rows: LockedEntity[] }>;
  const locked = begun[1]?.rows[0];
  if (!locked) {
    for (const e of events) outcomes.set(e.index, invalid(e.input, 404, 'ENTITY_NOT_FOUND', 'entity not found'));
    return { outcomes, webhookEventIds: [] };
  }
  const currency = locked.currency;
  const schedule = { anchorDay: locked.billingAnchorDay, timeZone: locked.timeZone, interval: 'month' as const };
  const current = periodContaining(now, schedule);
  const periodOf = (at: Date): BillingPeriod =>
    at >= current.start && at < current.end ? current : periodContaining(at, schedule);

  const periods = new Map<number, BillingPeriod>();
  const eventPeriods = events.map((e) => {
    const p = periodOf(e.occurredAt);
    if (p.start >= current.start) periods.set(p.start.getTime(), p);
    return p;
  });

  const state = (
    await sql<StateRow>(STATE_SQL, [
      locked.id,
      now,
      [...periods.values()].map((p) => p.start),
      [...new Set(events.map((e) => e.input.eventType))],
      [...new Set(events.map((e) => e.input.userId.toLowerCase()))],
      [...new Set(events.map((e) => e.input.idempotencyKey))],
    ])
  )[0] as StateRow;

  // In-memory state, updated event by event in input order.
  let grants: CreditGrantBalance[] = state.grants.map((g) => ({
    id: g.id,
    remaining: new BillingDecimal(g.remaining),
    expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt),
    priority: g.priority,
    createdAt: new Date(g.createdAt),
  }));
  const drawnByGrant = new Map<string, Decimal>();
  const counters = new Map<string, CounterState>();
  for (const c of state.counters) {
    const start = new Date(c.periodStart);
    const period = periods.get(start.getTime());
    if (!period) continue;
    counters.set(`${c.eventType}\u0000${start.getTime()}`, {
      id: uuidv7(),
      eventType: c.eventType,
      period,
      quantity: new BillingDecimal(c.quantity),
      deltaQuantity: new BillingDecimal(0),
      deltaAmount: new BillingDecimal(0),
    });
  }
  const members = new Map<string, MemberState>();
  for (const m of state.members) {
    const spends = new Map<number, SpendState>();
    for (const s of m.spends) {
      const start = new Date(s.periodStart);
      const period = periods.get(start.getTime());
      if (!period) continue;
      spends.set(start.getTime(), {
        id: uuidv7(),
        entityUserId: m.id,
        period,
        amount: new BillingDecimal(s.amount),
        delta: new BillingDecimal(0),
        limitReachedAt: s.limitReachedAt === null ? null : new Date(s.limitReachedAt),
        newLimitReachedAt: null,
      });
    }
    members.set(m.userId.toLowerCase(), {
      id: m.id,
      userId: m.userId,
      creditLimit: m.creditLimit === null ? null : new BillingDecimal(m.creditLimit),
      spends,
    });
  }
  const existing = new Map(state.existing.map((row) => [row.idempotencyKey, row]));
  const seen = new Map<string, { hash: string; outcome: StoredEventOutcome }>();

  const eventRows: unknown[] = [];
  const ledgerRows: unknown[] = [];
  const invoiceRows: unknown[] = [];
  const outbox: OutboxRow[] = [];
  const outboxKeys = new Set<string>();
  const emit = (row: OutboxRow) => {
    if (outboxKeys.has(row.idempotencyKey)) return;
    outboxKeys.add(row.idempotencyKey);
    outbox.push(row);
  };
  const money = (d: Decimal) => Money.of(d, currency).toString();
  const threshold = new BillingDecimal(locked.lowBalanceThreshold);

  events.forEach((event, i) => {
    const { input, quantity, occurredAt, hash } = event;
    const key = input.idempotencyKey;

    // 1. Idempotency: a stored event (or an earlier one of this batch) answers for its key.
    const previous = seen.get(key);
    if (previous) {
      outcomes.set(
        event.index,
        previous.hash === hash
          ? { ...previous.outcome, replayed: true }
          : invalid(input, 409, 'IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used with another payload'),
      );
      return;
    }
    const stored = existing.get(key);
    if (stored) {
      outcomes.set(
        event.index,
        stored.payloadHash === hash
          ? replayOutcome(stored, locked.id)
          : invalid(input, 409, 'IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used with another payload'),
      );
      return;
    }

    // 2. Request errors: nothing is written for these.
    const period = eventPeriods[i] as BillingPeriod;
    if (period.start < current.start) {
      outcomes.set(
        event.index,
        invalid(input, 422, 'PERIOD_CLOSED', "occurredAt is before the entity's current billing period"),
      );
      return;
    }
    const member = members.get(input.userId.toLowerCase());
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

    // 3. Rating, limits, draw-down.
    const eventId = uuidv7();
    const asOf = occurredAt > now ? occurredAt : now;
    const balanceBefore = availableCredits(grants, asOf);
    const counterKey = `${input.eventType}\u0000${period.start.getTime()}`;
    let counter = counters.get(counterKey);
    if (!counter) {
      counter = {
        id: uuidv7(),
        eventType: input.eventType,
        period,
        quantity: new BillingDecimal(0),
        deltaQuantity: new BillingDecimal(0),
        deltaAmount: new BillingDecimal(0),
      };
      counters.set(counterKey, counter);
    }
    let spend = member.spends.get(period.start.getTime());
    if (!spend) {
      spend = {
        id: uuidv7(),
        entityUserId: member.id,
        period,
        amount: new BillingDecimal(0),
        delta: new BillingDecimal(0),
        limitReachedAt: null,
        newLimitReachedAt: null,
      };
      member.spends.set(period.start.getTime(), spend);
    }
    const limitReached = (s: SpendState) => {
      if (s.limitReachedAt !== null || s.newLimitReachedAt !== null || member.creditLimit === null) return;
      s.newLimitReachedAt = now;
      emit({
        id: uuidv7(),
        organizationId: locked.organizationId,
        entityId: locked.id,
        type: 'user.credit_limit_reached',
        idempotencyKey: `user.credit_limit_reached:${member.id}:${period.start.toISOString()}`,
        payload: {
          type: 'user.credit_limit_reached',
          entityId: locked.id,
          organizationId: locked.organizationId,
          userId: member.userId,
          creditLimit: money(member.creditLimit),
          spent: money(s.amount),
          currency,
          periodStart: period.start.toISOString(),
          periodEnd: period.end.toISOString(),
          eventId,
          occurredAt: occurredAt.toISOString(),
        },
      });
    };

    let status: 'accepted' | 'rejected' = 'accepted';
    let code: RejectionCode | null = null;
    let rated = new BillingDecimal(0);
    let draws: Array<{ grantId: string; amount: Decimal }> = [];
    let drawn = new BillingDecimal(0);
    let billedLater = new BillingDecimal(0);

    if (locked.status === 'suspended') {
      status = 'rejected';
      code = 'ENTITY_SUSPENDED';
    } else {
      rated = pricer.rate(input.eventType, quantity, counter.quantity).amount.amount;
      if (member.creditLimit !== null && rated.greaterThan(0) && spend.amount.plus(rated).greaterThan(member.creditLimit)) {
        status = 'rejected';
        code = 'USER_CREDIT_LIMIT_EXCEEDED';
        limitReached(spend);
      } else if (rated.greaterThan(0)) {
        const plan = planDrawdown(grants, rated, asOf);
        if (plan.shortfall.greaterThan(0) && locked.overagePolicy === 'reject') {
          status = 'rejected';
          code = 'INSUFFICIENT_CREDITS';
        } else {
          draws = plan.draws.map((d) => ({ grantId: d.grantId, amount: d.amount }));
          drawn = plan.drawn;
          billedLater = plan.shortfall;
          const after = new Map(plan.draws.map((d) => [d.grantId, d.remainingAfter]));
          grants = grants.map((g) => (after.has(g.id) ? { ...g, remaining: after.get(g.id) as Decimal } : g));
        }
      } else if (rated.lessThan(0)) {
        // Volume pricing: crossing into a cheaper tier lowers the period's total; the difference is credited on the
        // next invoice (credits already drawn are not refunded).
        billedLater = rated;
      }
    }

    if (status === 'accepted') {
      counter.quantity = counter.quantity.plus(quantity);
      counter.deltaQuantity = counter.deltaQuantity.plus(quantity);
      counter.deltaAmount = counter.deltaAmount.plus(rated);
      spend.amount = spend.amount.plus(rated);
      spend.delta = spend.delta.plus(rated);
      if (member.creditLimit !== null && spend.amount.greaterThanOrEqualTo(member.creditLimit)) limitReached(spend);
      for (const d of draws) {
        drawnByGrant.set(d.grantId, (drawnByGrant.get(d.grantId) ?? new BillingDecimal(0)).plus(d.amount));
        ledgerRows.push({
          id: uuidv7(),
          grantId: d.grantId,
          eventId,
          amount: d.amount.negated().toFixed(),
          description: `${input.eventType} x ${quantity.toFixed()}`,
          idempotencyKey: `consume:${eventId}:${d.grantId}`,
        });
      }
      if (!billedLater.isZero()) {
        invoiceRows.push({
          id: uuidv7(),
          eventId,
          description: billedLater.isNegative()
            ? `${input.eventType}: volume tier adjustment`
            : `${input.eventType} x ${quantity.toFixed()} not covered by credits`,
          quantity: quantity.toFixed(),
          amount: billedLater.toFixed(),
          periodStart: period.start.toISOString(),
          periodEnd: period.end.toISOString(),
          idempotencyKey: `usage:${eventId}`,
        });
      }
      if (billedLater.greaterThan(0)) {
        emit({
          id: uuidv7(),
          organizationId: locked.organizationId,
          entityId: locked.id,
          type: 'billing.overage',
          idempotencyKey: `billing.overage:${locked.id}:${period.start.toISOString()}`,
          payload: {
            type: 'billing.overage',
            entityId: locked.id,
            organizationId: locked.organizationId,
            currency,
            billedLater: money(billedLater),
            periodStart: period.start.toISOString(),
            periodEnd: period.end.toISOString(),
            eventId,
            occurredAt: occurredAt.toISOString(),
          },
        });
      }
    }

    const balanceAfter = availableCredits(grants, asOf);
    for (const row of balanceCrossings(
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
    )) {
      emit(row);
    }

    eventRows.push({
      id: eventId,
      userId: member.userId,
      eventType: input.eventType,
      quantity: quantity.toFixed(),
      occurredAt: occurredAt.toISOString(),
      idempotencyKey: key,
      payloadHash: hash,
      properties: input.properties ?? {},
      status,
      reasonCode: code,
      ratedAmount: rated.toFixed(),
      creditsDrawn: drawn.toFixed(),
      billedLater: billedLater.toFixed(),
      balanceAfter: balanceAfter.toFixed(),
      periodStart: period.start.toISOString(),
    });
    const outcome: StoredEventOutcome = {
      status,
      replayed: false,
      eventId,
      entityId: locked.id,
      idempotencyKey: key,
      code,
      currency,
      ratedAmount: money(rated),
      creditsDrawn: money(drawn),
      draws: draws.map((d) => ({ grantId: d.grantId, amount: money(d.amount) })),
      billedLater: money(billedLater),
      balanceAfter: money(balanceAfter),
      periodStart: period.start.toISOString(),
      occurredAt: occurredAt.toISOString(),
    };
    seen.set(key, { hash, outcome });
    outcomes.set(event.index, outcome);
  });

  if (eventRows.length === 0) return { outcomes, webhookEventIds: [] };

  const grantUpdates = [...drawnByGrant.entries()].map(([id, d]) => ({ id, drawn: d.toFixed() }));
  const counterRows = [...counters.values()]
    .filter((c) => !c.deltaQuantity.isZero())
    .map((c) => ({
      id: c.id,
      eventType: c.eventType,
      periodStart: c.period.start.toISOString(),
      periodEnd: c.period.end.toISOString(),
      quantity: c.deltaQuantity.toFixed(),
      amount: c.deltaAmount.toFixed(),
    }));
  const spendRows = [...members.values()].flatMap((m) =>
    [...m.spends.values()]
      .filter((s) => !s.delta.isZero() || s.newLimitReachedAt !== null)
      .map((s) => ({
        id: s.id,
        entityUserId: s.entityUserId,
        periodStart: s.period.start.toISOString(),
        periodEnd: s.period.end.toISOString(),
        amount: s.delta.toFixed(),
        limitReachedAt: s.newLimitReachedAt?.toISOString() ?? null,
      })),
  );
  const written = (
    await sql<{ grantsUpdated: number; webhookEventIds: string[] }>(WRITE_SQL, [
      locked.id,
      now,
      currency,
      JSON.stringify(eventRows),
      JSON.stringify(ledgerRows),
      JSON.stringify(grantUpdates),
      JSON.stringify(counterRows),
      JSON.stringify(spendRows),
      JSON.stringify(invoiceRows),
      JSON.stringify(outbox),
    ])
  )[0];
  if (!written || written.grantsUpdated !== grantUpdates.length) {
    throw new GrantChangedError('a credit grant changed outside the entity lock; retrying');
  }
  return { outcomes, webhookEventIds: written.webhookEventIds };
}
