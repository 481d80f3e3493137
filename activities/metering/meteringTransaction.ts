// One metering transaction over one or more entities, on a plain `pg` connection (see activities/db.ts for why not
// Prisma), four round trips plus COMMIT, every statement with its values as parameters:
//   1. BEGIN (with the tenant and the planner settings), then lock the entities in id order (meteringSql.ts LOCK_SQL)
//        every balance change of an entity (events, purchases, grants, transfers) and every change of its billing
//        periods (open, close, anchor change) holds this row lock, so all of them are serialized per entity
//   2. one SELECT of the state (STATE_SQL): billing periods, usable grants, tier counters, members and their spend,
//        and, when a first attempt found a key taken, the stored events for the idempotency keys
//   3. rating, limits and draw-down in memory (rateEntityEvents.ts)
//   4. one statement of data-modifying CTEs fed with JSON (WRITE_SQL)
// The lock must be its own statement: in READ COMMITTED a statement's snapshot is taken when it starts, so reading
// the state in the statement that waited for the lock could see balances from before the previous holder committed.
//
// Idempotency: nearly every event is new, so a transaction first assumes all of its are: it does not look stored
// events up (one probe of the idempotency index per event, about a sixth of Postgres's work per batch event,
// bench/README.md), and inserts them with a plain INSERT. If a key was taken, the unique index on (entityId,
// idempotencyKey) refuses the row (23505 on that constraint): the transaction is rolled back and done again, this time
// reading the stored events for its keys under the entity lock first. Not ON CONFLICT DO NOTHING: it probes the
// unique index once more per row before inserting, about a tenth of Postgres's work per event (bench/README.md).
//
// Every writer of CreditGrant.remaining holds the entity's row lock (this path, activities/credits/*, the expiry
// activity). Grant updates are relative and guarded (remaining >= drawn); a guard failure aborts and retries.
import type { EventPricer } from '../../domain/eventPricer.js';
import type { Db } from '../db.js';
import { tenantSettingSql } from '../tenantDb.js';
import { buildEntityStates } from './entityState.js';
import type { PreparedEvent } from './eventInput.js';
import type { CachedEntity } from './meteringContext.js';
import { LOCK_SQL, type LockedEntity, STATE_SQL, type StateRow, WRITE_SQL } from './meteringSql.js';
import { type EventOutcome, invalid } from './meteringTypes.js';
import { emptyWrites, writeParameters } from './meteringWrites.js';
import { rateEntityEvents } from './rateEntityEvents.js';

export interface EntityGroup {
  entity: CachedEntity;
  pricer: EventPricer;
  events: PreparedEvent[];
  /** The entity's test clock time, when it has one: the transaction's `now` for it. */
  now?: Date;
}

export interface GroupResult {
  outcomes: Map<number, EventOutcome>;
  webhookEventIds: string[];
}

class GrantChangedError extends Error {}

/**
 * An event of the transaction was refused for a reason that can arise after it was stored (its user left the entity,
 * its price was removed): it may be a repeat of a stored event, which must get its stored outcome. Rare, so the first
 * attempt does not look keys up; this sends the transaction round again with the lookup.
 */
class StoredEventLookupNeeded extends Error {}
const MAY_HIDE_A_STORED_EVENT: ReadonlySet<string> = new Set([
  'NOT_A_MEMBER',
  'UNKNOWN_EVENT_TYPE',
  'CURRENCY_MISMATCH',
  'INVALID_PRICE_DEFINITION',
  'BEFORE_FIRST_PERIOD',
  // A restored archive brings its events back into a period marked archived: a repeat of one gets its outcome.
  'PERIOD_ARCHIVED',
]);

const pgErrorCode = (error: unknown) => (error as { code?: unknown })?.code;

/** The event insert hit a stored event's key (a replay, or a conflicting reuse of the key). */
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

