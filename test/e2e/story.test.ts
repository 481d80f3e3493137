// The whole story through the HTTP API only, as a marketplace and its admin would drive it: a real listening API,
// a real worker on the Temporal dev server, real Postgres, and a real local webhook receiver. Every request goes
// through the typed client (api/client.ts).
//
//   bootstrap key -> organization (+ admin key) -> webhook endpoint -> entity -> users -> price book -> seat plan
//   -> subscription (3 seats) -> credit package + purchase -> 10 events -> 3 -> 5 seats (charged now, on an invoice of
//   its own) -> close the period -> the period invoice and its exact lines -> signed webhooks at the receiver

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../../api/client.js';
import { serveOverHttp } from '../support/services.js';
import { apiTestContext } from '../support/testContext.js';

const BOOTSTRAP_KEY = `bootstrap-${randomUUID()}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const ctx = apiTestContext('e2e-story', { worker: true, app: { bootstrapAdminKey: BOOTSTRAP_KEY } });
let api: Awaited<ReturnType<typeof serveOverHttp>>;
let apiUrl: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  api = await serveOverHttp(ctx.app);
  apiUrl = api.url;

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
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/billing-hooks`;
});

afterAll(async () => {
  await api?.close();
  await new Promise((r) => receiver?.close(r));
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function ok<T>(res: Response, status: number): Promise<T> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body as T;
}

type Line = { kind: string; description: string; amount: string; quantity?: string };

describe('a marketplace billing story, through the HTTP API only', () => {
  it('charges a seat increase on its own invoice, bills seats, usage and credits on the period invoice, and tells the marketplace by signed webhooks', async () => {
    // The platform operator creates the organization with the bootstrap key; it answers with the first admin key.
    const bootstrap = createApiClient(apiUrl, BOOTSTRAP_KEY);
    const created = await ok<{ organization: { id: string }; apiKey: { secret: string } }>(
      await bootstrap.api.organizations.$post({
        json: { name: 'Story Marketplace', billingEmail: 'billing@story.example' },
      }),
      201,
    );
    const admin = createApiClient(apiUrl, created.apiKey.secret);

    const endpoint = await ok<{ id: string; secret: string }>(
      await admin.api.webhooks.endpoints.$post({ json: { url: receiverUrl, description: 'permission system' } }),
      201,
    );
    expect(endpoint.secret).toMatch(/^whsec_/);

    const entity = await ok<{ id: string }>(
      await admin.api.entities.$post({
        json: {
          name: 'Story US',
          currency: 'USD',
          timeZone: 'UTC',
          overagePolicy: 'bill',
          lowBalanceThreshold: '5.00',
        },
      }),
      201,
    );
    ctx.terminateAfter.push(`billing:${entity.id}`);

    const users = [];
    for (const [i, name] of ['Ana', 'Ben'].entries()) {
      const user = await ok<{ id: string }>(
        await admin.api.users.$post({
          json: {
            email: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@story.example`,
            name,
            membership: {
              entityId: entity.id,
              role: 'member',
              creditLimit: i === 0 ? '100.00' : null,
              seatAssigned: true,
            },
          },
        }),
        201,
      );
      users.push(user);
    }

    await ok(
      await admin.api.billing['price-books'].$post({
        json: {
          name: 'Story prices',
          currency: 'USD',
          prices: [{ eventType: 'project_posted', model: 'flat', unitPrice: '2.00' }],
        },
      }),
      201,
    );
    const plan = await ok<{ id: string }>(
      await admin.api.billing['seat-plans'].$post({
        json: { name: 'Pro seat', interval: 'month', pricePerSeat: '10.00', currency: 'USD' },
      }),
      201,
    );

    const subscription = await ok<{ id: string; seats: number; status: string }>(
      await admin.api.billing.subscriptions.$post({ json: { entityId: entity.id, planId: plan.id, seats: 3 } }),
      201,
    );
    ctx.terminateAfter.push(`subscription:${subscription.id}`);
    expect(subscription).toMatchObject({ seats: 3, status: 'active' });

    const pkg = await ok<{ id: string }>(
      await admin.api.billing.credits.packages.$post({
        json: { name: '15 credits', credits: '15.00', price: '12.00', currency: 'USD', validityDays: 30 },
      }),
      201,
    );
    const purchase = await ok<{ grant: { id: string; remaining: string } }>(
      await admin.api.billing.credits.purchases.$post({
        json: { entityId: entity.id, packageId: pkg.id, idempotencyKey: `story-purchase-${entity.id}` },
      }),
      201,
    );
    expect(purchase.grant.remaining).toBe('15.00');
    ctx.terminateAfter.push(`credit-grant:${purchase.grant.id}`);

    // Ten events at 2.00: the first seven and a half are covered by the 15.00 of credits, the rest billed later.
    const outcomes = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(
        await ok<{ status: string; ratedAmount: string; creditsDrawn: string; billedLater: string }>(
          await admin.api.billing.events.$post({
            json: {
              entityId: entity.id,
              userId: users[i % 2]!.id,
              eventType: 'project_posted',
              occurredAt: new Date().toISOString(),
              idempotencyKey: `story-event-${i}`,
            },
          }),
          200,
        ),
      );
    }
    expect(outcomes.every((o) => o.status === 'accepted' && o.ratedAmount === '2.00')).toBe(true);
    const drawn = outcomes.reduce((s, o) => s.plus(o.creditsDrawn), new Decimal(0));
    const billedLater = outcomes.reduce((s, o) => s.plus(o.billedLater), new Decimal(0));
    expect(drawn.toFixed(2)).toBe('15.00');
    expect(billedLater.toFixed(2)).toBe('5.00');

    const change = await ok<{
      net: string;
      lines: Array<{ description: string; amount: string }>;
      subscription: { seats: number };
      invoice: { invoiceId: string; number: number; total: string };
    }>(
      await admin.api.billing.subscriptions[':subscriptionId'].seats!.$post({
        param: { subscriptionId: subscription.id },
        // The change routes share one path template, so their RPC body types merge; this is the seats body.
        json: { seats: 5 } as never,
      }),
      200,
    );
    expect(change.subscription.seats).toBe(5);
    expect(new Decimal(change.net).greaterThan(0)).toBe(true);
    // More seats are charged now: the change's own invoice, number 1, of exactly its proration lines.
    expect([change.invoice.number, change.invoice.total]).toEqual([1, change.net]);
    ctx.terminateAfter.push(`invoice:${change.invoice.invoiceId}`);
    const changeLines = (
      await ok<{ data: Line[] }>(
        await admin.api.billing.invoices[':invoiceId'].lines.$get({
          param: { invoiceId: change.invoice.invoiceId },
          query: {},
        }),
        200,
      )
    ).data;
    expect(changeLines.map((l) => [l.kind, l.amount])).toEqual(change.lines.map((l) => ['proration', l.amount]));

    await ok(
      await admin.api.entities[':entityId']['billing-workflow']['close-now'].$post({ param: { entityId: entity.id } }),
      202,
    );

    const invoice = await eventually('the invoice', async () => {
      const res = await admin.api.billing.invoices.$get({ query: { entityId: entity.id } });
      const list = (await res.json()) as { data: Array<{ id: string; status: string; kind: string }> };
      return list.data.find((i) => i.kind === 'period' && i.status !== 'draft');
    });
    ctx.terminateAfter.push(`invoice:${invoice.id}`);
    const detail = await ok<{
      number: number;
      currency: string;
      subtotal: string;
      creditsApplied: string;
      total: string;
      amountDue: string;
    }>(await admin.api.billing.invoices[':invoiceId'].$get({ param: { invoiceId: invoice.id } }), 200);
    const lines = (
      await ok<{ data: Line[] }>(
        await admin.api.billing.invoices[':invoiceId'].lines.$get({ param: { invoiceId: invoice.id }, query: {} }),
        200,
      )
    ).data;

    expect(detail.number).toBe(2);
    expect(detail.currency).toBe('USD');
    const byKind = (kind: string) => lines.filter((l) => l.kind === kind);
    // Usage in arrears: 10 x 2.00; the credits that paid for 15.00 of it shown as their own line.
    expect(byKind('usage').map((l) => l.amount)).toEqual(['20.00']);
    expect(byKind('credits_applied').map((l) => l.amount)).toEqual(['-15.00']);
    // The credit purchase itself is billed on this invoice.
    expect(byKind('credit_purchase').map((l) => l.amount)).toEqual(['12.00']);
    // The seat change's proration was invoiced on its own: not billed again here.
    expect(byKind('proration')).toEqual([]);
    // The first (partial) period of 3 seats at 10.00, charged in advance: a share of 30.00.
    const fee = byKind('subscription_fee');
    expect(fee).toHaveLength(1);
    expect(new Decimal(fee[0]!.amount).greaterThan(0) && new Decimal(fee[0]!.amount).lessThanOrEqualTo(30)).toBe(true);
    // Totals: exactly the sum of the lines.
    const sum = lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
    expect(new Decimal(detail.total).equals(sum)).toBe(true);
    expect(new Decimal(detail.creditsApplied).abs().toFixed(2)).toBe('15.00');
    expect(new Decimal(detail.amountDue).equals(Decimal.max(sum, 0))).toBe(true);

    // The marketplace's permission system heard about it: every request signed with the endpoint's secret.
    const verifier = new Webhook(endpoint.secret);
    const types = await eventually('the webhooks', async () => {
      const seen = received.map((r) => {
        const headers = {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        };
        return (verifier.verify(r.body, headers) as { type: string }).type;
      });
      return ['credits.low', 'credits.depleted', 'billing.overage', 'invoice.finalized'].every((t) => seen.includes(t))
        ? seen
        : undefined;
    });
    expect(types).toEqual(
      expect.arrayContaining(['credits.low', 'credits.depleted', 'billing.overage', 'invoice.finalized']),
    );
    // A tampered payload does not verify.
    const sample = received[0]!;
    expect(() =>
      verifier.verify(sample.body.replace('"', '" '), {
        'webhook-id': String(sample.headers['webhook-id']),
        'webhook-timestamp': String(sample.headers['webhook-timestamp']),
        'webhook-signature': String(sample.headers['webhook-signature']),
      }),
    ).toThrow();
  });
});
