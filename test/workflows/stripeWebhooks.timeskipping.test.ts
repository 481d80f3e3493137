// POST /api/providers/stripe/webhooks with the Stripe adapter on stripe-mock: events signed with the SDK's test helper
// decide charges the provider answered `processing` (the collection workflow continues from the signal), and the
// answer of a charge whose call timed out; a bad signature is 401 and changes nothing; a replayed event changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db.js';
import type { App } from '../../api/app.js';
import { collectionStateQuery, invoiceCollectionWorkflow } from '../../workflows/invoiceCollectionWorkflow.js';
import { caller, expectProblem } from '../support/apiFactories.js';
import { createTenant } from '../support/factories.js';
import { type ProviderUnderTest, signedStripeEvent, stripeUnderTest } from '../support/paymentProviders.js';
import { testApp } from '../support/services.js';
import { createOpenInvoice, eventually } from '../support/workflowFactories.js';
import {
  recordHistory,
  skipTo,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from '../support/workflowTesting.js';

const DAY = 86_400_000;
const path = '/api/providers/stripe/webhooks';
let p: ProviderUnderTest;
let h: TimeSkippingHarness;
let app: App;
let db: Db;

beforeAll(async () => {
  p = await stripeUnderTest();
  h = await startTimeSkippingHarness('stripe-webhooks', { paymentProvider: p.provider });
  db = h.db;
  app = testApp(db, h.env.client, h.taskQueue, {
    paymentProvider: p.provider,
    stripeWebhookSecret: p.webhookSecret,
    searchAttributes: false,
  });
});
afterAll(async () => {
  await h?.stop();
  await p?.stop();
});

async function post(event: Parameters<typeof signedStripeEvent>[0], secret?: string, signature?: string) {
  const signed = signedStripeEvent(event, secret);
  const res = await app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === '' ? {} : { 'stripe-signature': signature ?? signed.signature }),
    },
    body: signed.payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function collect(paymentMethod: string) {
  const tenant = await createTenant(db);
  await db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: paymentMethod } });
  const invoice = await createOpenInvoice(db, {
    organizationId: tenant.organizationId,
    entityId: tenant.entityId,
    amount: '49',
    periodStart: new Date('2026-10-01T00:00:00Z'),
    periodEnd: new Date('2026-11-01T00:00:00Z'),
  });
  const t0 = await h.env.currentTimeMs();
  const handle = await h.env.client.workflow.start(invoiceCollectionWorkflow, {
    workflowId: `invoice:${invoice.id}`,
    taskQueue: h.taskQueue,
    args: [{ invoiceId: invoice.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
  });
  return { tenant, invoice, handle, t0 };
}

const attemptRef = async (invoiceId: string, attempt = 1) =>
  eventually(async () => {
    const row = await db.paymentAttempt.findFirst({
      where: { attemptNumber: attempt, payment: { invoiceId }, status: 'processing' },
    });
    return row?.providerRef ?? undefined;
  });

describe('Stripe webhooks in', () => {
  it('a processing charge succeeds by payment_intent.succeeded: paid once, the workflow ends; a replay changes nothing', async () => {
    const c = await collect('pm_usBankAccount_processing');
    const pi = await attemptRef(c.invoice.id);
    expect(pi).toMatch(/^pi_/);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'processing' ? true : undefined,
    );
    expect((await db.invoice.findUniqueOrThrow({ where: { id: c.invoice.id } })).status).toBe('open');

    const event = {
      id: `evt_${c.invoice.id}`,
      type: 'payment_intent.succeeded',
      data: { object: { id: pi, object: 'payment_intent', status: 'succeeded' } },
    };
    const first = await post(event);
    expect([first.status, first.body]).toEqual([
      200,
      { received: true, eventId: event.id, type: event.type, replayed: false, outcome: 'attempt_succeeded' },
    ]);
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    const invoice = await db.invoice.findUniqueOrThrow({ where: { id: c.invoice.id } });
    expect([invoice.status, invoice.amountPaid.toString()]).toEqual(['paid', '49']);

    const again = await post(event);
    expect([again.status, again.body.replayed, again.body.outcome]).toEqual([200, true, 'attempt_succeeded']);
    expect(await db.webhookEvent.count({ where: { entityId: c.tenant.entityId, type: 'invoice.paid' } })).toBe(1);
    expect(await db.providerEvent.count({ where: { provider: 'stripe', eventId: event.id } })).toBe(1);
    await recordHistory(h.env, c.handle.workflowId, 'invoiceCollectionWorkflow-processing');
  }, 60_000);

  it('a processing charge fails by payment_intent.payment_failed: the dunning schedule goes on', async () => {
    const c = await collect('pm_usBankAccount_processing');
    const pi = await attemptRef(c.invoice.id);
    const failed = await post({
      id: `evt_failed_${c.invoice.id}`,
      type: 'payment_intent.payment_failed',
      data: {
        object: {
          id: pi,
          object: 'payment_intent',
          status: 'requires_payment_method',
          last_payment_error: {
            code: 'card_declined',
            decline_code: 'insufficient_funds',
            message: 'Insufficient funds',
          },
        },
      },
    });
    expect([failed.status, failed.body.outcome]).toEqual([200, 'attempt_failed']);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined,
    );
    const attempt = await db.paymentAttempt.findFirstOrThrow({ where: { payment: { invoiceId: c.invoice.id } } });
    expect([attempt.status, attempt.errorCode, attempt.decision]).toEqual(['failed', 'insufficient_funds', 'retry']);
    const notice = await db.webhookEvent.findFirstOrThrow({
      where: { entityId: c.tenant.entityId, type: 'invoice.payment_failed' },
    });
    expect(notice.payload).toMatchObject({ attempt: 1, errorCode: 'insufficient_funds', decision: 'retry' });
    expect(Date.parse((notice.payload as { nextAttemptAt: string }).nextAttemptAt) - c.t0).toBeGreaterThanOrEqual(
      DAY - 5_000,
    );
    await c.handle.terminate('test done');
  }, 60_000);

  it('no webhook for a day: the workflow asks Stripe, which now says succeeded', async () => {
    const c = await collect('pm_usBankAccount_processing');
    const pi = await attemptRef(c.invoice.id);
    p.stripe!.setPaymentIntentStatus(pi, 'succeeded');
    await skipTo(h.env, c.t0 + DAY + 60_000);
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    expect(p.stripe!.requests.some((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${pi}`)).toBe(true);
  }, 60_000);

  it('a charge whose answer timed out: the webhook records it by its metadata, the retried call finds it, paid once', async () => {
    p.stripe!.stallNext(1);
    const c = await collect('pm_card_visa');
    const stalled = await eventually(async () =>
      p.stripe!.requests.find((r) => r.params.get('metadata[invoiceId]') === c.invoice.id && r.response),
    );
    const piId = (stalled.response!.body as { id: string }).id;
    const res = await post({
      id: `evt_timeout_${c.invoice.id}`,
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: piId,
          object: 'payment_intent',
          status: 'succeeded',
          metadata: { invoiceId: c.invoice.id, attempt: '1' },
        },
      },
    });
    expect(res.status).toBe(200);
    expect(['attempt_succeeded', 'already_recorded']).toContain(res.body.outcome);
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    const attempts = await db.paymentAttempt.findMany({ where: { payment: { invoiceId: c.invoice.id } } });
    expect(attempts.map((a) => [a.status, a.providerRef])).toEqual([['succeeded', piId]]);
    expect(await db.webhookEvent.count({ where: { entityId: c.tenant.entityId, type: 'invoice.paid' } })).toBe(1);
  }, 60_000);

  it('charge.refunded: money refunded at Stripe beyond the platform refunds is recorded with its credit note, once', async () => {
    const c = await collect('pm_card_visa');
    expect(await c.handle.result()).toMatchObject({ status: 'paid' });
    const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: c.invoice.id } });
    const admin = caller(app, c.tenant.adminKey);
    const ours = await admin('POST', `/api/billing/invoices/${c.invoice.id}/refunds`, {
      amount: '10.00',
      idempotencyKey: 'k',
    });
    expect([ours.status, ours.body.creditNote.number]).toEqual([201, 1]);
    const event = {
      id: `evt_refunded_${c.invoice.id}`,
      type: 'charge.refunded',
      data: {
        object: { id: 'ch_dashboard', object: 'charge', payment_intent: payment.providerRef, amount_refunded: 1500 },
      },
    };
    const res = await post(event);
    expect([res.status, res.body.outcome]).toEqual([200, 'refund_succeeded']);
    expect((await post(event)).body.replayed).toBe(true);
    const refunds = await db.refund.findMany({
      where: { invoiceId: c.invoice.id },
      include: { creditNote: true },
      orderBy: { id: 'asc' },
    });
    expect(refunds.map((r) => [r.amount.toFixed(2), r.status, r.reason, r.creditNote?.number])).toEqual([
      ['10.00', 'succeeded', null, 1],
      ['5.00', 'succeeded', 'refunded_at_provider', 2],
    ]);
    expect((await db.invoice.findUniqueOrThrow({ where: { id: c.invoice.id } })).amountRefunded.toFixed(2)).toBe(
      '15.00',
    );
  }, 60_000);

  it('a dispute marks the payment disputed and notifies; by default the entity stays active', async () => {
    const c = await collect('pm_card_visa');
    expect(await c.handle.result()).toMatchObject({ status: 'paid' });
    const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: c.invoice.id } });
    const opened = {
      id: `evt_dispute_${c.invoice.id}`,
      type: 'charge.dispute.created',
      data: {
        object: {
          id: `dp_${c.invoice.id}`,
          object: 'dispute',
          payment_intent: payment.providerRef,
          amount: 4900,
          currency: 'usd',
          reason: 'fraudulent',
          status: 'needs_response',
        },
      },
    };
    expect((await post(opened)).body.outcome).toBe('dispute_opened');
    expect((await post({ ...opened, id: `${opened.id}_again` })).body.outcome).toBe('already_recorded');
    const admin = caller(app, c.tenant.adminKey);
    const shown = await admin('GET', `/api/billing/payments/${payment.id}`);
    expect(shown.body.disputed).toBe(true);
    expect(
      shown.body.disputes.map((d: { status: string; amount: string; reason: string }) => [
        d.status,
        d.amount,
        d.reason,
      ]),
    ).toEqual([['open', '49.00', 'fraudulent']]);
    const notice = await db.webhookEvent.findFirstOrThrow({
      where: { entityId: c.tenant.entityId, type: 'payment.disputed' },
    });
    expect(notice.payload).toMatchObject({
      paymentId: payment.id,
      invoiceId: c.invoice.id,
      amount: '49.00',
      entitySuspended: false,
    });
    expect((await db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status).toBe('active');
    const closed = await post({
      id: `evt_dispute_closed_${c.invoice.id}`,
      type: 'charge.dispute.closed',
      data: { object: { id: `dp_${c.invoice.id}`, object: 'dispute', status: 'won' } },
    });
    expect(closed.body.outcome).toBe('dispute_closed');
    expect((await db.dispute.findFirstOrThrow({ where: { paymentId: payment.id } })).status).toBe('won');
  }, 60_000);

  it('suspendOnDispute: the entity is suspended until the dispute closes; paying another invoice does not lift it', async () => {
    const c = await collect('pm_card_visa');
    expect(await c.handle.result()).toMatchObject({ status: 'paid' });
    const admin = caller(app, c.tenant.adminKey);
    expect(
      (await admin('PATCH', '/api/billing/payment-settings', { suspendOnDispute: true })).body.suspendOnDispute,
    ).toBe(true);
    const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: c.invoice.id } });
    await post({
      id: `evt_dispute_${c.invoice.id}`,
      type: 'charge.dispute.created',
      data: {
        object: {
          id: `dp_${c.invoice.id}`,
          object: 'dispute',
          payment_intent: payment.providerRef,
          amount: 4900,
          reason: 'product_not_received',
        },
      },
    });
    const entity = await db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } });
    expect(entity.status).toBe('suspended');
    const suspended = await db.webhookEvent.findFirstOrThrow({
      where: { entityId: c.tenant.entityId, type: 'entity.suspended' },
    });
    expect(suspended.payload).toMatchObject({ reason: 'payment_disputed', invoiceId: c.invoice.id });

    const other = await createOpenInvoice(db, {
      organizationId: c.tenant.organizationId,
      entityId: c.tenant.entityId,
      amount: '5',
      periodStart: new Date('2026-11-01T00:00:00Z'),
      periodEnd: new Date('2026-12-01T00:00:00Z'),
    });
    expect((await admin('POST', `/api/billing/invoices/${other.id}/mark-paid`)).status).toBe(200);
    expect((await db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status).toBe('suspended');

    await post({
      id: `evt_dispute_lost_${c.invoice.id}`,
      type: 'charge.dispute.closed',
      data: { object: { id: `dp_${c.invoice.id}`, object: 'dispute', status: 'lost' } },
    });
    expect((await db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status).toBe('active');
    const reactivated = await db.webhookEvent.findMany({
      where: { entityId: c.tenant.entityId, type: 'entity.reactivated' },
    });
    expect(reactivated.map((e) => (e.payload as { reason: string }).reason)).toEqual(['dispute_closed']);
    expect((await db.dispute.findFirstOrThrow({ where: { paymentId: payment.id } })).status).toBe('lost');
  }, 60_000);

  it('a closed dispute event that overtook its created event: recorded opened and closed at once; the late created changes nothing', async () => {
    const c = await collect('pm_card_visa');
    expect(await c.handle.result()).toMatchObject({ status: 'paid' });
    const admin = caller(app, c.tenant.adminKey);
    await admin('PATCH', '/api/billing/payment-settings', { suspendOnDispute: true });
    const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: c.invoice.id } });
    const dispute = {
      id: `dp_early_${c.invoice.id}`,
      object: 'dispute',
      payment_intent: payment.providerRef,
      charge: 'ch_early',
      amount: 1250,
      currency: 'usd',
      reason: 'duplicate',
    };
    const closed = await post({
      id: `evt_closed_first_${c.invoice.id}`,
      type: 'charge.dispute.closed',
      data: { object: { ...dispute, status: 'won' } },
    });
    expect(closed.body.outcome).toBe('dispute_closed');
    const late = await post({
      id: `evt_created_late_${c.invoice.id}`,
      type: 'charge.dispute.created',
      data: { object: { ...dispute, status: 'needs_response' } },
    });
    expect(late.body.outcome).toBe('already_recorded');
    const rows = await db.dispute.findMany({ where: { paymentId: payment.id } });
    expect(rows.map((d) => [d.status, d.amount.toFixed(2), d.reason, d.suspendedEntity])).toEqual([
      ['won', '12.50', 'duplicate', false],
    ]);
    expect((await db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status).toBe('active');
    const types = await db.webhookEvent.findMany({
      where: { entityId: c.tenant.entityId, type: { startsWith: 'payment.' } },
      orderBy: { id: 'asc' },
    });
    // The charge's own payment.succeeded first, then the dispute opened and closed.
    expect(types.map((e) => e.type)).toEqual(['payment.succeeded', 'payment.disputed', 'payment.dispute_closed']);
    expect(types[2]!.payload).toMatchObject({ status: 'won', paymentId: payment.id, invoiceId: c.invoice.id });
  }, 60_000);

  it('a dispute about a payment the platform does not know changes nothing', async () => {
    const before = await db.dispute.count();
    const res = await post({
      id: 'evt_dispute_foreign',
      type: 'charge.dispute.created',
      data: { object: { id: 'dp_foreign', object: 'dispute', payment_intent: 'pi_elsewhere', amount: 100 } },
    });
    expect([res.status, res.body.outcome]).toEqual([200, 'unknown_payment']);
    expect(await db.dispute.count()).toBe(before);
  }, 60_000);

  it('a bad, missing or foreign signature is 401 and changes nothing', async () => {
    const before = await db.providerEvent.count();
    const event = { id: 'evt_forged', type: 'payment_intent.succeeded', data: { object: { id: 'pi_forged' } } };
    expectProblem(
      {
        ...(await post(event, 'whsec_someone_else')),
        headers: new Headers({ 'content-type': 'application/problem+json' }),
      },
      401,
      'INVALID_SIGNATURE',
    );
    expect((await post(event, undefined, '')).status).toBe(401);
    expect((await post(event, undefined, 't=1,v1=deadbeef')).status).toBe(401);
    const tampered = signedStripeEvent(event);
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': tampered.signature },
      body: tampered.payload.replace('pi_forged', 'pi_other'),
    });
    expect(res.status).toBe(401);
    expect(await db.providerEvent.count()).toBe(before);
  });

  it('a signed body that is not a Stripe event is 422 problem+json and applies nothing', async () => {
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect([res.status, res.headers.get('content-type')]).toEqual([422, 'application/problem+json']);
  });

  it('an event about a payment the platform does not know, and an event type it does not handle, are acknowledged', async () => {
    const unknown = await post({
      id: 'evt_unknown_pi',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_not_ours' } },
    });
    expect([unknown.status, unknown.body.outcome]).toEqual([200, 'unknown_payment']);
    const other = await post({ id: 'evt_customer', type: 'customer.created', data: { object: { id: 'cus_1' } } });
    expect([other.status, other.body.outcome]).toEqual([200, 'ignored']);
  });

  it('without STRIPE_WEBHOOK_SECRET the route answers 503 and applies nothing', async () => {
    const bare = testApp(db, h.env.client, h.taskQueue, { paymentProvider: p.provider });
    const signed = signedStripeEvent({ id: 'evt_unconfigured', type: 'customer.created', data: { object: {} } });
    const res = await bare.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signed.signature },
      body: signed.payload,
    });
    expect(res.status).toBe(503);
    expect(await db.providerEvent.count({ where: { eventId: 'evt_unconfigured' } })).toBe(0);
  });
});
