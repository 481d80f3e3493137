// Checks of an incoming event that need no database: its quantity, its instant, and the hash that tells a repeat of
// the same event from a conflicting reuse of its idempotency key.
import type { Decimal } from 'decimal.js';
import { BillingDecimal } from '../../domain/money.js';
import { eventPayloadHash } from './eventPayloadHash.js';
import {
  type IngestEventInput,
  type InvalidEventOutcome,
  invalid,
  MAX_FUTURE_SKEW_MS,
  MAX_QUANTITY,
} from './meteringTypes.js';

/** An entity id that can name a row: anything else is ENTITY_NOT_FOUND without asking the database. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PreparedEvent {
  index: number;
  input: IngestEventInput;
  quantity: Decimal;
  occurredAt: Date;
  hash: string;
}

function parseQuantity(raw: number | string): Decimal | null {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 1 || raw > MAX_QUANTITY) return null;
    return new BillingDecimal(raw);
  }
  if (!/^\d{1,10}$/.test(raw)) return null;
  const q = new BillingDecimal(raw);
  return q.greaterThanOrEqualTo(1) && q.lessThanOrEqualTo(MAX_QUANTITY) ? q : null;
}

/** Checks that need no database; returns the prepared event or why it is invalid. */
export function prepareEvent(input: IngestEventInput, index: number, now: Date): PreparedEvent | InvalidEventOutcome {
  const quantity = parseQuantity(input.quantity);
  if (quantity === null) {
    return invalid(input, 422, 'INVALID_QUANTITY', `quantity must be a whole number from 1 to ${MAX_QUANTITY}`);
  }
  const occurredAt = new Date(input.occurredAt);
  if (!Number.isFinite(occurredAt.getTime())) {
    return invalid(input, 422, 'VALIDATION_FAILED', 'occurredAt must be an ISO 8601 instant');
  }
  if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    return invalid(input, 422, 'OCCURRED_AT_IN_FUTURE', 'occurredAt is more than 5 minutes in the future');
  }
  const hash = eventPayloadHash({
    userId: input.userId,
    eventType: input.eventType,
    quantity: quantity.toFixed(),
    occurredAt,
    properties: input.properties,
  });
  return { index, input, quantity, occurredAt, hash };
}
