// The metering path's contract: what goes in (one event), what comes out (its outcome), and the limits on input.
// Shared by the API routes, batch imports, benchmarks and every file of this folder.
import type { MeteringRejection } from '../../domain/meteringDecision.js';

export const MAX_BATCH_SIZE = 1000;
/**
 * A batch spread over more entities than this is committed in several transactions side by side (see
 * ingestEventsOfOrganizations); bench/README.md has the measurement behind the number.
 */
export const BATCH_ENTITIES_PER_TRANSACTION = 25;
/** occurredAt may be at most this far ahead of the server clock. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Quantities are whole units, 1 .. MAX_QUANTITY (NUMERIC(20,6) holds 14 integer digits). */
export const MAX_QUANTITY = 1_000_000_000;

export interface IngestEventInput {
  entityId: string;
  userId: string;
  eventType: string;
  quantity: number | string;
  /** ISO 8601 instant. */
  occurredAt: string;
  idempotencyKey: string;
  properties: Record<string, unknown>;
}

/** Business rejections: stored, answered with 200 and status `rejected`, replayed identically. */
export type RejectionCode = MeteringRejection;

/** Request errors: nothing is written; the single endpoint answers a 4xx problem, a batch an `invalid` outcome. */
export type InvalidEventCode =
  | 'VALIDATION_FAILED'
  | 'ENTITY_NOT_FOUND'
  | 'NOT_A_MEMBER'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_QUANTITY'
  | 'OCCURRED_AT_IN_FUTURE'
  | 'BEFORE_FIRST_PERIOD'
  | 'PERIOD_ARCHIVED'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_PRICE_DEFINITION'
  | 'IDEMPOTENCY_KEY_CONFLICT';

export interface CreditDrawResult {
  grantId: string;
  amount: string;
}

export interface StoredEventOutcome {
  status: 'accepted' | 'rejected';
  /** True when this answer is the stored outcome of an earlier request with the same idempotency key. */
  replayed: boolean;
  eventId: string;
  entityId: string;
  idempotencyKey: string;
  code: RejectionCode | null;
  currency: string;
  /** What the event costs at the period's tier position (for rejected events: what it would have cost). */
  ratedAmount: string;
  creditsDrawn: string;
  draws: CreditDrawResult[];
  /** Billed on the next invoice (overage policy `bill`); negative for a volume-tier discount. */
  billedLater: string;
  /** The entity's usable credit balance after this event. */
  balanceAfter: string | null;
  /** Start of the entity's billing period that holds occurredAt (its tier counters and user limits). */
  periodStart: string;
  /**
   * Start of the billing period whose invoice bills this event: periodStart, or for a late event (its own period
   * already closed when it arrived) the period that was open then.
   */
  billedPeriodStart: string;
  /** True when the event's own period was already closed: it is billed on a later invoice as late usage. */
  late: boolean;
  occurredAt: string;
}

export interface InvalidEventOutcome {
  status: 'invalid';
  httpStatus: 404 | 409 | 422;
  code: InvalidEventCode;
  detail: string;
  entityId: string;
  idempotencyKey: string;
}

export type EventOutcome = StoredEventOutcome | InvalidEventOutcome;

export interface IngestResult {
  /** One per input, in input order. */
  outcomes: EventOutcome[];
  /** Outbox rows committed by this call, to hand to webhook delivery. */
  webhookEventIds: string[];
}

export interface IngestOptions {
  now?: Date;
  /** Entity and price lookups (cache misses) made at once. */
  concurrency?: number;
  /** Split a request over more entities into transactions of this many, committed side by side (default: one). */
  entitiesPerTransaction?: number;
}

export function invalid(
  input: Pick<IngestEventInput, 'entityId' | 'idempotencyKey'>,
  httpStatus: InvalidEventOutcome['httpStatus'],
  code: InvalidEventCode,
  detail: string,
): InvalidEventOutcome {
  return {
    status: 'invalid',
    httpStatus,
    code,
    detail,
    entityId: input.entityId,
    idempotencyKey: input.idempotencyKey,
  };
}
