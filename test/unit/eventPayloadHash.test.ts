// The payload hash tells a replay from a conflicting reuse of an idempotency key, and it is stored with every event:
// the text it hashes must never change, or every stored event would conflict with its own retry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventPayloadHash } from '../../activities/metering/eventPayloadHash.js';

/** The definition the stored hashes were made with: sort every object's keys, rebuild it, JSON.stringify. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortedCopy((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

// Keys JavaScript orders specially (array indices, "__proto__") next to ordinary and non-ASCII ones.
const keyArb = fc.oneof(
  fc.string(),
  fc.constantFrom('0', '1', '2', '10', '007', '-1', '1.5', '4294967294', '4294967295', '__proto__', 'é', 'Z', 'a'),
  fc.nat().map(String),
);
const jsonArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keyArb, tie('value'), { maxKeys: 6 }),
  ),
})).value;

describe('event payload hash', () => {
  it('writes the same text as stringifying a key-sorted copy, for any JSON', () => {
    fc.assert(
      fc.property(jsonArb, (value) => {
        // Through JSON first: properties always arrive parsed from a request body.
        const parsed = JSON.parse(JSON.stringify(value)) as unknown;
        expect(canonicalJson(parsed)).toBe(JSON.stringify(sortedCopy(parsed)));
      }),
      { numRuns: 2000 },
    );
  });

  it('is pinned: the hash of a known payload never changes', () => {
    const fields = {
      userId: 'A1B2C3D4-0000-4000-8000-00000000000F',
      eventType: 'project.posted',
      quantity: '3',
      occurredAt: new Date('2026-11-23T10:00:00.000Z'),
      properties: { z: 1, '10': 'ten', '2': ['b', { y: null, x: 'é"\n' }], a: true },
    };
    // Computed by the implementation every stored event was hashed with before this one.
    expect(eventPayloadHash(fields)).toBe('b1df7ff172a4efedd680a5da8aa02d7212a77ef198a1b3be6595a2e3efe3c8ae');
    // Key order and the user id's case are not part of the payload.
    expect(
      eventPayloadHash({
        ...fields,
        userId: fields.userId.toLowerCase(),
        properties: Object.fromEntries(Object.entries(fields.properties).reverse()),
      }),
    ).toBe(eventPayloadHash(fields));
    expect(eventPayloadHash({ ...fields, quantity: '4' })).not.toBe(eventPayloadHash(fields));
  });
});
