// The webhook events of endpoints themselves: the test ping (eventCatalog.ts).
import { z } from 'zod';
import { entry, Id, Instant } from './catalogKit.js';
import { AT, ENDPOINT } from './examples.js';

const WebhookTest = z.object({ endpointId: Id, message: z.string(), sentAt: Instant }).meta({ id: 'WebhookTestData' });

export const endpointEvents = {
  'webhook.test': entry('A test ping sent to one endpoint (POST /api/webhooks/endpoints/{id}/test).', WebhookTest, {
    endpointId: ENDPOINT,
    message: 'Test ping from the billing platform',
    sentAt: AT,
  }),
} as const;
