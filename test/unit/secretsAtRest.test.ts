// Secrets at rest (activities/secretsAtRest.ts): AES-256-GCM with a key from SECRET_KEYS, the key's id stored with the
// value so keys rotate, the owner of the secret bound in as additional data.
import { describe, expect, it } from 'vitest';
import {
  generateSecretKey,
  openSecret,
  parseSecretKeys,
  SecretUnreadableError,
  sealingKeyId,
  sealSecret,
  secretKeyringFromEnv,
} from '../../activities/secretsAtRest.js';

const SECRET = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LTAxMjM0NTY3';
const keyA = generateSecretKey('a');
const keyB = generateSecretKey('b');

describe('secrets at rest', () => {
  it('seals with the first key and opens with the key the value names; never the plaintext, never twice the same', () => {
    const ring = parseSecretKeys(`${keyA},${keyB}`);
    const sealed = sealSecret(ring, 'webhook-endpoint:1', SECRET);
    expect(sealed).toMatch(/^enc:v1:a:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(SECRET.slice('whsec_'.length));
    expect(sealingKeyId(sealed)).toBe('a');
    expect(sealSecret(ring, 'webhook-endpoint:1', SECRET)).not.toBe(sealed);
    expect(openSecret(ring, 'webhook-endpoint:1', sealed)).toBe(SECRET);
    // After a rotation the old key still opens what it sealed, as long as SECRET_KEYS holds it.
    expect(openSecret(parseSecretKeys(`${keyB},${keyA}`), 'webhook-endpoint:1', sealed)).toBe(SECRET);
  });

  it('refuses another context, a key it does not hold, a tampered value and plaintext', () => {
    const ring = parseSecretKeys(keyA);
    const sealed = sealSecret(ring, 'webhook-endpoint:1', SECRET);
    expect(() => openSecret(ring, 'webhook-endpoint:2', sealed)).toThrow(SecretUnreadableError);
    expect(() => openSecret(parseSecretKeys(keyB), 'webhook-endpoint:1', sealed)).toThrow(
      'sealed with key a, which SECRET_KEYS does not hold',
    );
    const [head, last] = [sealed.slice(0, -2), sealed.slice(-2)];
    const tampered = `${head}${last === 'AA' ? 'AB' : 'AA'}`;
    expect(() => openSecret(ring, 'webhook-endpoint:1', tampered)).toThrow('does not open with key a');
    // A key of the same id but other bytes: the tag does not verify.
    expect(() => openSecret(parseSecretKeys(generateSecretKey('a')), 'webhook-endpoint:1', sealed)).toThrow(
      SecretUnreadableError,
    );
    expect(() => openSecret(ring, 'webhook-endpoint:1', SECRET)).toThrow('is not encrypted');
  });

  it('reads SECRET_KEYS strictly', () => {
    expect(() => parseSecretKeys('')).toThrow('no key');
    expect(() => parseSecretKeys('a:c2hvcnQ=')).toThrow('must be 32 bytes');
    expect(() => parseSecretKeys(`bad id:${keyA.slice(2)}`)).toThrow('is not a key id');
    expect(() => parseSecretKeys(`${keyA},${keyA}`)).toThrow('appears twice');
    expect(parseSecretKeys(` ${keyB} , ${keyA} `).activeKeyId).toBe('b');
    expect(generateSecretKey()).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/);
  });

  it('refuses to run in production without SECRET_KEYS; elsewhere a development key stands in', () => {
    expect(() => secretKeyringFromEnv({ NODE_ENV: 'production' })).toThrow('SECRET_KEYS is required in production');
    expect(secretKeyringFromEnv({ NODE_ENV: 'production', SECRET_KEYS: keyA }).activeKeyId).toBe('a');
    expect(secretKeyringFromEnv({}).activeKeyId).toBe('dev');
  });
});
