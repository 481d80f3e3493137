// GET /api/billing/outbox: the outbox rows (WebhookEvent) that metering and credits wrote, e.g. credits.low, pending
// until webhook delivery takes them. Read-only.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { listOutboxEvents } from '../../activities/metering/listOutboxEvents.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, json } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import type { RouteDeps } from '../routeDeps.js';
import { assertKnownEventTypes, EventTypeName } from '../webhookEventTypes.js';

const OutboxEvent = z
  .object({
    id: z.uuid(),
    entityId: z.uuid().nullable(),
    type: z.string().openapi({ example: 'credits.low' }),
    payload: z.record(z.string(), z.unknown()),
    idempotencyKey: z.string(),
    status: z.enum(['pending', 'dispatched']),
    dispatchedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('OutboxEvent');

const listRoute = apiRoute({
  method: 'get',
  path: '/api/billing/outbox',
  tags: ['Metering'],
  summary: 'Outbox rows (webhook events) emitted by metering and credits',
  middleware: [requireScope('read')] as const,
  request: {
    query: ListQuery.extend({
      status: z.enum(['pending', 'dispatched']).optional(),
      entityId: z.uuid().optional(),
      type: EventTypeName.optional().openapi({
        description: 'A webhook event type (422 UNKNOWN_WEBHOOK_EVENT_TYPE if unknown)',
      }),
    }),
  },
  responses: {
    200: json(listSchema(OutboxEvent, 'OutboxEventList'), 'Outbox rows'),
  },
});

export function outboxEventRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>().openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.type) assertKnownEventTypes([q.type], () => 'type');
    const page = await listOutboxEvents(c.var.db, c.var.auth.organizationId, q, pageRequest(q));
    return c.json(
      listResponse(page, (r) => ({
        id: r.id,
        entityId: r.entityId,
        type: r.type,
        payload: r.payload as Record<string, unknown>,
        idempotencyKey: r.idempotencyKey,
        status: r.dispatchedAt ? ('dispatched' as const) : ('pending' as const),
        dispatchedAt: r.dispatchedAt?.toISOString() ?? null,
        createdAt: r.createdAt.toISOString(),
      })),
      200,
    );
  });
}
