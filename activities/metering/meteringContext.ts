// What the hot path needs before it takes the entity lock: the entity (scoped to the caller's organization) and its
// event prices, cached in-process for CACHE_TTL_MS so a stream of events does not reload the price book per event.
//
// Staleness is bounded and safe: the entity's status, overage policy, threshold, currency and billing schedule are
// re-read under the row lock in the transaction (the cached copy only routes the request), and a price change takes
// effect within CACHE_TTL_MS on every API process. `clearMeteringCache()` drops everything (tests, admin changes).

import type { EventPricer } from '../../domain/eventPricer.js';
import type { Db } from '../db.js';
import { loadEntityPricer } from '../priceBooks/entityPricer.js';
import { TtlCache } from '../ttlCache.js';

export const CACHE_TTL_MS = 5_000;

export interface CachedEntity {
  id: string;
  organizationId: string;
  currency: string;
  timeZone: string;
  billingAnchorDay: number;
  /** Set for an entity on a test clock: its events are judged at the clock's time, read per request. */
  testClockId: string | null;
}

const entities = new TtlCache<CachedEntity>(CACHE_TTL_MS);
const pricers = new TtlCache<EventPricer>(CACHE_TTL_MS);

export function clearMeteringCache(): void {
  entities.clear();
  pricers.clear();
}

export async function meteringEntity(db: Db, organizationId: string, entityId: string): Promise<CachedEntity | null> {
  const key = `${organizationId}:${entityId}`;
  const hit = entities.get(key);
  if (hit) return hit;
  const row = await db.entity.findFirst({
    where: { id: entityId, organizationId, deletedAt: null },
    select: {
      id: true,
      organizationId: true,
      currency: true,
      timeZone: true,
      billingAnchorDay: true,
      testClockId: true,
    },
  });
  // Only found entities are cached: an entity created a moment after a miss must be usable at once.
  if (row) entities.set(key, row);
  return row;
}

/** The entity's pricer: its organization's active price books, overridden per event type by the entity's own. */
export async function meteringPricer(db: Db, entity: CachedEntity): Promise<EventPricer> {
  const key = `${entity.organizationId}:${entity.id}`;
  const hit = pricers.get(key);
  if (hit) return hit;
  const pricer = await loadEntityPricer(db, entity);
  pricers.set(key, pricer);
  return pricer;
}
