// Remembers successful API-key authentications for a few seconds, so a busy client does not cost a database query
// per request (the metering benchmark spends one Prisma query per request on auth otherwise; bench/README.md).
//
// The trade: another API process may keep accepting a revoked key for up to the TTL. The process that revokes or
// rotates a key forgets it at once (forgetApiKey), and expiry (expiresAt) is honoured exactly, because an entry never
// outlives its key's expiry. Only successes are cached: an unknown key always goes to the database.
import { type AuthenticatedKey, authenticateApiKey, findActiveApiKey, hashApiKey } from './apiKeys.js';
import type { Db } from './db.js';

export const DEFAULT_API_KEY_CACHE_TTL_MS = 5_000;
/** Keys are few; the bound only keeps a flood of distinct valid keys from growing the map without limit. */
const MAX_ENTRIES = 10_000;

interface Entry {
  auth: AuthenticatedKey;
  validUntil: number;
}

const caches = new WeakMap<Db, Map<string, Entry>>();

function cacheOf(db: Db): Map<string, Entry> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
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
  const cache = cacheOf(db);
  const hash = hashApiKey(key);
  const hit = cache.get(hash);
  if (hit && hit.validUntil > now.getTime()) return hit.auth;
  if (hit) cache.delete(hash);

  const found = await findActiveApiKey(db, key, now);
  if (!found) return null;
  const { auth, expiresAt } = found;
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(hash, {
    auth,
    validUntil: Math.min(now.getTime() + ttlMs, expiresAt?.getTime() ?? Number.POSITIVE_INFINITY),
  });
  return auth;
}

/** Drops a key from this process's cache (after revocation or rotation). */
export function forgetApiKey(db: Db, apiKeyId: string): void {
  const cache = caches.get(db);
  if (!cache) return;
  for (const [hash, entry] of cache) if (entry.auth.apiKeyId === apiKeyId) cache.delete(hash);
}
