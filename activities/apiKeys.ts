// API keys: shown to their owner once, stored only as a SHA-256 hash (a key is 256 random bits, so a plain fast
// hash is enough: there is nothing to brute-force, unlike a password).
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import { rootDb } from './tenantDb.js';

const KEY_PREFIX = 'bk_';

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What listings show so a key can be recognised without being revealed. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

export type ApiKeyScope = 'admin' | 'ingest' | 'read';

export interface AuthenticatedKey {
  apiKeyId: string;
  organizationId: string;
  scopes: ApiKeyScope[];
}

/**
 * An active key's authentication and its expiry (null: never expires), or null when unknown, revoked or expired.
 * The one lookup made before the caller's organization is known, so it cannot run as a tenant: it goes through the
 * SECURITY DEFINER function app_api_key_by_hash (prisma/migrations/*_row_level_security), which finds a key by its
 * hash in any organization and returns only what authentication needs.
 */
export async function findActiveApiKey(
  db: Db,
  key: string,
  now = new Date(),
): Promise<{ auth: AuthenticatedKey; expiresAt: Date | null } | null> {
  const [row] = await rootDb(db).$queryRaw<
    Array<{ id: string; organizationId: string; scopes: string[]; expiresAt: Date | null; revokedAt: Date | null }>
  >`SELECT "id", "organizationId", "scopes", "expiresAt", "revokedAt" FROM app_api_key_by_hash(${hashApiKey(key)})`;
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  return {
    auth: { apiKeyId: row.id, organizationId: row.organizationId, scopes: row.scopes as ApiKeyScope[] },
    expiresAt: row.expiresAt,
  };
}

/** The key's organization and scopes, or null when the key is unknown, revoked or expired. */
export async function authenticateApiKey(db: Db, key: string, now = new Date()): Promise<AuthenticatedKey | null> {
  return (await findActiveApiKey(db, key, now))?.auth ?? null;
}
