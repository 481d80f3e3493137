// Webhook delivery against a real local HTTP server: 5 failures (500s), then a 2xx; every attempt recorded, exactly
// one success, the same Standard Webhooks `webhook-id` on every attempt, each signature verified by `standardwebhooks`.
// A 410 disables the endpoint; a redelivery after success delivers again with the same id.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { redeliverWebhook } from '../../temporal/webhookRedelivery.js';
import { createTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import {
  createOutboxEvent,
  createWebhookEndpoint,
  eventually,
  TEST_WEBHOOK_SECRET,
} from '../support/workflowFactories.js';
import { recordHistory } from '../support/workflowTesting.js';

const h = workflowTestContext('webhooks');
let server: Server;
let baseUrl: string;
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string; answered: number }> = [];
const plan = new Map<string, number[]>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const queue = plan.get(req.url ?? '') ?? [];
      const status = queue.length > 0 ? queue.shift()! : 200;
      received.push({ path: req.url ?? '', headers: req.headers, body, answered: status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

function dispatch(ids: string[]) {
  const activities = createActivities({
    db: h.db,
    temporal: h.env.client,
    taskQueue: h.taskQueue,
    searchAttributes: false,
  });
  return activities.dispatchWebhookEvents({ webhookEventIds: ids });
}

async function timerSeconds(deliveryId: string): Promise<number[]> {
  const history = await h.env.client.workflow.getHandle(`webhook:${deliveryId}`).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds));
}

describe('webhookDeliveryWorkflow', () => {
  it('fails 5 times, then delivers once; every attempt is recorded with the same webhook-id', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db);
    const endpoint = await createWebhookEndpoint(db, tenant.organizationId, `${baseUrl}/flaky`);
    plan.set('/flaky', [500, 500, 503, 500, 429]);
    const event = await createOutboxEvent(db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      type: 'credits.low',
    });
    const { deliveryIds } = await dispatch([event.id]);
    expect(deliveryIds).toHaveLength(1);
    const result = await env.client.workflow.getHandle(`webhook:${deliveryIds[0]}`).result();
    expect(result).toEqual({ status: 'delivered', attempts: 6 });

    const delivery = await db.webhookDelivery.findUniqueOrThrow({
      where: { id: deliveryIds[0] },
      include: { attempts: { orderBy: { attemptNumber: 'asc' } } },
    });
    expect(delivery.status).toBe('delivered');
    expect(delivery.attemptCount).toBe(6);
    expect(delivery.endpointId).toBe(endpoint.id);
    expect(delivery.attempts.map((a) => [a.attemptNumber, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 503],
      [4, 500],
      [5, 429],
      [6, 200],
    ]);
    expect(delivery.attempts.filter((a) => a.statusCode === 200)).toHaveLength(1);
    expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).dispatchedAt).not.toBeNull();

    const hits = received.filter((r) => r.path === '/flaky');
    expect(hits.map((r) => r.answered)).toEqual([500, 500, 503, 500, 429, 200]);
    expect(new Set(hits.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    const wh = new Webhook(TEST_WEBHOOK_SECRET);
    for (const hit of hits) {
      const verified = wh.verify(hit.body, {
        'webhook-id': String(hit.headers['webhook-id']),
        'webhook-timestamp': String(hit.headers['webhook-timestamp']),
        'webhook-signature': String(hit.headers['webhook-signature']),
      }) as { type: string; data: unknown };
      expect(verified.type).toBe('credits.low');
      expect(verified.data).toEqual({ hello: 'world' });
    }
    // Backoff: the workflow waited 1 min, 5 min, 30 min, 2 h and 5 h between attempts.
    expect(await timerSeconds(deliveryIds[0]!)).toEqual([60, 300, 1800, 7200, 18000]);
    await recordHistory(env, `webhook:${deliveryIds[0]}`, 'webhookDeliveryWorkflow-retries');

    // Dispatching the same row again changes nothing.
    await dispatch([event.id]);
    expect(await db.webhookDelivery.count({ where: { webhookEventId: event.id } })).toBe(1);

    // Redelivery on request: a new run with the same workflow id, the same webhook-id, attempt 7.
    await redeliverWebhook(
      { temporal: env.client, taskQueue: h.taskQueue, searchAttributes: false },
      { id: delivery.id, organizationId: tenant.organizationId },
    );
    await eventually(async () => {
      const d = await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      return d.attemptCount === 7 && d.status === 'delivered' ? d : undefined;
    });
    const all = received.filter((r) => r.path === '/flaky');
    expect(all).toHaveLength(7);
    expect(all[6]!.headers['webhook-id']).toBe(event.id);
    void env;
  }, 60_000);

  it('410 Gone disables the endpoint and dead-letters the delivery after one attempt', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db);
    const endpoint = await createWebhookEndpoint(db, tenant.organizationId, `${baseUrl}/gone`);
    plan.set('/gone', [410]);
    const event = await createOutboxEvent(db, { organizationId: tenant.organizationId, type: 'invoice.paid' });
    const { deliveryIds } = await dispatch([event.id]);
    expect(await env.client.workflow.getHandle(`webhook:${deliveryIds[0]}`).result()).toEqual({
      status: 'dead',
      attempts: 1,
    });
    const after = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(after.enabled).toBe(false);
    expect(after.disabledReason).toContain('410');
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryIds[0] } })).status).toBe('dead');
  }, 30_000);

  it('an endpoint that never answers 2xx is dead-lettered after 12 attempts over about 3 days', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db);
    await createWebhookEndpoint(db, tenant.organizationId, `${baseUrl}/down`);
    plan.set('/down', Array(20).fill(502));
    const event = await createOutboxEvent(db, { organizationId: tenant.organizationId, type: 'invoice.paid' });
    const { deliveryIds } = await dispatch([event.id]);
    expect(await env.client.workflow.getHandle(`webhook:${deliveryIds[0]}`).result()).toEqual({
      status: 'dead',
      attempts: 12,
    });
    expect(received.filter((r) => r.path === '/down')).toHaveLength(12);
    const waits = await timerSeconds(deliveryIds[0]!);
    expect(waits).toHaveLength(11);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(71 * 3600 + 36 * 60);
    const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryIds[0] } });
    expect([delivery.status, delivery.attemptCount, delivery.lastStatusCode]).toEqual(['dead', 12, 502]);
  }, 60_000);
});
