// API keys: shown to their owner once, stored only as a SHA-256 hash (a key is 256 random bits, so a plain fast
// hash is enough: there is nothing to brute-force, unlike a password).
import { createHash, randomBytes } from 'node:crypto';

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
