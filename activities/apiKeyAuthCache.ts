// Remembers successful API-key authentications for a few seconds, so a busy client does not cost a database query
// per request (the metering benchmark spends one Prisma query per request on auth otherwise; bench/README.md).
//
// The trade: another API process may keep accepting a revoked key for up to the TTL. The process that revokes or
// rotates a key forgets it at once (forgetApiKey), and expiry (expiresAt) is honoured exactly, because an entry never
// outlives its key's expiry. Only successes are cached: an unknown key always goes to the database.
import { type AuthenticatedKey, authenticateApiKey, findActiveApiKey, hashApiKey } from './apiKeys.js';
import type { Db } from './db.js';
import { rootDb } from './tenantDb.js';
import { TtlCache } from './ttlCache.js';

export const DEFAULT_API_KEY_CACHE_TTL_MS = 5_000;
/** Keys are few; the bound only keeps a flood of distinct valid keys from growing the map without limit. */
const MAX_ENTRIES = 10_000;

/** Per Db (a test may run two apps on two databases in one process), then per key hash and TTL. */
const caches = new WeakMap<Db, Map<number, TtlCache<AuthenticatedKey>>>();

function cacheOf(db: Db, ttlMs: number): TtlCache<AuthenticatedKey> {
  let byTtl = caches.get(rootDb(db));
  if (!byTtl) {
    byTtl = new Map();
    caches.set(rootDb(db), byTtl);
  }
  let cache = byTtl.get(ttlMs);
  if (!cache) {
    cache = new TtlCache(ttlMs, MAX_ENTRIES);
    byTtl.set(ttlMs, cache);
  }
  return cache;
}

/** authenticateApiKey with a per-process cache of `ttlMs` (0 = no cache). */
export async function authenticateApiKeyCached(
  db: Db,
  key: string,
  ttlMs: number,
  now = new Date(),
): Promise<AuthenticatedKey | null> {
  if (ttlMs <= 0) return authenticateApiKey(db, key, now);
  const cache = cacheOf(db, ttlMs);
  const hash = hashApiKey(key);
  const hit = cache.get(hash, now.getTime());
  if (hit) return hit;

  const found = await findActiveApiKey(db, key, now);
  if (!found) return null;
  const { auth, expiresAt } = found;
  cache.set(hash, auth, now.getTime(), expiresAt?.getTime());
  return auth;
}

/** Drops a key from this process's cache (after revocation or rotation). */
export function forgetApiKey(db: Db, apiKeyId: string): void {
  for (const cache of caches.get(rootDb(db))?.values() ?? []) cache.deleteWhere((auth) => auth.apiKeyId === apiKeyId);
}
