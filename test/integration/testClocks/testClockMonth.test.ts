// A month of billing in seconds, through the public HTTP API alone: a test clock frozen on 1 March 2027 (in the
// future of wall time, so events at the clock's time would be refused as OCCURRED_AT_IN_FUTURE on wall time), an
// entity attached to it, a 3-seat subscription and five events at the clock's time; advancing the clock one month
// closes March into its invoice (seats in advance plus usage in arrears), renews the subscription for April, collects
// the invoice and tells the marketplace by webhook. Real listening API, worker on the Temporal dev server, Postgres.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOverHttp } from '../../support/services.js';
import { apiTestContext } from '../../support/testContext.js';
import { recordHistory } from '../../support/workflowTesting.js';

const BOOTSTRAP_KEY = `bootstrap-${randomUUID()}`;
const ctx = apiTestContext('test-clock-month', { worker: true, app: { bootstrapAdminKey: BOOTSTRAP_KEY } });
const asEnv = (c: Client) => ({ client: c }) as unknown as TestWorkflowEnvironment;
let api: Awaited<ReturnType<typeof serveOverHttp>>;
let receiver: Server;
let receiverUrl: string;
// biome-ignore lint/suspicious/noExplicitAny: webhook payloads are asserted field by field
const received: Array<{ type: string; data: any }> = [];

