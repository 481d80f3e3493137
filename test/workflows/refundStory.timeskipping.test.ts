// An invoice's whole money story through the API, against each provider (the sandbox; Stripe on stripe-mock), on the
// time-skipping server: a declined charge, a retry through the API with another card that pays, a partial refund with
// its credit note, the rest refunded (credit note 2), and every refusal on the way: more than was paid (422), an
// unpaid invoice (409), a reused idempotency key for another amount (409). The books check out afterwards. And the
// provider's faults: a refund it does not answer (503, the same request later refunds once, with the same key) and a
// refund it refuses (402 REFUND_FAILED: recorded failed, nothing returned, the amount free again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../activities/invariants/checkInvariants.js';
import { createWebhookDispatchActivities } from '../../activities/webhooks/dispatchActivity.js';
import type { App } from '../../api/app.js';
import { collectionStateQuery, type invoiceCollectionWorkflow } from '../../workflows/invoiceCollectionWorkflow.js';
import { caller, expectProblem } from '../support/apiFactories.js';
import { createTenant } from '../support/factories.js';
import { type ProviderUnderTest, providersUnderTest } from '../support/paymentProviders.js';
import { testApp } from '../support/services.js';
import { createOpenInvoice, eventually } from '../support/workflowFactories.js';
import { startTimeSkippingHarness, type TimeSkippingHarness } from '../support/workflowTesting.js';

