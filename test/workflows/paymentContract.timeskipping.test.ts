// Collection and dunning through each payment provider: one suite, run with the sandbox and with the Stripe adapter
// on Stripe's test mode over stripe-mock. The invoice's collection workflow on the time-skipping server charges through
// the provider, follows the dunning decisions (a decline is retried on the schedule, an authentication requirement
// waits for the customer) and a timeout is retried with the same key; the platform's state is asserted the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectionStateQuery,
  invoiceCollectionWorkflow,
  retryPaymentSignal,
} from '../../workflows/invoiceCollectionWorkflow.js';
import { createTenant } from '../support/factories.js';
import { type ProviderUnderTest, providersUnderTest } from '../support/paymentProviders.js';
import { createOpenInvoice, eventually } from '../support/workflowFactories.js';
import {
  recordHistory,
  skipTo,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from '../support/workflowTesting.js';

const DAY = 86_400_000;

describe.each(providersUnderTest)('collection contract: %s', (name, start) => {
  let p: ProviderUnderTest;
  let h: TimeSkippingHarness;
  beforeAll(async () => {
    p = await start();
    h = await startTimeSkippingHarness(`contract-${name}`, { paymentProvider: p.provider });
  });
  afterAll(async () => {
    await h?.stop();
    await p?.stop();
  });

  async function collect(paymentMethod: string | null, amount = '49.00') {
    const tenant = await createTenant(h.db);
    await h.db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: paymentMethod } });
    const invoice = await createOpenInvoice(h.db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      amount,
      periodStart: new Date('2026-10-01T00:00:00Z'),
      periodEnd: new Date('2026-11-01T00:00:00Z'),
    });
    const t0 = await h.env.currentTimeMs();
    const handle = await h.env.client.workflow.start(invoiceCollectionWorkflow, {
      workflowId: `invoice:${invoice.id}`,
      taskQueue: h.taskQueue,
      args: [{ invoiceId: invoice.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
    });
    const attempts = () =>
      h.db.paymentAttempt.findMany({
        where: { payment: { invoiceId: invoice.id } },
        orderBy: { attemptNumber: 'asc' },
      });
    return { tenant, invoice, handle, t0, attempts };
  }

  it('a good card pays at once: the invoice paid, the payment succeeded with the provider reference', async () => {
    const c = await collect(p.methods.ok);
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    const invoice = await h.db.invoice.findUniqueOrThrow({ where: { id: c.invoice.id } });
    expect([invoice.status, invoice.amountPaid.toString()]).toEqual(['paid', '49']);
    const payment = await h.db.payment.findFirstOrThrow({ where: { invoiceId: c.invoice.id } });
    expect([payment.status, payment.provider, payment.amount.toString(), payment.paymentMethod]).toEqual([
      'succeeded',
      name,
      '49',
      p.methods.ok,
    ]);
    expect(payment.providerRef).toMatch(name === 'stripe' ? /^pi_/ : /^ch_sandbox_/);
    const [attempt] = await c.attempts();
    expect([attempt!.status, attempt!.idempotencyKey, attempt!.providerRef]).toEqual([
      'succeeded',
      `payment:${c.invoice.id}:1`,
      payment.providerRef,
    ]);
    expect(await h.db.paymentCustomer.count({ where: { entityId: c.tenant.entityId, provider: name } })).toBe(1);
    if (p.stripe) {
      const sent = p.stripe.requests.find((r) => r.idempotencyKey === `payment:${c.invoice.id}:1`)!;
      expect([sent.params.get('amount'), sent.params.get('currency'), sent.params.get('off_session')]).toEqual([
        '4900',
        'usd',
        'true',
      ]);
    }
  });

  it('a declined card: retried 1, 3 and 7 days later, past due and suspended; a retry with a good card pays', async () => {
    const c = await collect(p.methods.declined);
    await eventually(async () => ((await c.attempts()).length === 1 ? true : undefined));
    await skipTo(h.env, c.t0 + 7 * DAY + 60_000);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'past_due' ? true : undefined,
    );
    expect((await c.attempts()).map((a) => [a.attemptNumber, a.status, a.errorCode, a.decision])).toEqual([
      [1, 'failed', 'card_declined', 'retry'],
      [2, 'failed', 'card_declined', 'retry'],
      [3, 'failed', 'card_declined', 'retry'],
      [4, 'failed', 'card_declined', 'retry'],
    ]);
    await eventually(async () =>
      (await h.db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status === 'suspended'
        ? true
        : undefined,
    );
    await c.handle.signal(retryPaymentSignal, { paymentMethod: p.methods.ok });
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 5 });
    expect((await h.db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status).toBe('active');
    const events = await h.db.webhookEvent.findMany({ where: { entityId: c.tenant.entityId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual([
      'invoice.payment_failed',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'payment.failed',
      'invoice.past_due',
      'entity.suspended',
      'payment.succeeded',
      'invoice.paid',
      'entity.reactivated',
    ]);
    expect((events[0]!.payload as { decision: string }).decision).toBe('retry');
  }, 120_000);

  it('authentication required: no automatic retry; past due on the last day of the schedule unless the customer acts', async () => {
    const c = await collect(p.methods.authenticationRequired);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'awaiting_customer' ? true : undefined,
    );
    await skipTo(h.env, c.t0 + 3 * DAY + 60_000);
    expect((await c.attempts()).map((a) => [a.attemptNumber, a.status, a.errorCode, a.decision])).toEqual([
      [1, 'failed', 'authentication_required', 'customer_action'],
    ]);
    await skipTo(h.env, c.t0 + 7 * DAY + 60_000);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'past_due' ? true : undefined,
    );
    expect(await c.attempts()).toHaveLength(1);
    const failed = await h.db.webhookEvent.findFirstOrThrow({
      where: { entityId: c.tenant.entityId, type: 'invoice.payment_failed' },
    });
    expect(failed.payload).toMatchObject({
      errorCode: 'authentication_required',
      decision: 'customer_action',
      nextAttemptAt: null,
    });
    await c.handle.signal(retryPaymentSignal, { paymentMethod: p.methods.ok });
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 2 });
    if (name === 'sandbox')
      await recordHistory(h.env, c.handle.workflowId, 'invoiceCollectionWorkflow-awaitingCustomer');
  }, 120_000);

  it('a customer retry while waiting for the customer charges at once', async () => {
    const c = await collect(p.methods.expired);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'awaiting_customer' ? true : undefined,
    );
    await c.handle.signal(retryPaymentSignal, { paymentMethod: p.methods.ok });
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 2 });
    expect((await c.attempts()).map((a) => [a.status, a.errorCode, a.paymentMethod])).toEqual([
      ['failed', 'expired_card', p.methods.expired],
      ['succeeded', null, p.methods.ok],
    ]);
  }, 60_000);

  it('a timeout: the attempt is repeated with the same key and charged once', async () => {
    const method = name === 'sandbox' ? 'pm_card_timeout' : p.methods.ok;
    p.stripe?.stallNext(1);
    const c = await collect(method);
    expect(await c.handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    expect((await c.attempts()).map((a) => [a.attemptNumber, a.status, a.idempotencyKey])).toEqual([
      [1, 'succeeded', `payment:${c.invoice.id}:1`],
    ]);
    if (p.stripe) {
      const keys = p.stripe.requests
        .filter((r) => r.path === '/v1/payment_intents' && r.params.get('metadata[invoiceId]') === c.invoice.id)
        .map((r) => r.idempotencyKey);
      expect(keys).toEqual([`payment:${c.invoice.id}:1`, `payment:${c.invoice.id}:1`]);
    }
  }, 60_000);

  it('an entity without a payment method: payment_method_missing, waiting for the customer (never the fallback of another provider)', async () => {
    if (name === 'sandbox') {
      // The sandbox charges its pm_card_ok when none is set (the demo default).
      const c = await collect(null);
      expect(await c.handle.result()).toMatchObject({ status: 'paid' });
      return;
    }
    const c = await collect(null);
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'awaiting_customer' ? true : undefined,
    );
    expect((await c.attempts()).map((a) => [a.status, a.errorCode])).toEqual([['failed', 'payment_method_missing']]);
    await c.handle.terminate('test done');
  }, 60_000);

  it('an invoice in a currency the provider refuses: currency_not_supported, no charge sent', async () => {
    const tenant = await createTenant(h.db, { currency: 'CLF' });
    await h.db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: p.methods.ok } });
    const invoice = await createOpenInvoice(h.db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      amount: '3.5',
      periodStart: new Date('2026-10-01T00:00:00Z'),
      periodEnd: new Date('2026-11-01T00:00:00Z'),
    });
    await h.db.invoice.update({ where: { id: invoice.id }, data: { currency: 'CLF' } });
    const handle = await h.env.client.workflow.start(invoiceCollectionWorkflow, {
      workflowId: `invoice:${invoice.id}`,
      taskQueue: h.taskQueue,
      args: [{ invoiceId: invoice.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
    });
    await eventually(async () =>
      (await handle.query(collectionStateQuery)).status === 'awaiting_customer' ? true : undefined,
    );
    const attempts = await h.db.paymentAttempt.findMany({ where: { payment: { invoiceId: invoice.id } } });
    expect(attempts.map((a) => [a.status, a.errorCode, a.decision])).toEqual([
      ['failed', 'currency_not_supported', 'customer_action'],
    ]);
    if (p.stripe) {
      expect(p.stripe.requests.some((r) => r.params.get('metadata[invoiceId]') === invoice.id)).toBe(false);
    }
    await handle.terminate('test done');
  }, 60_000);
});
