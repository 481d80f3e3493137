// GET /api/entities/{entityId}/entitlements and the webhooks a permission system lives on: a subscription pause
// reaches a real local receiver (a signed Standard Webhooks POST through the delivery workflow on a real worker), and
// the entitlements the receiver reads while handling that one delivery already show the pause. The read itself:
// exact content (status, subscriptions and seats, credits, each member's limit, spend and remaining), ETag and 304,
// scopes, and another organization's entity as 404.
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { createMeteringTenant, eventBody, grantCredits, type MeteringTenant } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';
import { payloadProblems } from '../../support/webhookPayloads.js';
import { eventually } from '../../support/workflowFactories.js';

interface Delivery {
  webhookId: string;
  event: { id: string; type: string; data: Record<string, unknown> };
  /** What the receiver read from the entitlements API while handling this delivery, before answering it. */
  entitlements: { status: number; body: Record<string, unknown> };
}

const ctx = apiTestContext('api-entitlements', { worker: true });
let tenant: MeteringTenant;
let admin: Caller;
let reader: Caller;
let receiver: Server;
let receiverUrl: string;
let secret = '';
const deliveries: Delivery[] = [];

beforeAll(async () => {
  tenant = await createMeteringTenant(ctx.db, {
    members: 2,
    creditLimit: '10.00',
    prices: [{ eventType: 'project.posted', unitPrice: '2.50' }],
  });
  admin = caller(ctx.app, tenant.adminKey);
  reader = caller(ctx.app, tenant.readKey);
  // The marketplace's permission system: verifies the signature, then reads the entitlements the event is about.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', async () => {
      try {
        const event = new Webhook(secret).verify(body, req.headers as Record<string, string>) as Delivery['event'];
        const entityId = event.data.entityId as string;
        const entitlements = await reader('GET', `/api/entities/${entityId}/entitlements`);
        deliveries.push({
          webhookId: String(req.headers['webhook-id']),
          event,
          entitlements: { status: entitlements.status, body: entitlements.body },
        });
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/billing-hooks`;
});

afterAll(() => {
  receiver?.close();
});

describe('a subscription pause, from webhook to entitlements', () => {
  it('reaches the receiver once, signed, and the entitlements it reads while handling it show the pause', async () => {
    const endpoint = await admin('POST', '/api/webhooks/endpoints', {
      url: receiverUrl,
      eventTypes: ['subscription.created', 'subscription.paused'],
    });
    expect(endpoint.status).toBe(201);
    secret = endpoint.body.secret;
    const plan = await admin('POST', '/api/billing/seat-plans', {
      name: 'Pro',
      interval: 'month',
      pricePerSeat: '10',
      currency: 'USD',
    });
    expect(plan.status).toBe(201);
    const created = await admin('POST', '/api/billing/subscriptions', {
      entityId: tenant.entityId,
      planId: plan.body.id,
      seats: 3,
    });
    expect(created.status).toBe(201);
    const subscriptionId = created.body.id as string;

    const onCreated = await eventually(async () => deliveries.find((d) => d.event.type === 'subscription.created'));
    expect(onCreated.event.data).toMatchObject({ subscriptionId, status: 'active', seats: 3, previous: null });
    expect(onCreated.entitlements.body.subscriptions).toMatchObject([{ id: subscriptionId, status: 'active' }]);

    const pause = await admin(
      'POST',
      `/api/billing/subscriptions/${subscriptionId}/pause`,
      {},
      { 'Idempotency-Key': `pause-${subscriptionId}` },
    );
    expect(pause.status).toBe(200);
    expect(pause.body.subscription.status).toBe('paused');

    const onPaused = await eventually(async () => deliveries.find((d) => d.event.type === 'subscription.paused'));
    expect(payloadProblems(onPaused.event.type, onPaused.event.data)).toEqual([]);
    expect(onPaused.event.data).toMatchObject({
      subscriptionId,
      entityId: tenant.entityId,
      planName: 'Pro',
      pricePerSeat: '10.00',
      seats: 3,
      status: 'paused',
      pausedAt: pause.body.subscription.pausedAt,
      previous: { status: 'active', seats: 3, planId: plan.body.id, cancelAtPeriodEnd: false },
      reason: 'api',
      changeId: `idem:pause-${subscriptionId}`,
      proration: { settlement: 'credit_next_invoice', net: pause.body.net, invoiceId: null },
    });
    // Read while handling the delivery, before answering it: already paused.
    expect(onPaused.entitlements.status).toBe(200);
    expect(onPaused.entitlements.body).toMatchObject({
      entityId: tenant.entityId,
      status: 'active',
      subscriptions: [
        { id: subscriptionId, status: 'paused', seats: 3, pausedAt: pause.body.subscription.pausedAt, resumeAt: null },
      ],
      seats: { purchased: 0, assigned: 0 },
    });

    // Within one delivery: the first attempt was the one, and it came once.
    expect(deliveries.filter((d) => d.webhookId === onPaused.event.id)).toHaveLength(1);
    const delivery = await eventually(async () => {
      const list = await reader('GET', `/api/webhooks/deliveries?webhookEventId=${onPaused.event.id}`);
      const d = list.body.data[0];
      return d?.status === 'delivered' ? d : undefined;
    });
    expect([delivery.attemptCount, delivery.lastStatusCode]).toEqual([1, 204]);
  });
});

describe('GET /api/entities/{entityId}/entitlements', () => {
  it("answers status, subscriptions, credits and each member's limit, spend and remaining, versioned by ETag", async () => {
    const t = await createMeteringTenant(ctx.db, {
      members: 2,
      creditLimit: '10.00',
      prices: [{ eventType: 'project.posted', unitPrice: '2.50' }],
    });
    const read = caller(ctx.app, t.readKey);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '137.1');
    await ctx.db.entityUser.update({
      where: { entityId_userId: { entityId: t.entityId, userId: t.userIds[1]! } },
      data: { creditLimit: null, seatAssigned: true },
    });

    const first = await read('GET', `/api/entities/${t.entityId}/entitlements`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.body).toEqual({
      entityId: t.entityId,
      status: 'active',
      suspendedAt: null,
      currency: 'USD',
      overagePolicy: 'reject',
      period: { start: expect.any(String), end: expect.any(String) },
      subscriptions: [],
      seats: { purchased: 0, assigned: 1 },
      credits: [{ currency: 'USD', remaining: '137.10' }],
      members: [
        {
          userId: t.userIds[0],
          role: 'member',
          seatAssigned: false,
          creditLimit: '10.00',
          spent: '0.00',
          remaining: '10.00',
          limitReached: false,
        },
        {
          userId: t.userIds[1],
          role: 'member',
          seatAssigned: true,
          creditLimit: null,
          spent: '0.00',
          remaining: null,
          limitReached: false,
        },
      ],
    });

    // Nothing changed: 304, no body, the same ETag (also in a list, and weak).
    for (const header of [etag!, `"other", ${etag}`, `W/${etag}`, '*']) {
      const again = await ctx.app.request(`/api/entities/${t.entityId}/entitlements`, {
        headers: { Authorization: `Bearer ${t.readKey}`, 'If-None-Match': header },
      });
      expect({ header, status: again.status }).toEqual({ header, status: 304 });
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe('');
    }

    // Five events of 2.50 by the limited member: four accepted (10.00 drawn), the fifth refused at the limit.
    for (let i = 0; i < 5; i += 1) {
      await ctx.app.request('/api/billing/events', {
        method: 'POST',
        headers: { Authorization: `Bearer ${t.ingestKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(eventBody(t)),
      });
    }
    const changed = await read('GET', `/api/entities/${t.entityId}/entitlements`, undefined, {
      'If-None-Match': etag!,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.credits).toEqual([{ currency: 'USD', remaining: '127.10' }]);
    expect(changed.body.members[0]).toEqual({
      userId: t.userIds[0],
      role: 'member',
      seatAssigned: false,
      creditLimit: '10.00',
      spent: '10.00',
      remaining: '0.00',
      limitReached: true,
    });
  });

  it("needs the read scope and answers 404 for another organization's entity", async () => {
    const other = await createTenant(ctx.db);
    expectProblem(await reader('GET', `/api/entities/${other.entityId}/entitlements`), 404, 'NOT_FOUND');
    expectProblem(
      await caller(ctx.app, tenant.ingestKey)('GET', `/api/entities/${tenant.entityId}/entitlements`),
      403,
      'INSUFFICIENT_SCOPE',
    );
  });
});
