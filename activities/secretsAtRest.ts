// Secrets the platform must read back (webhook signing secrets) are stored encrypted: AES-256-GCM (node:crypto) with a
// key from the environment, never the database. API keys are not secrets of this kind: they are stored as hashes,
// since the platform only ever compares them.
//
// SECRET_KEYS lists the keys as `<id>:<base64 of 32 bytes>`, comma-separated; the first encrypts, every one decrypts.
// A stored value names the key it was sealed with, so keys rotate without a flag day: put a new key first, deploy,
// run `npm run secrets:rotate` (re-seals every value with the new key), then drop the old key. Outside production a
// missing SECRET_KEYS falls back to a fixed development key (`npm start` and the tests generate keys of their own);
// in production (NODE_ENV=production) the API, the worker and the migrations refuse to run without one.
//
// Format: `enc:v1:<key id>:<iv>:<ciphertext and tag>` (base64url). The context (what the secret belongs to, e.g. the
// webhook endpoint's id) is authenticated as additional data: a value copied onto another row does not open there.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretKeyring {
  /** The key that seals. */
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Parses SECRET_KEYS (`<id>:<base64 32 bytes>`, comma-separated; the first is the active key). */
export function parseSecretKeys(value: string): SecretKeyring {
  const keys = new Map<string, Buffer>();
  let activeKeyId: string | undefined;
  for (const entry of value.split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (at < 1 || !KEY_ID.test(id)) throw new Error(`SECRET_KEYS: "${id}" is not a key id (1-32 of A-Z a-z 0-9 _ -)`);
    if (key.length !== 32) throw new Error(`SECRET_KEYS: key ${id} must be 32 bytes, base64 (got ${key.length})`);
    if (keys.has(id)) throw new Error(`SECRET_KEYS: key id ${id} appears twice`);
    keys.set(id, key);
    activeKeyId ??= id;
  }
  if (!activeKeyId) throw new Error('SECRET_KEYS: no key');
  return { activeKeyId, keys };
}

/** A new SECRET_KEYS entry: `<id>:<32 random bytes, base64>`. */
export function generateSecretKey(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
  if (!KEY_ID.test(id)) throw new Error(`"${id}" is not a key id`);
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** Known to everyone who reads this file: for development only, never where NODE_ENV=production. */
const DEVELOPMENT_KEYRING: SecretKeyring = {
  activeKeyId: 'dev',
  keys: new Map([['dev', createHash('sha256').update('marketplace-billing development secret key').digest()]]),
};

/** The keyring of SECRET_KEYS; outside production, the development key when it is unset. */
export function secretKeyringFromEnv(env: NodeJS.ProcessEnv = process.env): SecretKeyring {
  if (env.SECRET_KEYS) return parseSecretKeys(env.SECRET_KEYS);
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'SECRET_KEYS is required in production: the key that encrypts webhook signing secrets at rest ' +
        '(`<id>:<base64 of 32 random bytes>`; make one with `npm run secrets:key`). See README.md, "Security".',
    );
  }
  return DEVELOPMENT_KEYRING;
}

const b64 = (b: Buffer) => b.toString('base64url');

/** Seals `plaintext` with the active key, bound to `context`. */
export function sealSecret(ring: SecretKeyring, context: string, plaintext: string): string {
  const key = ring.keys.get(ring.activeKeyId) as Buffer;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${ring.activeKeyId}:${b64(iv)}:${b64(sealed)}`;
}

/** The id of the key a stored value was sealed with; null when it is not a sealed value (plaintext). */
export function sealingKeyId(stored: string): string | null {
  if (!stored.startsWith(PREFIX)) return null;
  return stored.slice(PREFIX.length).split(':')[0] ?? null;
}

export class SecretUnreadableError extends Error {
  override readonly name = 'SecretUnreadableError';
}

/** Opens a sealed value; throws SecretUnreadableError for plaintext, an unknown key, another context or tampering. */
export function openSecret(ring: SecretKeyring, context: string, stored: string): string {
  const keyId = sealingKeyId(stored);
  if (keyId === null) {
    throw new SecretUnreadableError(`${context}: the stored secret is not encrypted (run \`npm run db:migrate\`)`);
  }
  const key = ring.keys.get(keyId);
  if (!key) throw new SecretUnreadableError(`${context}: sealed with key ${keyId}, which SECRET_KEYS does not hold`);
  const [, iv, sealed] = stored.slice(PREFIX.length).split(':');
  const data = Buffer.from(sealed ?? '', 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SecretUnreadableError(`${context}: the stored secret does not open with key ${keyId}`);
  }
}