beforeAll(async () => {
  api = await serveOverHttp(ctx.app);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await api?.close();
  await new Promise((r) => receiver?.close(r));
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field with exact values
async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function ok(key: string, method: string, path: string, body: unknown, status: number) {
  const res = await call(key, method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a test clock', () => {
  it('bills a month of a seat subscription plus usage when advanced one month', async () => {
    const org = await ok(
      BOOTSTRAP_KEY,
      'POST',
      '/api/organizations',
      { name: 'Clockwork Market', billingEmail: 'billing@clockwork.example' },
      201,
    );
    const key: string = org.apiKey.secret;
    await ok(key, 'POST', '/api/webhooks/endpoints', { url: receiverUrl, description: 'permission system' }, 201);

    const clock = await ok(key, 'POST', '/api/test-clocks', { name: 'March', frozenTime: '2027-03-01T00:00:00Z' }, 201);
    const advance = async (frozenTime: string) => {
      const advancing = await ok(key, 'POST', `/api/test-clocks/${clock.id}/advance`, { frozenTime }, 200);
      expect(advancing).toMatchObject({ status: 'advancing', frozenTime: new Date(frozenTime).toISOString() });
      await eventually('the clock ready', async () => {
        const res = await call(key, 'GET', `/api/test-clocks/${clock.id}`);
        return res.body.status === 'ready' ? res.body : undefined;
      });
    };
    expect(clock).toMatchObject({ object: 'test_clock', frozenTime: '2027-03-01T00:00:00.000Z', status: 'ready' });

    // An unknown clock is refused before anything is created.
    const unknown = await call(key, 'POST', '/api/entities', {
      name: 'Nowhere',
      currency: 'USD',
      testClockId: '00000000-0000-7000-8000-000000000000',
    });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'TEST_CLOCK_NOT_FOUND']);

    const entity = await ok(
      key,
      'POST',
      '/api/entities',
      { name: 'Clockwork US', currency: 'USD', timeZone: 'UTC', overagePolicy: 'bill', testClockId: clock.id },
      201,
    );
    expect(entity.testClockId).toBe(clock.id);
    ctx.terminateAfter.push(`billing:${entity.id}`);
    const user = await ok(
      key,
      'POST',
      '/api/users',
      {
        email: `ana-${randomUUID().slice(0, 8)}@clockwork.example`,
        name: 'Ana',
        membership: { entityId: entity.id, role: 'member', seatAssigned: true },
      },
      201,
    );
    await ok(
      key,
      'POST',
      '/api/billing/price-books',
      {
        name: 'Clockwork prices',
        currency: 'USD',
        prices: [{ eventType: 'project_posted', model: 'flat', unitPrice: '2.00' }],
      },
      201,
    );
    const plan = await ok(
      key,
      'POST',
      '/api/billing/seat-plans',
      { name: 'Pro seat', interval: 'month', pricePerSeat: '10.00', currency: 'USD' },
      201,
    );

    // The billing workflow opened March, the clock's month, not December of wall time.
    const period = await eventually('the first period', async () => {
      const res = await call(key, 'GET', `/api/entities/${entity.id}/billing-workflow`);
      return res.body?.state?.phase === 'waiting_for_period_end' ? res.body.state : undefined;
    });
    expect([period.periodStart, period.periodEnd]).toEqual(['2027-03-01T00:00:00.000Z', '2027-04-01T00:00:00.000Z']);

    const subscription = await ok(
      key,
      'POST',
      '/api/billing/subscriptions',
      { entityId: entity.id, planId: plan.id, seats: 3 },
      201,
    );
    ctx.terminateAfter.push(`subscription:${subscription.id}`);
    expect([subscription.currentPeriodStart, subscription.currentPeriodEnd]).toEqual([
      '2027-03-01T00:00:00.000Z',
      '2027-04-01T00:00:00.000Z',
    ]);

    // To the middle of March: nothing falls due, the clock is ready again once the workflows have seen the time.
    await advance('2027-03-15T00:00:00Z');

    // The credit balance is as of the clock's time.
    const balance = await ok(key, 'GET', `/api/billing/credits/balances/${entity.id}`, undefined, 200);
    expect([balance.asOf, balance.balance]).toEqual(['2027-03-15T00:00:00.000Z', '0.00']);

    // Five events on 10 March 2027: months ahead of wall time, accepted at the clock's time.
    for (let i = 0; i < 5; i++) {
      const outcome = await ok(
        key,
        'POST',
        '/api/billing/events',
        {
          entityId: entity.id,
          userId: user.id,
          eventType: 'project_posted',
          occurredAt: '2027-03-10T12:00:00Z',
          idempotencyKey: `clock-event-${i}`,
        },
        200,
      );
      expect([outcome.status, outcome.ratedAmount, outcome.billedLater]).toEqual(['accepted', '2.00', '2.00']);
    }
    // After the clock's time (beyond the allowed skew): refused, as a future event is on wall time.
    const future = await call(key, 'POST', '/api/billing/events', {
      entityId: entity.id,
      userId: user.id,
      eventType: 'project_posted',
      occurredAt: '2027-03-16T00:00:00Z',
      idempotencyKey: 'clock-event-future',
    });
    expect([future.status, future.body.code]).toEqual([422, 'OCCURRED_AT_IN_FUTURE']);

    // Backwards is refused; one month forward is accepted and runs until every workflow caught up.
    const back = await call(key, 'POST', `/api/test-clocks/${clock.id}/advance`, {
      frozenTime: '2027-02-01T00:00:00Z',
    });
    expect([back.status, back.body.code]).toEqual([422, 'TEST_CLOCK_BACKWARDS']);
    await advance('2027-04-01T00:00:00Z');

    const invoices = await call(key, 'GET', `/api/billing/invoices?entityId=${entity.id}`);
    const march = invoices.body.data.find((i: { kind: string }) => i.kind === 'period');
    expect(march).toBeDefined();
    ctx.terminateAfter.push(`invoice:${march.id}`);
    const detail = await ok(key, 'GET', `/api/billing/invoices/${march.id}`, undefined, 200);
    const lines = (await ok(key, 'GET', `/api/billing/invoices/${march.id}/lines`, undefined, 200)).data as Array<{
      kind: string;
      amount: string;
    }>;
    // Seat fees in advance: March's fee (the subscription started on 1 March) and April's (the close renews it up to
    // the period's end), 3 x 10.00 each; the five events in arrears, 5 x 2.00.
    expect(lines.map((l) => [l.kind, l.amount]).sort()).toEqual([
      ['subscription_fee', '30.00'],
      ['subscription_fee', '30.00'],
      ['usage', '10.00'],
    ]);
    expect([detail.periodStart, detail.periodEnd, detail.total]).toEqual([
      '2027-03-01T00:00:00.000Z',
      '2027-04-01T00:00:00.000Z',
      '70.00',
    ]);
    // Collected on the clock's time by the sandbox card.
    expect(detail.status).toBe('paid');

    // The subscription renewed for April on the clock's time.
    const renewed = await ok(key, 'GET', `/api/billing/subscriptions/${subscription.id}`, undefined, 200);
    expect([renewed.currentPeriodStart, renewed.currentPeriodEnd]).toEqual([
      '2027-04-01T00:00:00.000Z',
      '2027-05-01T00:00:00.000Z',
    ]);
    // The billing workflow waits in April.
    const next = await call(key, 'GET', `/api/entities/${entity.id}/billing-workflow`);
    expect([next.body.state.periodStart, next.body.state.periodEnd]).toEqual([
      '2027-04-01T00:00:00.000Z',
      '2027-05-01T00:00:00.000Z',
    ]);

    // The marketplace heard of it by webhook.
    const paid = await eventually('invoice.paid', async () =>
      received.find((w) => w.type === 'invoice.paid' && w.data.invoiceId === march.id),
    );
    // Compared as numbers: the webhook's money format is being unified to the currency's minor units elsewhere.
    expect([Number(paid.data.total), Number(paid.data.amountPaid)]).toEqual([70, 70]);
    expect(received.some((w) => w.type === 'invoice.finalized' && w.data.invoiceId === march.id)).toBe(true);

    // The clock path's histories, for test/workflows/replay.test.ts (npm run histories:record).
    await recordHistory(asEnv(ctx.client), `billing:${entity.id}`, 'entityBillingWorkflow-testClock', {
      previousRun: true,
    });
    await recordHistory(asEnv(ctx.client), `subscription:${subscription.id}`, 'subscriptionWorkflow-testClock');

    // A deleted clock is gone from the API; its entity keeps the clock's last time.
    const listed = await ok(key, 'GET', '/api/test-clocks', undefined, 200);
    expect(listed.data.map((c: { id: string }) => c.id)).toEqual([clock.id]);
    expect(await ok(key, 'DELETE', `/api/test-clocks/${clock.id}`, undefined, 200)).toEqual({
      id: clock.id,
      object: 'test_clock',
      deleted: true,
    });
    expect((await call(key, 'GET', `/api/test-clocks/${clock.id}`)).status).toBe(404);

    // Ops see the run by names in the Temporal UI: summary and memo.
    const run = await ctx.client.workflow.getHandle(`billing:${entity.id}`).describe();
    expect(run.memo).toMatchObject({ entityName: 'Clockwork US', organizationName: 'Clockwork Market' });
  }, 120_000);
});
