// What tells a repeated event (same idempotency key, same payload: a replay) from a conflicting reuse of its key
// (same key, other payload: 409). The hash covers everything the client sent except the key itself, in a canonical
// form: object keys sorted, the quantity and occurredAt normalised, so `1` and `"1"` or two spellings of one instant
// are the same payload.
import { createHash } from 'node:crypto';

export interface HashedEventFields {
  userId: string;
  eventType: string;
  quantity: string;
  occurredAt: Date;
  properties: unknown;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function eventPayloadHash(fields: HashedEventFields): string {
  const body = JSON.stringify([
    fields.userId.toLowerCase(),
    fields.eventType,
    fields.quantity,
    fields.occurredAt.toISOString(),
    canonical(fields.properties ?? {}),
  ]);
  return createHash('sha256').update(body).digest('hex');
}
