// The OpenAPI 3.1 `webhooks` section: one entry per event type of the catalog (activities/webhooks/eventCatalog.ts),
// documenting the request we POST to a marketplace's endpoint: the Standard Webhooks headers and the envelope
// {id, type, timestamp, data} with that type's payload schema and example.
import { type OpenAPIHono, z } from '@hono/zod-openapi';

type OpenAPIRegistry = OpenAPIHono['openAPIRegistry'];

import { WEBHOOK_EVENT_TYPES, webhookEventEntry } from '../activities/webhooks/eventCatalog.js';

const EXAMPLE_EVENT_ID = '0193b0ab-bbbb-7ccc-8ddd-000000000601';

const Headers = z.object({
  'webhook-id': z.string().openapi({ description: 'The event id (also `id` in the body): deduplicate on it' }),
  'webhook-timestamp': z.string().openapi({ description: 'Unix seconds of the attempt' }),
  'webhook-signature': z
    .string()
    .openapi({ description: 'v1,<base64 HMAC-SHA256> with the endpoint secret (Standard Webhooks)' }),
});

export function registerWebhookEvents(registry: OpenAPIRegistry): void {
  for (const type of WEBHOOK_EVENT_TYPES) {
    const entry = webhookEventEntry(type);
    const envelope = z.object({
      id: z.uuid().openapi({ description: 'The event id; the same on every attempt and every endpoint' }),
      type: z.literal(type),
      timestamp: z.string().openapi({ format: 'date-time', description: 'When the change was recorded' }),
      data: entry.schema,
    });
    registry.registerWebhook({
      method: 'post',
      path: type,
      tags: ['Webhooks'],
      summary: type,
      description: `${entry.description} Signed per Standard Webhooks; any 2xx acknowledges, anything else is retried.`,
      request: {
        headers: Headers,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: envelope,
              example: { id: EXAMPLE_EVENT_ID, type, timestamp: '2026-12-16T10:00:00.000Z', data: entry.example },
            },
          },
        },
      },
      responses: {
        200: { description: 'Received (any 2xx); 410 disables the endpoint; other answers are retried' },
      },
    });
  }
}
