// What tells a repeated event (same idempotency key, same payload: a replay) from a conflicting reuse of its key
// (same key, other payload: 409). The hash covers everything the client sent except the key itself, in a canonical
// form: object keys sorted, the quantity and occurredAt normalised, so `1` and `"1"` or two spellings of one instant
// are the same payload.
//
// Stored hashes must stay valid across releases, so the hashed text is fixed: JSON.stringify of
// [userId (lower case), eventType, quantity, occurredAt (ISO), properties with every object's keys sorted], where
// "sorted" is what JSON.stringify prints for an object built from sorted entries: array-index keys ("0", "7", "12")
// first in numeric order, as JavaScript orders them, then the other keys in code-unit order. The text is written
// directly instead of building a sorted copy of the properties and stringifying that: one string instead of a tree of
// objects per event, on the hot path (test/unit/eventPayloadHash.test.ts checks both give the same text).
import { hash } from 'node:crypto';

export interface HashedEventFields {
  userId: string;
  eventType: string;
  quantity: string;
  occurredAt: Date;
  properties: unknown;
}

/** Canonical numeric strings below 2^32 - 1: the keys JavaScript orders first, numerically. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (key: string) => ARRAY_INDEX.test(key) && Number(key) < 4294967295;

/**
 * The object's keys in canonical order. Object.keys already lists array-index keys first, in numeric order (that is
 * the language's property order), so only the keys after them need sorting.
 */
function canonicalKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  if (keys.length < 2) return keys;
  let firstNamed = 0;
  while (firstNamed < keys.length && isArrayIndex(keys[firstNamed] as string)) firstNamed += 1;
  if (firstNamed === 0) return keys.sort();
  return [...keys.slice(0, firstNamed), ...keys.slice(firstNamed).sort()];
}

/** JSON text of a JSON value with every object's keys in canonical order; what JSON.stringify would skip is skipped. */
export function canonicalJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]) ?? 'null';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of canonicalKeys(record)) {
    const text = canonicalJson(record[key]);
    if (text === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${text}`;
  }
  return `${out}}`;
}

export function eventPayloadHash(fields: HashedEventFields): string {
  const body =
    `[${JSON.stringify(fields.userId.toLowerCase())},${JSON.stringify(fields.eventType)},` +
    `${JSON.stringify(fields.quantity)},"${fields.occurredAt.toISOString()}",${canonicalJson(fields.properties ?? {})}]`;
  return hash('sha256', body, 'hex');
}
