// The webhook URL policy holds at delivery time too, not only when an endpoint is saved: a host name that resolved to a
// public address when the endpoint was created and to 127.0.0.1 now (DNS rebinding) is refused before any byte is
// sent, recorded as a failed attempt with the reason, and not retried. A checked address is the one connected to
// (pinning). Real Postgres, a real local receiver; the resolver is the only thing injected (it plays the DNS).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, type Db } from '../../activities/db.js';
import { secretKeyringFromEnv } from '../../activities/secretsAtRest.js';
import { sealWebhookSecret } from '../../activities/webhookEndpoints/webhookSecrets.js';
import { createWebhookDeliveryActivities, REFUSED_PREFIX } from '../../activities/webhooks/webhookDelivery.js';
import { postWebhook } from '../../activities/webhooks/webhookHttp.js';
import { createTenant, type TestTenant } from '../support/factories.js';
import { testDb } from '../support/services.js';

const secrets = secretKeyringFromEnv();

let db: Db;
let tenant: TestTenant;
let receiver: Server;
let port: number;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  db = testDb(2);
  tenant = await createTenant(db);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  port = (receiver.address() as AddressInfo).port;
});

beforeEach(() => {
  received.length = 0;
});

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  if (db) await closeDb(db);
});

/** An endpoint saved with `url` (as if it passed the create-time check) and one pending delivery to it. */
async function pendingDelivery(url: string): Promise<string> {
  const id = randomUUID();
  const endpoint = await db.webhookEndpoint.create({
    data: {
      id,
      organizationId: tenant.organizationId,
      url,
      secret: sealWebhookSecret(secrets, id, `whsec_${Buffer.from(randomUUID()).toString('base64')}`),
    },
  });
  const event = await db.webhookEvent.create({
    data: {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      type: 'credits.low',
      payload: { entityId: tenant.entityId },
      idempotencyKey: `test:${randomUUID()}`,
    },
  });
  const delivery = await db.webhookDelivery.create({ data: { webhookEventId: event.id, endpointId: endpoint.id } });
  return delivery.id;
}

const nextAttemptAt = () => new Date(Date.now() + 60_000).toISOString();

describe('webhook delivery outside dev mode', () => {
  it('refuses a host that now resolves to 127.0.0.1: failed attempt with the reason, dead, nothing sent', async () => {
    const lookups: string[] = [];
    const activities = createWebhookDeliveryActivities(db, secrets, {
      allowInternal: false,
      resolve: async (host) => {
        lookups.push(host);
        return ['127.0.0.1'];
      },
    });
    const deliveryId = await pendingDelivery(`http://hooks.rebind.example:${port}/billing`);

    const result = await activities.attemptWebhookDelivery({
      deliveryId,
      attemptNumber: 1,
      nextAttemptAt: nextAttemptAt(),
    });

    const reason = `${REFUSED_PREFIX}the webhook host hooks.rebind.example resolves to the internal address 127.0.0.1`;
    expect(result).toEqual({ outcome: 'refused', attemptNumber: 1, statusCode: null, error: reason });
    expect(lookups).toEqual(['hooks.rebind.example']);
    expect(received).toEqual([]);
    const delivery = await db.webhookDelivery.findUniqueOrThrow({
      where: { id: deliveryId },
      include: { attempts: true },
    });
    expect(delivery).toMatchObject({
      status: 'dead',
      attemptCount: 1,
      lastStatusCode: null,
      lastError: reason,
      nextAttemptAt: null,
      deliveredAt: null,
    });
    expect(delivery.attempts.map((a) => ({ n: a.attemptNumber, status: a.statusCode, error: a.error }))).toEqual([
      { n: 1, status: null, error: reason },
    ]);

    // A re-executed activity (retry after a crash) returns the recorded refusal and sends nothing.
    const again = await activities.attemptWebhookDelivery({
      deliveryId,
      attemptNumber: 1,
      nextAttemptAt: nextAttemptAt(),
    });
    expect(again).toEqual(result);
    expect(received).toEqual([]);
    expect(await db.webhookAttempt.count({ where: { deliveryId } })).toBe(1);
  });

  it('refuses localhost and literal internal addresses with the system resolver', async () => {
    const activities = createWebhookDeliveryActivities(db, secrets, { allowInternal: false });
    for (const [url, reason] of [
      [`http://localhost:${port}/billing`, 'webhook URLs may not point at localhost'],
      [`http://127.0.0.1:${port}/billing`, 'webhook URLs may not point at the internal address 127.0.0.1'],
    ] as const) {
      const deliveryId = await pendingDelivery(url);
      const result = await activities.attemptWebhookDelivery({ deliveryId, attemptNumber: 1, nextAttemptAt: null });
      expect(result).toEqual({
        outcome: 'refused',
        attemptNumber: 1,
        statusCode: null,
        error: REFUSED_PREFIX + reason,
      });
    }
    expect(received).toEqual([]);
  });

  it('refuses a host that does not resolve', async () => {
    const activities = createWebhookDeliveryActivities(db, secrets, {
      allowInternal: false,
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    const deliveryId = await pendingDelivery('https://gone.example/billing');
    const result = await activities.attemptWebhookDelivery({ deliveryId, attemptNumber: 1, nextAttemptAt: null });
    expect(result.outcome).toBe('refused');
    expect(result.error).toBe(`${REFUSED_PREFIX}the webhook host gone.example does not resolve`);
  });
});

describe('webhook delivery connections', () => {
  it('connects to the pinned address, never asking DNS for the host name again', async () => {
    // `.invalid` never resolves (RFC 6761): the request can only arrive through the pinned address.
    const status = await postWebhook(`http://receiver.invalid:${port}/pinned`, {
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
      timeoutMs: 5_000,
      pinned: { address: '127.0.0.1', family: 4 },
    });
    expect(status).toBe(204);
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.host).toBe(`receiver.invalid:${port}`);
    expect(received[0]?.body).toBe('{"ok":true}');
  });

  it('delivers to a local receiver in dev mode, signed', async () => {
    const activities = createWebhookDeliveryActivities(db, secrets, { allowInternal: true });
    const deliveryId = await pendingDelivery(`http://127.0.0.1:${port}/billing`);
    const result = await activities.attemptWebhookDelivery({ deliveryId, attemptNumber: 1, nextAttemptAt: null });
    expect(result).toEqual({ outcome: 'delivered', attemptNumber: 1, statusCode: 204, error: null });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(JSON.parse(received[0]?.body ?? '{}').type).toBe('credits.low');
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status).toBe('delivered');
  });
});
