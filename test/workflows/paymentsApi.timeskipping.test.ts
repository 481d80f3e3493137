// The payments API over a running collection, against each provider: payments and attempts per invoice and per
// entity, retry-payment (charges now through the workflow; 409 while an attempt runs or once the invoice is paid), and
// the organization's dunning schedule, read when a collection starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookDispatchActivities } from '../../activities/webhooks/dispatchActivity.js';
import type { App } from '../../api/app.js';
import { collectionStateQuery, type invoiceCollectionWorkflow } from '../../workflows/invoiceCollectionWorkflow.js';
import { type Caller, caller, expectProblem, UNKNOWN_ID } from '../support/apiFactories.js';
import { createTenant, type TestTenant } from '../support/factories.js';
import { type ProviderUnderTest, providersUnderTest } from '../support/paymentProviders.js';
import { testApp } from '../support/services.js';
import { createOpenInvoice, eventually } from '../support/workflowFactories.js';
import { skipTo, startTimeSkippingHarness, type TimeSkippingHarness } from '../support/workflowTesting.js';

const DAY = 86_400_000;

describe.each(providersUnderTest)('payments API: %s', (name, start) => {
  let p: ProviderUnderTest;
  let h: TimeSkippingHarness;
  let app: App;
  beforeAll(async () => {
    p = await start();
    h = await startTimeSkippingHarness(`payments-api-${name}`, { paymentProvider: p.provider });
    app = testApp(h.db, h.env.client, h.taskQueue, { paymentProvider: p.provider, searchAttributes: false });
  });
  afterAll(async () => {
    await h?.stop();
    await p?.stop();
  });

  async function tenantWithCard(token: string): Promise<{ tenant: TestTenant; admin: Caller; methodId: string }> {
    const tenant = await createTenant(h.db);
    const admin = caller(app, tenant.adminKey);
    const attached = await admin('POST', `/api/entities/${tenant.entityId}/payment-methods`, { token });
    expect(attached.status).toBe(201);
    return { tenant, admin, methodId: attached.body.id };
  }
  const openInvoice = (tenant: TestTenant, amount = '49') =>
    createOpenInvoice(h.db, {
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
      amount,
      periodStart: new Date('2026-10-01T00:00:00Z'),
      periodEnd: new Date('2026-11-01T00:00:00Z'),
    });
  const startCollection = (tenant: TestTenant, invoiceId: string) =>
    createWebhookDispatchActivities(h.db, h.env.client, h.taskQueue, false).startInvoiceCollection({
      invoiceId,
      organizationId: tenant.organizationId,
      entityId: tenant.entityId,
    });

  it('a declined invoice, past due, paid by a retry with another card through the API; payments listed with attempts', async () => {
    const { tenant, admin } = await tenantWithCard(p.methods.declined);
    const good = await admin('POST', `/api/entities/${tenant.entityId}/payment-methods`, { token: p.methods.ok });
    const invoice = await openInvoice(tenant);
    const t0 = await h.env.currentTimeMs();
    await startCollection(tenant, invoice.id);
    const handle = h.env.client.workflow.getHandle(`invoice:${invoice.id}`);
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined));
    await skipTo(h.env, t0 + 7 * DAY + 60_000);
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'past_due' ? true : undefined));

    const listed = await admin('GET', `/api/billing/invoices/${invoice.id}/payments`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({
      invoiceId: invoice.id,
      entityId: tenant.entityId,
      provider: name,
      status: 'failed',
      amount: '49.00',
      amountRefunded: '0.00',
      currency: 'USD',
      attemptCount: 4,
      disputed: false,
    });
    expect(
      listed.body.data[0].attempts.map(
        (a: { attempt: number; status: string; errorCode: string; decision: string }) => [
          a.attempt,
          a.status,
          a.errorCode,
          a.decision,
        ],
      ),
    ).toEqual([
      [1, 'failed', 'card_declined', 'retry'],
      [2, 'failed', 'card_declined', 'retry'],
      [3, 'failed', 'card_declined', 'retry'],
      [4, 'failed', 'card_declined', 'retry'],
    ]);
    expect((await h.db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } })).status).toBe('suspended');

    const retried = await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`, {
      paymentMethodId: good.body.id,
    });
    expect([retried.status, retried.body]).toEqual([
      202,
      { invoiceId: invoice.id, status: 'retry_requested', paymentMethod: p.methods.ok },
    ]);
    expect(await handle.result()).toMatchObject({ status: 'paid', attempts: 5 });
    const entity = await h.db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
    expect(entity.status).toBe('active');

    const byEntity = await admin('GET', `/api/billing/payments?entityId=${tenant.entityId}`);
    expect(byEntity.body.data.map((x: { status: string; attemptCount: number }) => [x.status, x.attemptCount])).toEqual(
      [['succeeded', 5]],
    );
    const one = await admin('GET', `/api/billing/payments/${byEntity.body.data[0].id}`);
    expect(one.body.attempts.at(-1)).toMatchObject({ attempt: 5, status: 'succeeded', paymentMethod: p.methods.ok });

    // Paid: nothing left to collect.
    expectProblem(await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`), 409, 'INVOICE_NOT_PAYABLE');
  }, 120_000);

  it('a retry while an attempt runs is 409 PAYMENT_IN_PROGRESS; unknown method 422; another organization 404', async () => {
    const { tenant, admin } = await tenantWithCard(p.methods.declined);
    const invoice = await openInvoice(tenant);
    // An attempt being charged right now (its row is written before the provider is called).
    const payment = await h.db.payment.create({
      data: {
        invoiceId: invoice.id,
        entityId: tenant.entityId,
        amount: '49',
        currency: 'USD',
        status: 'processing',
        provider: name,
        idempotencyKey: `payment:${invoice.id}`,
        attempts: { create: [{ attemptNumber: 1, status: 'pending', idempotencyKey: `payment:${invoice.id}:1` }] },
      },
    });
    expectProblem(await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`), 409, 'PAYMENT_IN_PROGRESS');
    await h.db.paymentAttempt.updateMany({ where: { paymentId: payment.id }, data: { status: 'processing' } });
    expectProblem(
      await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`, {}),
      409,
      'PAYMENT_IN_PROGRESS',
    );
    expectProblem(
      await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`, { paymentMethodId: UNKNOWN_ID }),
      409,
      'PAYMENT_IN_PROGRESS',
    );
    await h.db.paymentAttempt.updateMany({ where: { paymentId: payment.id }, data: { status: 'failed' } });
    expectProblem(
      await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`, { paymentMethodId: UNKNOWN_ID }),
      422,
      'UNKNOWN_PAYMENT_METHOD',
    );
    const other = await createTenant(h.db);
    expectProblem(
      await caller(app, other.adminKey)('POST', `/api/billing/invoices/${invoice.id}/retry-payment`),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await caller(app, other.adminKey)('GET', `/api/billing/invoices/${invoice.id}/payments`),
      404,
      'NOT_FOUND',
    );
    expectProblem(await caller(app, other.adminKey)('GET', `/api/billing/payments/${payment.id}`), 404, 'NOT_FOUND');
    expect(
      (await caller(app, other.adminKey)('GET', `/api/billing/payments?invoiceId=${invoice.id}`)).body.data,
    ).toEqual([]);
    expect(await h.db.paymentAttempt.count({ where: { paymentId: payment.id } })).toBe(1);
  });

  it("the organization's dunning schedule: set through the API, used by collections started afterwards", async () => {
    const { tenant, admin } = await tenantWithCard(p.methods.declined);
    expect((await admin('GET', '/api/billing/payment-settings')).body).toEqual({
      dunningDays: [1, 3, 7],
      downgradeCreditPolicy: 'carry_forward',
      suspendOnDispute: false,
    });
    expectProblem(
      await admin('PATCH', '/api/billing/payment-settings', { dunningDays: [3, 2] }),
      422,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await admin('PATCH', '/api/billing/payment-settings', { dunningDays: [0] }),
      422,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await caller(app, tenant.readKey)('PATCH', '/api/billing/payment-settings', { dunningDays: [2] }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    const changed = await admin('PATCH', '/api/billing/payment-settings', { dunningDays: [2, 5] });
    expect([changed.status, changed.body.dunningDays]).toEqual([200, [2, 5]]);

    const invoice = await openInvoice(tenant);
    const t0 = await h.env.currentTimeMs();
    await startCollection(tenant, invoice.id);
    const handle = h.env.client.workflow.getHandle(`invoice:${invoice.id}`);
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined));
    expect(Date.parse((await handle.query(collectionStateQuery)).nextAttemptAt!) - t0).toBeGreaterThanOrEqual(
      2 * DAY - 5_000,
    );
    await skipTo(h.env, t0 + 5 * DAY + 60_000);
    await eventually(async () => ((await handle.query(collectionStateQuery)).status === 'past_due' ? true : undefined));
    const attempts = await h.db.paymentAttempt.findMany({ where: { payment: { invoiceId: invoice.id } } });
    expect(attempts).toHaveLength(3);
    await handle.terminate('test done');
    const audit = await h.db.auditLog.findFirstOrThrow({
      where: { organizationId: tenant.organizationId, action: 'payment_settings.update' },
    });
    expect(audit.after).toMatchObject({ dunningDays: [2, 5] });
  }, 120_000);

  it('a retry of an open invoice whose collection never started starts it on the organization schedule', async () => {
    const { tenant, admin } = await tenantWithCard(p.methods.ok);
    const invoice = await openInvoice(tenant, '12.5');
    const retried = await admin('POST', `/api/billing/invoices/${invoice.id}/retry-payment`);
    expect(retried.status).toBe(202);
    const handle = h.env.client.workflow.getHandle<typeof invoiceCollectionWorkflow>(`invoice:${invoice.id}`);
    expect(await handle.result()).toMatchObject({ status: 'paid', attempts: 1 });
    expect((await h.db.invoice.findUniqueOrThrow({ where: { id: invoice.id } })).amountPaid.toString()).toBe('12.5');
  }, 60_000);
});
