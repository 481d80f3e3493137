// /api/webhooks: endpoints (CRUD, secret rotation, test ping) and deliveries (list, read, redeliver). Payloads are
// signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) with the endpoint's secret, which
// is returned only when the endpoint is created or its secret rotated.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAuditNow } from '../../activities/auditLog.js';
import { findWebhookDelivery, listWebhookDeliveries } from '../../activities/webhookEndpoints/deliveryQueries.js';
import {
  createTestPing,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from '../../activities/webhookEndpoints/endpointRecords.js';
import { assertWebhookUrlAllowed, WebhookUrlNotAllowedError } from '../../activities/webhooks/webhookUrlPolicy.js';
import { redeliverWebhook } from '../../temporal/webhookRedelivery.js';
import { startWebhookDeliveryWorkflow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  apiRoute,
  Deleted,
  idParam,
  iso,
  isoOrNull,
  json,
  jsonBody,
  NullableTimestamp,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { assertKnownEventTypes, EventTypeName } from '../webhookEventTypes.js';

const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .openapi({ example: 'https://marketplace.example/webhooks/billing' });
const EventTypes = z
  .array(EventTypeName)
  .max(100)
  .openapi({
    description:
      'Event types to receive (the `webhooks` of this document, e.g. subscription.paused, invoice.paid); empty = all. ' +
      'Another type is 422 UNKNOWN_WEBHOOK_EVENT_TYPE.',
    example: ['subscription.paused', 'entity.suspended', 'credits.low'],
  });

const EndpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('WebhookEndpoint');

const EndpointWithSecret = EndpointSchema.extend({
  secret: z.string().openapi({ description: 'Signing secret (whsec_...). Shown only in this response.' }),
}).openapi('WebhookEndpointWithSecret');

const NewEndpoint = z
  .strictObject({
    url: HttpUrl,
    description: z.string().max(500).nullable().optional(),
    eventTypes: EventTypes.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('NewWebhookEndpoint');

const EndpointPatch = z
  .strictObject({
    url: HttpUrl.optional(),
    description: z.string().max(500).nullable().optional(),
    eventTypes: EventTypes.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('WebhookEndpointPatch');

const DeliveryStatus = z.enum(['pending', 'delivering', 'delivered', 'failed', 'dead']);

const DeliverySchema = z
  .object({
    id: z.uuid(),
    webhookEventId: z.uuid(),
    eventType: z.string(),
    endpointId: z.uuid(),
    status: DeliveryStatus,
    attemptCount: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: NullableTimestamp,
    deliveredAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('WebhookDelivery');

const DeliveryWithAttempts = DeliverySchema.extend({
  attempts: z.array(
    z.object({
      attemptNumber: z.number().int(),
      statusCode: z.number().int().nullable(),
      error: z.string().nullable(),
      durationMs: z.number().int(),
      createdAt: Timestamp,
    }),
  ),
}).openapi('WebhookDeliveryWithAttempts');

const WorkflowStarted = z.object({ workflowId: z.string(), runId: z.string() }).openapi('WebhookWorkflowRef');

const tags = ['Webhooks'];
const base = '/api/webhooks/endpoints';
const EndpointParams = idParam('endpointId');
const DeliveryParams = idParam('deliveryId');
const admin = () => [requireScope('admin')];

const createRoute = apiRoute({
  method: 'post',
  path: base,
  tags,
  summary: 'Create a webhook endpoint',
  description:
    '`eventTypes` names types of the `webhooks` section; an unknown one (a typo such as "invoice.payed") is 422 ' +
    '`UNKNOWN_WEBHOOK_EVENT_TYPE`, with the nearest known type in the message.',
  middleware: admin(),
  request: { body: jsonBody(NewEndpoint) },
  responses: { 201: json(EndpointWithSecret, 'Created; the secret is shown only here') },
});
const listRoute = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: 'List webhook endpoints',
  middleware: admin(),
  request: { query: ListQuery },
  responses: { 200: json(listSchema(EndpointSchema, 'WebhookEndpointList'), 'Endpoints') },
});
const readRoute = apiRoute({
  method: 'get',
  path: `${base}/{endpointId}`,
  tags,
  summary: 'Read a webhook endpoint',
  middleware: admin(),
  request: { params: EndpointParams },
  responses: { 200: json(EndpointSchema, 'The endpoint') },
});
const updateRoute = apiRoute({
  method: 'patch',
  path: `${base}/{endpointId}`,
  tags,
  summary: 'Update a webhook endpoint (enabled: true clears disabledReason)',
  description: '`eventTypes`, when given, is checked as on create (422 `UNKNOWN_WEBHOOK_EVENT_TYPE`).',
  middleware: admin(),
  request: { params: EndpointParams, body: jsonBody(EndpointPatch) },
  responses: { 200: json(EndpointSchema, 'Updated') },
});
const deleteRoute = apiRoute({
  method: 'delete',
  path: `${base}/{endpointId}`,
  tags,
  summary: 'Delete a webhook endpoint',
  middleware: admin(),
  request: { params: EndpointParams },
  responses: { 200: json(Deleted, 'Deleted') },
});
const rotateRoute = apiRoute({
  method: 'post',
  path: `${base}/{endpointId}/rotate-secret`,
  tags,
  summary: 'Replace the signing secret (the old one stops signing at once)',
  middleware: admin(),
  request: { params: EndpointParams },
  responses: { 200: json(EndpointWithSecret, 'The new secret, shown only here') },
});
const testRoute = apiRoute({
  method: 'post',
  path: `${base}/{endpointId}/test`,
  tags,
  summary: 'Send a signed webhook.test event to this endpoint only',
  middleware: admin(),
  request: { params: EndpointParams },
  responses: {
    202: json(
      z.object({ webhookEventId: z.uuid(), deliveryId: z.uuid() }).openapi('WebhookTestPing'),
      'Queued for delivery; follow it in the deliveries list',
    ),
  },
});
const listDeliveriesRoute = apiRoute({
  method: 'get',
  path: '/api/webhooks/deliveries',
  tags,
  summary: 'List webhook deliveries',
  middleware: [requireScope('read')],
  request: {
    query: ListQuery.extend({
      endpointId: z.uuid().optional(),
      webhookEventId: z.uuid().optional(),
      status: DeliveryStatus.optional(),
    }),
  },
  responses: { 200: json(listSchema(DeliverySchema, 'WebhookDeliveryList'), 'Deliveries') },
});
const readDeliveryRoute = apiRoute({
  method: 'get',
  path: '/api/webhooks/deliveries/{deliveryId}',
  tags,
  summary: 'Read a delivery and its attempts',
  middleware: [requireScope('read')],
  request: { params: DeliveryParams },
  responses: { 200: json(DeliveryWithAttempts, 'The delivery') },
});
const redeliverRoute = apiRoute({
  method: 'post',
  path: '/api/webhooks/deliveries/{deliveryId}/redeliver',
  tags,
  summary: 'Deliver again now (retrying, delivered or dead-lettered), with the same webhook-id',
  middleware: admin(),
  request: { params: DeliveryParams },
  responses: { 202: json(WorkflowStarted, 'Redelivery running') },
});

type EndpointRow = NonNullable<Awaited<ReturnType<typeof findWebhookEndpoint>>>;
const presentEndpoint = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  enabled: e.enabled,
  disabledReason: e.disabledReason,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

type DeliveryRow = Awaited<ReturnType<typeof listWebhookDeliveries>>['items'][number];
const presentDelivery = (d: DeliveryRow) => ({
  id: d.id,
  webhookEventId: d.webhookEventId,
  eventType: d.event.type,
  endpointId: d.endpointId,
  status: d.status,
  attemptCount: d.attemptCount,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextAttemptAt: isoOrNull(d.nextAttemptAt),
  deliveredAt: isoOrNull(d.deliveredAt),
  createdAt: iso(d.createdAt),
  updatedAt: iso(d.updatedAt),
});

/** Refuses URLs of internal addresses unless the API runs in dev mode (WEBHOOK_ALLOW_INTERNAL_URLS). */
async function allowedUrl(deps: RouteDeps, url: string): Promise<void> {
  try {
    await assertWebhookUrlAllowed(url, { allowInternal: deps.allowInternalWebhookUrls ?? false });
  } catch (err) {
    if (err instanceof WebhookUrlNotAllowedError) {
      throw new ProblemError(422, err.code, 'Webhook URL not allowed', err.message, [
        { path: 'url', message: err.message },
      ]);
    }
    throw err;
  }
}

export function webhookEndpointRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      assertKnownEventTypes(c.req.valid('json').eventTypes ?? [], (i) => `eventTypes.${i}`);
      await allowedUrl(deps, c.req.valid('json').url);
      const endpoint = await createWebhookEndpoint(
        c.var.db,
        deps.secretKeys,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('json'),
      );
      return c.json({ ...presentEndpoint(endpoint), secret: endpoint.secret }, 201);
    })
    .openapi(listRoute, async (c) => {
      const page = await listWebhookEndpoints(c.var.db, c.var.auth.organizationId, pageRequest(c.req.valid('query')));
      return c.json(listResponse(page, presentEndpoint), 200);
    })
    .openapi(readRoute, async (c) => {
      const endpoint = await findWebhookEndpoint(c.var.db, c.var.auth.organizationId, c.req.valid('param').endpointId);
      if (!endpoint) throw notFound('webhook endpoint');
      return c.json(presentEndpoint(endpoint), 200);
    })
    .openapi(updateRoute, async (c) => {
      const { url, eventTypes } = c.req.valid('json');
      assertKnownEventTypes(eventTypes ?? [], (i) => `eventTypes.${i}`);
      if (url) await allowedUrl(deps, url);
      const endpoint = await updateWebhookEndpoint(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').endpointId,
        c.req.valid('json'),
      );
      return c.json(presentEndpoint(endpoint), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { endpointId } = c.req.valid('param');
      await deleteWebhookEndpoint(c.var.db, actorOf(c), c.var.auth.organizationId, endpointId);
      return c.json({ id: endpointId, object: 'webhook_endpoint', deleted: true as const }, 200);
    })
    .openapi(rotateRoute, async (c) => {
      const endpoint = await rotateWebhookSecret(
        c.var.db,
        deps.secretKeys,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').endpointId,
      );
      return c.json({ ...presentEndpoint(endpoint), secret: endpoint.secret }, 200);
    })
    .openapi(testRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const { event, delivery } = await createTestPing(
        c.var.db,
        actorOf(c),
        organizationId,
        c.req.valid('param').endpointId,
      );
      try {
        await startWebhookDeliveryWorkflow(deps, delivery, { organizationId, entityId: null });
      } catch (err) {
        deps.log.error({ err, deliveryId: delivery.id }, 'test ping workflow start failed; reconciliation will retry');
      }
      return c.json({ webhookEventId: event.id, deliveryId: delivery.id }, 202);
    })
    .openapi(listDeliveriesRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listWebhookDeliveries(
        c.var.db,
        c.var.auth.organizationId,
        { endpointId: q.endpointId, webhookEventId: q.webhookEventId, status: q.status },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentDelivery), 200);
    })
    .openapi(readDeliveryRoute, async (c) => {
      const delivery = await findWebhookDelivery(c.var.db, c.var.auth.organizationId, c.req.valid('param').deliveryId);
      if (!delivery) throw notFound('webhook delivery');
      return c.json(
        {
          ...presentDelivery(delivery),
          attempts: delivery.attempts.map((a) => ({
            attemptNumber: a.attemptNumber,
            statusCode: a.statusCode,
            error: a.error,
            durationMs: a.durationMs,
            createdAt: iso(a.createdAt),
          })),
        },
        200,
      );
    })
    .openapi(redeliverRoute, async (c) => {
      const organizationId = c.var.auth.organizationId;
      const delivery = await findWebhookDelivery(c.var.db, organizationId, c.req.valid('param').deliveryId);
      if (!delivery) throw notFound('webhook delivery');
      const started = await redeliverWebhook(deps, {
        id: delivery.id,
        organizationId,
        entityId: delivery.event.entityId,
      });
      await recordAuditNow(c.var.db, actorOf(c), {
        organizationId,
        action: 'webhook_delivery.redeliver',
        targetType: 'webhook_delivery',
        targetId: delivery.id,
        before: { status: delivery.status, attemptCount: delivery.attemptCount },
        after: started,
      });
      return c.json(started, 202);
    });
}