/** Commits the groups' events in one transaction, retrying conflicts (at most four attempts). */
export async function processWithRetry(pool: Db['pg'], groups: EntityGroup[], now: Date): Promise<GroupResult> {
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
      const storedEventFound = isTakenIdempotencyKey(error) || error instanceof StoredEventLookupNeeded;
      if (attempt >= 4 || !(storedEventFound || isRetryable(error))) throw error;
      if (storedEventFound) lookUpStoredEvents = true;
    } finally {
      client.removeListener('error', onConnectionError);
      client.release(broken);
    }
  }
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
  const organizationId = (groups[0] as EntityGroup).entity.organizationId;
  if (groups.some((g) => g.entity.organizationId !== organizationId)) {
    throw new Error("metering: a transaction is one organization's");
  }

  // 1. BEGIN and lock the entities, in id order.
  // Every read and write of the transaction goes through an index by key, so its plans are fixed: the generic plan,
  // made once per connection, instead of re-planning each execution (about a quarter of Postgres's CPU per single
  // event), and never a sequential scan. A plan made while MarketplaceEvent was small (a fresh database, statistics
  // minutes behind a table growing by thousands of rows a second) otherwise kept scanning the whole table for the
  // idempotency lookup, once per transaction: three times the CPU per event (bench/README.md).
  // The transaction runs as the entities' organization (row-level security, activities/tenantDb.ts), set in the same
  // message as BEGIN: no extra round trip.
  await client.query(
    `BEGIN; ${tenantSettingSql(organizationId)}; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off`,
  );
  const lockedById = new Map((await sql<LockedEntity>('metering_lock', LOCK_SQL, [ids])).map((row) => [row.id, row]));

  const active: Array<{ group: EntityGroup; locked: LockedEntity; earliest: Date }> = [];
  for (const group of groups) {
    const locked = lockedById.get(group.entity.id);
    // Deleted, or (never, with the organization-scoped cache) another organization's: not found either way.
    if (!locked || locked.organizationId !== group.entity.organizationId) {
      for (const e of group.events)
        outcomes.set(e.index, invalid(e.input, 404, 'ENTITY_NOT_FOUND', 'entity not found'));
      continue;
    }
    let earliest = now;
    for (const e of group.events) if (e.occurredAt < earliest) earliest = e.occurredAt;
    active.push({ group, locked, earliest });
  }
  if (active.length === 0) return { outcomes, webhookEventIds: [] };

  // 2. The state of every locked entity, in one query.
  const allEvents = active.flatMap((a) => a.group.events);
  const state = (
    await sql<StateRow>('metering_state_v4', STATE_SQL, [
      active.map((a) => a.locked.id),
      now,
      active.map((a) => a.earliest),
      [...new Set(allEvents.map((e) => e.input.eventType))],
      [...new Set(allEvents.map((e) => e.input.userId.toLowerCase()))],
      lookUpStoredEvents ? active.flatMap((a) => a.group.events.map(() => a.locked.id)) : [],
      lookUpStoredEvents ? active.flatMap((a) => a.group.events.map((e) => e.input.idempotencyKey)) : [],
    ])
  )[0] as StateRow;
  const states = buildEntityStates(
    active.map((a) => a.locked),
    state,
  );

  // 3. Rate, limit and draw, event by event in input order, per entity.
  const writes = emptyWrites();
  for (const a of active) rateEntityEvents(a.group, states.get(a.locked.id)!, now, writes, outcomes);
  if (!lookUpStoredEvents) {
    for (const o of outcomes.values()) {
      if (o.status === 'invalid' && MAY_HIDE_A_STORED_EVENT.has(o.code)) throw new StoredEventLookupNeeded();
    }
  }
  if (writes.events.length === 0) return { outcomes, webhookEventIds: [] };

  // 4. Write everything in one statement.
  const { parameters, grantUpdates } = writeParameters(writes, states.values());
  const written = (
    await sql<{ grantsUpdated: number; webhookEventIds: string[] }>('metering_write_v5', WRITE_SQL, [
      now,
      ...parameters,
    ])
  )[0];
  if (!written) throw new Error('metering: the write statement returned no row');
  if (written.grantsUpdated !== grantUpdates) {
    throw new GrantChangedError('a credit grant changed outside the entity lock; retrying');
  }
  return { outcomes, webhookEventIds: written.webhookEventIds };
}
