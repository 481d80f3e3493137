// The metering hot path over HTTP: POST /api/billing/events (one) and /api/billing/events/batch (up to 1,000, mixed
// entities). Rating, limits and credit draw-down happen in activities/metering/ingestEvents.ts; this file validates,
// maps outcomes to HTTP and hands committed outbox rows to webhook delivery.
import { randomUUID } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createIngestCoalescer } from '../../activities/metering/ingestCoalescer.js';
import {
  BATCH_ENTITIES_PER_TRANSACTION,
  type EventOutcome,
  type IngestEventInput,
  ingestEvents,
  invalid,
  MAX_BATCH_SIZE,
} from '../../activities/metering/ingestEvents.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, DeprecatedIdempotencyKeyField, isoDateTime, json, jsonBody } from '../openapiKit.js';
import { ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const eventFields = {
  entityId: z.uuid(),
  userId: z.uuid(),
  eventType: z.string().min(1).max(200).openapi({ example: 'project.posted' }),
  quantity: z
    .union([z.number(), z.string()])
    .default(1)
    .openapi({
      description: 'Whole units, 1 .. 1,000,000,000 (INVALID_QUANTITY otherwise)',
      example: 1,
      anyOf: [
        { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
        { type: 'string', pattern: '^(?=[0-9]{1,10}$)0*(?:[1-9][0-9]{0,8}|1000000000)$' },
      ],
    }),
  occurredAt: isoDateTime({ offset: true }).openapi({
    description: 'ISO 8601; at most 5 minutes ahead, not before the current billing period',
  }),
  properties: z.record(z.string(), z.unknown()).default({}),
};

/** One event of POST /api/billing/events: its idempotency key is the Idempotency-Key header. */
const EventInput = z
  .strictObject({ ...eventFields, idempotencyKey: DeprecatedIdempotencyKeyField })
  .openapi('BillingEventInput');

/** One event of a batch: no header per event, so each carries its own key. */
const BatchEventInput = z
  .strictObject({
    ...eventFields,
    idempotencyKey: z.string().min(1).max(255).openapi({ description: 'Unique per entity; a repeat is a replay' }),
  })
  .openapi('BatchBillingEventInput');

const Draw = z.object({ grantId: z.uuid(), amount: z.string().openapi({ example: '2.50' }) }).openapi('CreditDraw');

const EventResult = z
  .object({
    status: z.enum(['accepted', 'rejected']),
    replayed: z.boolean(),
    eventId: z.uuid(),
    entityId: z.uuid(),
    idempotencyKey: z.string(),
    code: z
      .enum(['ENTITY_SUSPENDED', 'INSUFFICIENT_CREDITS', 'USER_CREDIT_LIMIT_EXCEEDED'])
      .nullable()
      .openapi({ description: 'Why the event was rejected' }),
    currency: z.string(),
    ratedAmount: z.string().openapi({ example: '2.50' }),
    creditsDrawn: z.string(),
    draws: z.array(Draw),
    billedLater: z.string(),
    balanceAfter: z.string().nullable(),
    periodStart: z.string().openapi({
      description: "Start of the entity's billing period that holds occurredAt (its tiers and user limits)",
    }),
    billedPeriodStart: z.string().openapi({
      description:
        'Start of the billing period whose invoice bills the event: periodStart, or for a late event the period open when it arrived',
    }),
    late: z.boolean().openapi({
      description: "True when the event's own period was already closed: billed on the next invoice as late usage",
    }),
    occurredAt: z.string(),
  })
  .openapi('BillingEventResult');

const InvalidEventResult = z
  .object({
    status: z.literal('invalid'),
    httpStatus: z.number().int(),
    code: z.string().openapi({ example: 'NOT_A_MEMBER' }),
    detail: z.string(),
    entityId: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
  })
  .openapi('InvalidBillingEventResult');

const BatchResult = z
  .object({
    results: z.array(z.union([EventResult, InvalidEventResult]).and(z.object({ index: z.number().int() }))),
    accepted: z.number().int(),
    rejected: z.number().int(),
    invalid: z.number().int(),
    replayed: z.number().int(),
  })
  .openapi('BillingEventBatchResult');

const ingestOne = apiRoute({
  method: 'post',
  path: '/api/billing/events',
  tags: ['Metering'],
  summary: 'Record and rate one billable event (accepted or rejected, at once)',
  description:
    'Request errors (unknown entity, user not a member, unknown event type, invalid quantity, occurredAt in the ' +
    'future or before the current period, reused idempotency key) are problems and write nothing. Business ' +
    'rejections (ENTITY_SUSPENDED, INSUFFICIENT_CREDITS, USER_CREDIT_LIMIT_EXCEEDED) are 200 with status ' +
    '`rejected` and are stored, so a repeat returns the same answer with `replayed: true`.',
  middleware: [requireScope('ingest')] as const,
  idempotency: 'resource',
  request: { body: jsonBody(EventInput) },
  responses: { 200: json(EventResult, 'Accepted or rejected') },
});

const ingestBatch = apiRoute({
  method: 'post',
  path: '/api/billing/events/batch',
  tags: ['Metering'],
  summary: `Record up to ${MAX_BATCH_SIZE} events (mixed entities); each gets its own outcome`,
  description:
    'Each element is a BillingEventInput. Invalid elements get status `invalid` with the code the single endpoint ' +
    'would answer, and write nothing; the valid ones still go through (one transaction per entity).',
  middleware: [requireScope('ingest')] as const,
  request: {
    body: jsonBody(z.strictObject({ events: z.array(z.unknown()).min(1) }).openapi('BillingEventBatchInput')),
  },
  responses: { 200: json(BatchResult, 'One result per event, in order') },
});

function problemFor(outcome: Extract<EventOutcome, { status: 'invalid' }>): ProblemError {
  const titles: Record<string, string> = {
    ENTITY_NOT_FOUND: 'Entity not found',
    NOT_A_MEMBER: 'User is not a member of the entity',
    UNKNOWN_EVENT_TYPE: 'Unknown event type',
    INVALID_QUANTITY: 'Invalid quantity',
    OCCURRED_AT_IN_FUTURE: 'occurredAt is in the future',
    BEFORE_FIRST_PERIOD: "Before the entity's first billing period",
    PERIOD_ARCHIVED: "The billing period's events were archived",
    CURRENCY_MISMATCH: 'Currency mismatch',
    INVALID_PRICE_DEFINITION: 'Invalid price definition',
    IDEMPOTENCY_KEY_CONFLICT: 'Idempotency key reused with another payload',
  };
  return new ProblemError(outcome.httpStatus, outcome.code, titles[outcome.code] ?? 'Invalid event', outcome.detail);
}

export function billingEventRoutes(deps: RouteDeps) {
  // Concurrent single events are committed together (application-level group commit, see ingestCoalescer.ts).
  const coalescer = createIngestCoalescer(deps.db, { onCommitted: (ids) => void deps.outbox.dispatch(ids) });

  return new OpenAPIHono<AuthEnv>()
    .openapi(ingestOne, async (c) => {
      const input = {
        ...c.req.valid('json'),
        idempotencyKey: c.var.idempotencyKey ?? randomUUID(),
      } as IngestEventInput;
      const outcome = await coalescer.ingest(c.var.auth.organizationId, input);
      if (outcome.status === 'invalid') throw problemFor(outcome);
      if (outcome.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(outcome, 200);
    })
    .openapi(ingestBatch, async (c) => {
      const { events } = c.req.valid('json');
      if (events.length > MAX_BATCH_SIZE) {
        throw new ProblemError(
          422,
          'BATCH_TOO_LARGE',
          'Batch too large',
          `At most ${MAX_BATCH_SIZE} events per batch, got ${events.length}`,
        );
      }
      // Each element is validated on its own, so one bad event does not fail the batch.
      const results: Array<EventOutcome | undefined> = new Array(events.length);
      const valid: Array<{ index: number; input: IngestEventInput }> = [];
      events.forEach((raw, index) => {
        const parsed = BatchEventInput.safeParse(raw);
        if (parsed.success) {
          valid.push({ index, input: parsed.data as IngestEventInput });
          return;
        }
        const r = (raw ?? {}) as Record<string, unknown>;
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        results[index] = invalid(
          {
            entityId: typeof r.entityId === 'string' ? r.entityId : '',
            idempotencyKey: typeof r.idempotencyKey === 'string' ? r.idempotencyKey : '',
          },
          422,
          'VALIDATION_FAILED',
          detail,
        );
      });
      const { outcomes, webhookEventIds } = await ingestEvents(
        c.var.db,
        c.var.auth.organizationId,
        valid.map((v) => v.input),
        { entitiesPerTransaction: BATCH_ENTITIES_PER_TRANSACTION },
      );
      await deps.outbox.dispatch(webhookEventIds);
      valid.forEach((v, i) => {
        results[v.index] = outcomes[i];
      });
      const counts = { accepted: 0, rejected: 0, invalid: 0, replayed: 0 };
      const body = results.map((r, index) => {
        const outcome = r as EventOutcome;
        counts[outcome.status] += 1;
        if (outcome.status !== 'invalid' && outcome.replayed) counts.replayed += 1;
        return outcome.status === 'invalid'
          ? {
              index,
              ...outcome,
              entityId: outcome.entityId || null,
              idempotencyKey: outcome.idempotencyKey || null,
            }
          : { index, ...outcome };
      });
      return c.json({ results: body, ...counts }, 200);
    });
}