describe.each(providersUnderTest)('refund story: %s', (name, start) => {
  let p: ProviderUnderTest;
  let h: TimeSkippingHarness;
  let app: App;
  beforeAll(async () => {
    p = await start();
    h = await startTimeSkippingHarness(`refund-story-${name}`, { paymentProvider: p.provider });
    app = testApp(h.db, h.env.client, h.taskQueue, { paymentProvider: p.provider, searchAttributes: false });
  });
  afterAll(async () => {
    await h?.stop();
    await p?.stop();
  });

  it('decline, retry through the API, paid, partial refund and credit note, the rest refunded', async () => {
    const { db } = h;
    const tenant = await createTenant(db);
    const admin = caller(app, tenant.adminKey);
    const methods = `/api/entities/${tenant.entityId}/payment-methods`;
    expect((await admin('POST', methods, { token: p.methods.declined })).body.isDefault).toBe(true);
    const good = await admin('POST', methods, { token: p.methods.ok });
    const invoice = await createOpenInvoice(db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      amount: '49',
      periodStart: new Date('2026-10-01T00:00:00Z'),
      periodEnd: new Date('2026-11-01T00:00:00Z'),
    });
    const refunds = `/api/billing/invoices/${invoice.id}/refunds`;
    expectProblem(await admin('POST', refunds, { idempotencyKey: 'early' }), 409, 'INVOICE_NOT_REFUNDABLE');

    // Decline.
    await createWebhookDispatchActivities(db, h.env.client, h.taskQueue, false).startInvoiceCollection({
      invoiceId: invoice.id,
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
    });
    const handle = h.env.client.workflow.getHandle<typeof invoiceCollectionWorkflow>(`invoice:${invoice.id}`);
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined));

    // Retry through the API with the other card: paid.
    const retry = await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`, {
      paymentMethodId: good.body.id,
    });
    expect(retry.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'paid', attempts: 2 });
    const paid = await admin('GET', `/api/billing/invoices/${invoice.id}`);
    expect(paid.body).toMatchObject({ status: 'paid', amountPaid: '49.00', amountRefunded: '0.00' });
    const payments = await admin('GET', `/api/billing/invoices/${invoice.id}/payments`);
    expect(
      payments.body.data[0].attempts.map((a: { status: string; errorCode: string | null }) => [a.status, a.errorCode]),
    ).toEqual([
      ['failed', 'card_declined'],
      ['succeeded', null],
    ]);
    const paymentId = payments.body.data[0].id;
    const paymentRef = payments.body.data[0].providerRef;

    // A partial refund: its credit note is number 1.
    const partial = await admin('POST', refunds, {
      amount: '10.00',
      reason: 'requested_by_customer',
      idempotencyKey: 'r1',
    });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({
      invoiceId: invoice.id,
      paymentId,
      entityId: tenant.entityId,
      kind: 'invoice',
      amount: '10.00',
      currency: 'USD',
      status: 'succeeded',
      provider: name,
      reason: 'requested_by_customer',
      failureCode: null,
      creditNote: { number: 1 },
    });
    expect(partial.body.providerRef).toMatch(name === 'stripe' ? /^re_/ : /^re_sandbox_/);
    const replay = await admin('POST', refunds, {
      amount: '10.00',
      reason: 'requested_by_customer',
      idempotencyKey: 'r1',
    });
    expect([replay.status, replay.body.id, replay.body.creditNote]).toEqual([
      200,
      partial.body.id,
      partial.body.creditNote,
    ]);
    expectProblem(
      await admin('POST', refunds, { amount: '11.00', idempotencyKey: 'r1' }),
      409,
      'IDEMPOTENCY_KEY_CONFLICT',
    );

    // More than was paid minus the refund: refused, nothing written.
    const exceeds = await admin('POST', refunds, { amount: '39.01', idempotencyKey: 'r2' });
    expectProblem(exceeds, 422, 'REFUND_EXCEEDS_PAID');
    expectProblem(
      await admin('POST', refunds, { amount: '1.0000001', idempotencyKey: 'r2' }),
      422,
      'VALIDATION_FAILED',
    );
    expectProblem(await admin('POST', refunds, { amount: '1.001', idempotencyKey: 'r2' }), 422, 'INVALID_AMOUNT');
    expect(await db.refund.count({ where: { invoiceId: invoice.id } })).toBe(1);

    // The rest.
    const rest = await admin('POST', refunds, { idempotencyKey: 'r3' });
    expect(rest.body).toMatchObject({ amount: '39.00', status: 'succeeded', creditNote: { number: 2 } });
    expectProblem(await admin('POST', refunds, { idempotencyKey: 'r4' }), 422, 'INVALID_AMOUNT');
    expect((await admin('GET', `/api/billing/invoices/${invoice.id}`)).body).toMatchObject({
      status: 'paid',
      amountPaid: '49.00',
      amountRefunded: '49.00',
    });
    expect((await admin('GET', `/api/billing/payments/${paymentId}`)).body.amountRefunded).toBe('49.00');

    // The ledger of what was returned, and the documents.
    const ledger = await admin('GET', `/api/billing/refunds?invoiceId=${invoice.id}`);
    expect(
      ledger.body.data.map((r: { amount: string; creditNote: { number: number } }) => [r.amount, r.creditNote.number]),
    ).toEqual([
      ['10.00', 1],
      ['39.00', 2],
    ]);
    const notes = await admin('GET', `/api/billing/credit-notes?entityId=${tenant.entityId}`);
    expect(
      notes.body.data.map((n: { number: number; amount: string; invoiceNumber: number; description: string }) => [
        n.number,
        n.amount,
        n.invoiceNumber,
        n.description,
      ]),
    ).toEqual([
      [1, '10.00', invoice.number, `Refund on invoice ${invoice.number}`],
      [2, '39.00', invoice.number, `Refund on invoice ${invoice.number}`],
    ]);
    const html = await admin('GET', `/api/billing/credit-notes/${notes.body.data[0].id}/html`);
    expect(html.status).toBe(200);
    expect(html.body).toContain('<h1>Credit note 1</h1>');
    expect(html.body).toContain('10.00 USD');
    expect(html.body).toContain(`Invoice ${invoice.number}`);

    const events = await db.webhookEvent.findMany({
      where: { entityId: tenant.entityId, type: { in: ['credit_note.issued', 'refund.succeeded'] } },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => e.type)).toEqual([
      'credit_note.issued',
      'refund.succeeded',
      'credit_note.issued',
      'refund.succeeded',
    ]);
    if (p.stripe) {
      const sent = p.stripe.requests.filter((r) => r.path === '/v1/refunds');
      const ours = sent.filter((r) => r.params.get('payment_intent') === paymentRef);
      expect(ours.map((r) => [r.params.get('amount'), r.idempotencyKey])).toEqual([
        ['1000', `refund:${partial.body.id}`],
        ['3900', `refund:${rest.body.id}`],
      ]);
    }
    expect((await checkInvariants(db, { organizationId: tenant.organizationId })).violations).toEqual([]);
  }, 120_000);

  it('an invoice paid out of band is refunded out of band, with its credit note; numbers continue per organization', async () => {
    const { db } = h;
    const tenant = await createTenant(db);
    const admin = caller(app, tenant.adminKey);
    const invoices = [];
    for (const amount of ['20', '30']) {
      const invoice = await createOpenInvoice(db, {
        organizationId: tenant.organizationId,
        entityId: tenant.entityId,
        amount,
        periodStart: new Date(`2026-${amount === '20' ? '09' : '10'}-01T00:00:00Z`),
        periodEnd: new Date(`2026-${amount === '20' ? '10' : '11'}-01T00:00:00Z`),
      });
      expect(
        (await admin('POST', `/api/billing/invoices/${invoice.id}/mark-paid`, { method: 'wire_transfer' })).status,
      ).toBe(200);
      invoices.push(invoice);
    }
    const first = await admin('POST', `/api/billing/invoices/${invoices[1]!.id}/refunds`, {
      amount: '5.00',
      idempotencyKey: 'a',
    });
    const second = await admin('POST', `/api/billing/invoices/${invoices[0]!.id}/refunds`, { idempotencyKey: 'a' });
    expect([first.body.status, first.body.provider, first.body.providerRef, first.body.creditNote.number]).toEqual([
      'succeeded',
      'out_of_band',
      null,
      1,
    ]);
    expect([second.body.amount, second.body.creditNote.number]).toEqual(['20.00', 2]);
    if (p.stripe)
      expect(
        p.stripe.requests.filter(
          (r) => r.path === '/v1/refunds' && r.params.get('metadata[organizationId]') === tenant.organizationId,
        ),
      ).toEqual([]);
  }, 60_000);

  it('the provider does not answer a refund: 503, the same request refunds once; the provider refuses one: 402', async () => {
    const { db } = h;
    const tenant = await createTenant(db);
    const admin = caller(app, tenant.adminKey);
    // The sandbox's pm_card_timeout leaves the first call of each key (charge or refund) unanswered; Stripe's test
    // mode holds back the next refund request's answer.
    const token = name === 'sandbox' ? 'pm_card_timeout' : p.methods.ok;
    expect((await admin('POST', `/api/entities/${tenant.entityId}/payment-methods`, { token })).status).toBe(201);
    const invoice = await createOpenInvoice(db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      amount: '49',
      periodStart: new Date('2026-10-01T00:00:00Z'),
      periodEnd: new Date('2026-11-01T00:00:00Z'),
    });
    await createWebhookDispatchActivities(db, h.env.client, h.taskQueue, false).startInvoiceCollection({
      invoiceId: invoice.id,
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
    });
    const handle = h.env.client.workflow.getHandle<typeof invoiceCollectionWorkflow>(`invoice:${invoice.id}`);
    expect(await handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    const payment = await db.payment.findFirstOrThrow({ where: { invoiceId: invoice.id } });
    const refunds = `/api/billing/invoices/${invoice.id}/refunds`;

    // No answer: 503, the refund stays pending (and counts against what is left), nothing is credited yet.
    p.stripe?.stallNext(1, '/v1/refunds');
    expectProblem(
      await admin('POST', refunds, { amount: '10.00', idempotencyKey: 'slow' }),
      503,
      'PAYMENT_PROVIDER_UNAVAILABLE',
    );
    const pending = await db.refund.findFirstOrThrow({ where: { invoiceId: invoice.id } });
    expect([pending.status, pending.amount.toFixed(2)]).toEqual(['pending', '10.00']);
    expect(await db.creditNote.count({ where: { refundId: pending.id } })).toBe(0);
    expectProblem(
      await admin('POST', refunds, { amount: '39.01', idempotencyKey: 'more' }),
      422,
      'REFUND_EXCEEDS_PAID',
    );

    // The same request again: the same refund, asked for with the same key, refunded once.
    const again = await admin('POST', refunds, { amount: '10.00', idempotencyKey: 'slow' });
    expect([again.status, again.body.id, again.body.status, again.body.creditNote.number]).toEqual([
      200,
      pending.id,
      'succeeded',
      1,
    ]);
    expect(await db.refund.count({ where: { invoiceId: invoice.id } })).toBe(1);
    if (p.stripe) {
      const sent = p.stripe.requests.filter(
        (r) => r.path === '/v1/refunds' && r.params.get('payment_intent') === payment.providerRef,
      );
      expect(sent.map((r) => [r.idempotencyKey, r.params.get('amount')])).toEqual([
        [`refund:${pending.id}`, '1000'],
        [`refund:${pending.id}`, '1000'],
      ]);
    }

    // 35.00 refunded at the provider itself (its dashboard), its webhook not here yet: the provider has 4.00 left, so
    // a refund of 5.00 through the platform is refused there.
    const dashboard = {
      idempotencyKey: `dashboard:${invoice.id}`,
      paymentRef: payment.providerRef!,
      amount: '35.00',
      currency: 'USD',
      metadata: {},
    };
    // (The sandbox leaves this key's first call unanswered too: asked again with the same key.)
    const outside = await p.provider.refund(dashboard).catch(() => p.provider.refund(dashboard));
    expect(outside.status).toBe('succeeded');
    // As the API asks of its clients: a 503 is answered by the same request again (the sandbox's first call of every
    // refund key of this charge goes unanswered).
    const refund = async (body: Record<string, unknown>) => {
      const first = await admin('POST', refunds, body);
      return first.status === 503 ? admin('POST', refunds, body) : first;
    };
    const refused = await refund({ amount: '5.00', idempotencyKey: 'refused' });
    expectProblem(refused, 402, 'REFUND_FAILED');
    const failed = await db.refund.findFirstOrThrow({ where: { idempotencyKey: `refund:${invoice.id}:refused` } });
    expect([failed.status, failed.failureCode]).toEqual(['failed', 'amount_too_large']);
    expect(await db.creditNote.count({ where: { refundId: failed.id } })).toBe(0);
    expect((await admin('GET', `/api/billing/invoices/${invoice.id}`)).body.amountRefunded).toBe('10.00');
    const notice = await db.webhookEvent.findFirstOrThrow({
      where: { entityId: tenant.entityId, type: 'refund.failed' },
    });
    expect(notice.payload).toMatchObject({ refundId: failed.id, amount: '5.00', errorCode: 'amount_too_large' });

    // What the provider has left goes through, with the next credit note number.
    const rest = await refund({ amount: '4.00', idempotencyKey: 'rest' });
    expect([rest.body.status, rest.body.creditNote.number]).toEqual(['succeeded', 2]);
    expect((await admin('GET', `/api/billing/payments/${payment.id}`)).body.amountRefunded).toBe('14.00');
    expect((await checkInvariants(db, { organizationId: tenant.organizationId })).violations).toEqual([]);
  }, 120_000);
});
