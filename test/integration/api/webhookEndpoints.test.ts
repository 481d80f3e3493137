// /api/webhooks: endpoints CRUD with secrets shown once, secret rotation, a signed test ping arriving at a real local
// receiver (through the webhook delivery workflow on a real worker), deliveries list and redelivery.

import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretKeyringFromEnv } from '../../../activities/secretsAtRest.js';
import { openWebhookSecret } from '../../../activities/webhookEndpoints/webhookSecrets.js';
import { type Caller, caller, expectProblem, tenantsAndCallers, UNKNOWN_ID } from '../../support/apiFactories.js';
import type { TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

const ctx = apiTestContext('api-webhooks', { worker: true });
let other: TestTenant;
let admin: Caller;
let reader: Caller;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  ({ other, admin, reader } = await tenantsAndCallers(ctx.db, ctx.app));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
});

afterAll(() => {
  receiver?.close();
});

async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const base = '/api/webhooks/endpoints';

describe('/api/webhooks/endpoints', () => {
  it('creates an endpoint with a Standard Webhooks secret shown once; reads never show it', async () => {
    const res = await admin('POST', base, { url: 'https://hooks.example/billing', eventTypes: ['credits.low'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      url: 'https://hooks.example/billing',
      eventTypes: ['credits.low'],
      enabled: true,
    });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const read = await admin('GET', `${base}/${res.body.id}`);
    expect(read.body.secret).toBeUndefined();
    const list = await admin('GET', base);
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
    const audit = await ctx.db.auditLog.findFirstOrThrow({ where: { targetId: res.body.id } });
    expect(JSON.stringify(audit.after)).not.toContain(res.body.secret);

    const rotated = await admin('POST', `${base}/${res.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(res.body.secret);

    const patched = await admin('PATCH', `${base}/${res.body.id}`, { enabled: false, eventTypes: [] });
    expect(patched.body).toMatchObject({ enabled: false, eventTypes: [] });
    const deleted = await admin('DELETE', `${base}/${res.body.id}`);
    expect(deleted.body).toEqual({ id: res.body.id, object: 'webhook_endpoint', deleted: true });
    expectProblem(await admin('GET', `${base}/${res.body.id}`), 404, 'NOT_FOUND');
  });

  it('sends a signed test ping to that endpoint only, lists the delivery and redelivers it', async () => {
    const target = await admin('POST', base, { url: receiverUrl });
    const bystander = await admin('POST', base, { url: `${receiverUrl}?bystander=1` });
    const ping = await admin('POST', `${base}/${target.body.id}/test`);
    expect(ping.status).toBe(202);

    const first = await eventually(() => received.find((r) => r.body.includes(ping.body.webhookEventId)));
    const payload = new Webhook(target.body.secret).verify(first.body, first.headers) as {
      type: string;
      data?: unknown;
    };
    expect(payload.type).toBe('webhook.test');
    expect(first.headers['webhook-id']).toBeTruthy();

    const delivered = await eventually(async () => {
      const res = await reader('GET', `/api/webhooks/deliveries?endpointId=${target.body.id}`);
      const d = res.body.data[0];
      return d?.status === 'delivered' ? res : undefined;
    });
    expect(delivered.body.data).toHaveLength(1);
    expect(delivered.body.data[0]).toMatchObject({
      id: ping.body.deliveryId,
      webhookEventId: ping.body.webhookEventId,
      eventType: 'webhook.test',
      endpointId: target.body.id,
      status: 'delivered',
      lastStatusCode: 204,
    });
    const bystanderDeliveries = await reader('GET', `/api/webhooks/deliveries?endpointId=${bystander.body.id}`);
    expect(bystanderDeliveries.body.data).toEqual([]);

    const detail = await reader('GET', `/api/webhooks/deliveries/${ping.body.deliveryId}`);
    expect(detail.body.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([204]);

    const count = received.filter((r) => r.body.includes(ping.body.webhookEventId)).length;
    const redelivered = await admin('POST', `/api/webhooks/deliveries/${ping.body.deliveryId}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.workflowId).toBe(`webhook:${ping.body.deliveryId}`);
    const again = await eventually(() => {
      const all = received.filter((r) => r.body.includes(ping.body.webhookEventId));
      return all.length > count ? all : undefined;
    });
    expect(again.at(-1)?.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await admin('DELETE', `${base}/${bystander.body.id}`);
  });

  it('refuses filter types the event catalog does not know, naming the nearest one, and changes nothing', async () => {
    const typo = await admin('POST', base, {
      url: 'https://hooks.example/typo',
      eventTypes: ['invoice.paid', 'invoice.payed', 'nothing.like.it'],
    });
    expectProblem(typo, 422, 'UNKNOWN_WEBHOOK_EVENT_TYPE');
    expect(typo.body.errors).toEqual([
      { path: 'eventTypes.1', message: 'unknown event type "invoice.payed"; did you mean "invoice.paid"?' },
      { path: 'eventTypes.2', message: 'unknown event type "nothing.like.it"' },
    ]);
    const endpoints = await admin('GET', base);
    expect(endpoints.body.data.map((e: { url: string }) => e.url)).not.toContain('https://hooks.example/typo');

    const ok = await admin('POST', base, {
      url: 'https://hooks.example/status',
      eventTypes: ['subscription.paused', 'entity.suspended'],
    });
    expect(ok.status).toBe(201);
    expectProblem(
      await admin('PATCH', `${base}/${ok.body.id}`, { eventTypes: ['subscription.pause'] }),
      422,
      'UNKNOWN_WEBHOOK_EVENT_TYPE',
    );
    const read = await admin('GET', `${base}/${ok.body.id}`);
    expect(read.body.eventTypes).toEqual(['subscription.paused', 'entity.suspended']);
    await admin('DELETE', `${base}/${ok.body.id}`);

    // The outbox list's type filter is checked the same way (an unknown one would list nothing, silently).
    const outbox = await reader('GET', '/api/billing/outbox?type=credits.lwo');
    expectProblem(outbox, 422, 'UNKNOWN_WEBHOOK_EVENT_TYPE');
    expect(outbox.body.errors).toEqual([
      { path: 'type', message: 'unknown event type "credits.lwo"; did you mean "credits.low"?' },
    ]);
    expect((await reader('GET', '/api/billing/outbox?type=credits.low')).status).toBe(200);
  });

  it("validates, needs admin, and answers 404 for another organization's endpoints and deliveries", async () => {
    const bad = await admin('POST', base, { url: 'ftp://files.example', eventTypes: [''] });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['eventTypes.0', 'url']);
    expectProblem(await reader('POST', base, { url: 'https://x.example' }), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await reader('GET', base), 403, 'INSUFFICIENT_SCOPE');

    const theirs = await caller(ctx.app, other.adminKey)('POST', base, { url: 'https://theirs.example' });
    for (const [method, path] of [
      ['GET', `${base}/${theirs.body.id}`],
      ['PATCH', `${base}/${theirs.body.id}`],
      ['DELETE', `${base}/${theirs.body.id}`],
      ['POST', `${base}/${theirs.body.id}/rotate-secret`],
      ['POST', `${base}/${theirs.body.id}/test`],
      ['GET', `/api/webhooks/deliveries/${UNKNOWN_ID}`],
      ['POST', `/api/webhooks/deliveries/${UNKNOWN_ID}/redeliver`],
    ] as const) {
      expectProblem(await admin(method, path, method === 'PATCH' ? { enabled: false } : undefined), 404, 'NOT_FOUND');
    }
    const row = await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id: theirs.body.id } });
    // Stored sealed (secrets at rest): it still opens to the secret they were given, so nothing rotated it.
    expect([row.enabled, row.deletedAt, openWebhookSecret(secretKeyringFromEnv(), row)]).toEqual([
      true,
      null,
      theirs.body.secret,
    ]);
  });
});
