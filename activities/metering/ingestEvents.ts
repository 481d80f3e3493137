// The metering hot path: rate marketplace events, draw them from prepaid credits (or bill the shortfall later) and
// answer at once. See "Metering and credits" in README.md and docs/architecture.md.
//
// One transaction per request (a single event, or a batch across its entities; a batch spread over many entities is
// split into transactions of BATCH_ENTITIES_PER_TRANSACTION entities committed side by side). The files of this
// folder, in the order an event meets them:
//   eventInput.ts          checks that need no database (quantity, occurredAt) and the payload hash
//   meteringContext.ts     the entity and its prices, cached per process
//   meteringTransaction.ts the transaction: lock, read state, rate, write; retries
//   meteringSql.ts         its three statements
//   entityState.ts         what one entity's events see and change in memory
//   eventPeriods.ts        which billing period an event belongs to and which invoice bills it
//   rateEntityEvents.ts    per event: idempotency, request checks, the decision (domain/meteringDecision.ts), rows
//   meteringWrites.ts      the rows written, as the write statement's parameters
// If a multi-entity transaction fails for a reason other than a retryable conflict, each entity is retried in a
// transaction of its own, so one entity's failure cannot hold back the others.
import pLimit from 'p-limit';
import type { Db } from '../db.js';
import { tenantDb } from '../tenantDb.js';
import { entityClockNow } from '../testClocks/testClockRecords.js';
import { type PreparedEvent, prepareEvent, UUID_PATTERN } from './eventInput.js';
import { meteringEntity, meteringPricer } from './meteringContext.js';
import { type EntityGroup, type GroupResult, processWithRetry } from './meteringTransaction.js';
import type { EventOutcome, IngestEventInput, IngestOptions, IngestResult } from './meteringTypes.js';
import { invalid } from './meteringTypes.js';

export * from './meteringTypes.js';

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
  const byEntity = new Map<
    string,
    {
      organizationId: string;
      entityId: string;
      events: Array<{ index: number; input: IngestEventInput; prepared: ReturnType<typeof prepareEvent> }>;
    }
  >();
  items.forEach(({ organizationId, input }, index) => {
    const prepared = prepareEvent(input, index, now);
    // In the future of wall time, but perhaps not of the entity's test clock: judged once the entity is known.
    if ('status' in prepared && prepared.code !== 'OCCURRED_AT_IN_FUTURE') {
      outcomes[index] = prepared;
      return;
    }
    const entityId = input.entityId.toLowerCase();
    const key = `${organizationId}:${entityId}`;
    const group = byEntity.get(key);
    if (group) group.events.push({ index, input, prepared });
    else byEntity.set(key, { organizationId, entityId, events: [{ index, input, prepared }] });
  });

  // Entities and prices come from the in-process cache (meteringContext.ts); only misses touch the database.
  const groups: EntityGroup[] = [];
  const limit = pLimit(options.concurrency ?? 4);
  await Promise.all(
    [...byEntity.values()].map(({ organizationId, entityId, events }) =>
      limit(async () => {
        const tenant = tenantDb(db, organizationId);
        const entity = UUID_PATTERN.test(entityId) ? await meteringEntity(tenant, organizationId, entityId) : null;
        if (!entity) {
          for (const e of events) outcomes[e.index] = invalid(e.input, 404, 'ENTITY_NOT_FOUND', 'entity not found');
          return;
        }
        // An entity on a test clock lives at the clock's time: its events are checked and rated there. Every other
        // entity has no clock and reads nothing more.
        const clockNow = entity.testClockId ? await entityClockNow(tenant, entity.testClockId) : null;
        const valid: PreparedEvent[] = [];
        for (const e of events) {
          const prepared = clockNow ? prepareEvent(e.input, e.index, clockNow) : e.prepared;
          if ('status' in prepared) outcomes[e.index] = prepared;
          else valid.push(prepared);
        }
        if (valid.length === 0) return;
        const pricer = await meteringPricer(tenant, entity);
        groups.push({ entity, pricer, events: valid, ...(clockNow ? { now: clockNow } : {}) });
      }),
    ),
  );
  if (groups.length === 0) return { outcomes, webhookEventIds: [] };

  // Committed in transactions of at most `entitiesPerTransaction` entities (contiguous in id order), run side by side:
  // a transaction holds its entities' locks until COMMIT, so one transaction over a batch spread across many entities
  // would make every concurrent batch touching any of them wait for all of it. A transaction is one organization's
  // (row-level security: it runs as that organization), so the coalescer's flush over several organizations commits
  // one transaction per organization.
  const pool = db.pg;
  const perTransaction = Math.max(1, options.entitiesPerTransaction ?? Number.POSITIVE_INFINITY);
  const byId = (x: EntityGroup, y: EntityGroup) => (x.entity.id < y.entity.id ? -1 : x.entity.id > y.entity.id ? 1 : 0);
  // Entities on a test clock are committed each in a transaction of its own, at its clock's time.
  const chunks: Array<{ groups: EntityGroup[]; now: Date }> = groups
    .filter((g) => g.now)
    .sort(byId)
    .map((g) => ({ groups: [g], now: g.now! }));
  const byOrganization = new Map<string, EntityGroup[]>();
  for (const group of groups) {
    if (group.now) continue;
    const same = byOrganization.get(group.entity.organizationId);
    if (same) same.push(group);
    else byOrganization.set(group.entity.organizationId, [group]);
  }
  for (const same of byOrganization.values()) {
    const sorted = same.sort(byId);
    for (let i = 0; i < sorted.length; i += perTransaction) {
      chunks.push({ groups: sorted.slice(i, i + perTransaction), now });
    }
  }
  const committed = await Promise.all(chunks.map((chunk) => commitGroups(pool, chunk.groups, chunk.now, outcomes)));
  return { outcomes, webhookEventIds: committed.flat() };
}

/**
 * Commits the groups in one transaction, or, when that fails for a reason other than a retryable conflict, one
 * transaction per entity, so every entity that can be committed is (a retried request replays the committed events
 * and redoes the rest). Writes each event's outcome (or `{ failed }`) into `outcomes`.
 */
async function commitGroups(
  pool: Db['pg'],
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
