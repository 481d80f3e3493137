// An invoice settled through the API while its collection workflow runs: POST .../mark-paid and .../void have the
// consequences of a successful charge (invoice paid, suspension ended, subscriptions active, webhooks once) and the
// workflow stops dunning at once. The API runs in-process on the time-skipping server's client.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../api/app.js';
import { collectionStateQuery, invoiceCollectionWorkflow } from '../../workflows/invoiceCollectionWorkflow.js';
import { caller } from '../support/apiFactories.js';
import { createTenant, type TestTenant } from '../support/factories.js';
import { testApp } from '../support/services.js';
import { workflowTestContext } from '../support/testContext.js';
import {
  createBilledSubscription,
  createOpenInvoice,
  createSeatPlan,
  eventually,
} from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const h = workflowTestContext('settlement');
let app: App;
beforeAll(async () => {
  app = testApp(h.appDb, h.env.client, h.taskQueue);
});

const DAY = 86_400_000;
const invoices = '/api/billing/invoices';

/** A tenant whose card is declined, with a seat subscription, an open 49.00 invoice and its collection running. */
async function declinedCollection(periodStart = new Date('2026-10-01T00:00:00Z')) {
  const { db, env } = h;
  const tenant = await createTenant(db);
  await db.entity.update({ where: { id: tenant.entityId }, data: { defaultPaymentMethod: 'pm_card_declined' } });
  const plan = await createSeatPlan(db, tenant.organizationId, { pricePerSeat: '49' });
  await createBilledSubscription(db, {
    entityId: tenant.entityId,
    planId: plan.id,
    seats: 1,
    periodStart: new Date('2026-11-01T00:00:00Z'),
    periodEnd: new Date('2099-12-01T00:00:00Z'),
  });
  const invoice = await createOpenInvoice(db, {
    organizationId: tenant.organizationId,
    entityId: tenant.entityId,
    amount: '49',
    periodStart,
    periodEnd: new Date(periodStart.getTime() + 31 * DAY),
  });
  const t0 = await env.currentTimeMs();
  const handle = await env.client.workflow.start(invoiceCollectionWorkflow, {
    workflowId: `invoice:${invoice.id}`,
    taskQueue: h.taskQueue,
    args: [{ invoiceId: invoice.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
  });
  return { tenant, invoice, handle, t0, admin: caller(app, tenant.adminKey) };
}

async function untilPastDue(c: Awaited<ReturnType<typeof declinedCollection>>) {
  await eventually(async () =>
    (await h.db.paymentAttempt.count({ where: { payment: { invoiceId: c.invoice.id } } })) === 1 ? true : undefined,
  );
  await skipTo(h.env, c.t0 + 7 * DAY + 60_000);
  await eventually(async () =>
    (await h.db.entity.findUniqueOrThrow({ where: { id: c.tenant.entityId } })).status === 'suspended'
      ? true
      : undefined,
  );
  expect((await c.handle.query(collectionStateQuery)).status).toBe('past_due');
}

/** The workflow finished without the test server's clock moving (handle.result() would skip time). */
async function completedWithoutTimePassing(c: Awaited<ReturnType<typeof declinedCollection>>) {
  const before = await h.env.currentTimeMs();
  await eventually(async () => ((await c.handle.describe()).status.name === 'COMPLETED' ? true : undefined));
  expect((await h.env.currentTimeMs()) - before).toBeLessThan(DAY);
  return c.handle.result();
}

const attemptRows = (invoiceId: string) =>
  h.db.paymentAttempt.findMany({ where: { payment: { invoiceId } }, orderBy: { attemptNumber: 'asc' } });

async function entityState(tenant: TestTenant) {
  const entity = await h.db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
  const subs = await h.db.entitySubscription.findMany({ where: { entityId: tenant.entityId } });
  return { status: entity.status, suspendedAt: entity.suspendedAt, subscriptions: subs.map((s) => s.status) };
}

/** The entity's outbox rows by type, sorted: rows written in one transaction have no order among them. */
const eventTypes = async (tenant: TestTenant) =>
  (await h.db.webhookEvent.findMany({ where: { entityId: tenant.entityId } })).map((e) => e.type).sort();
const sorted = (types: string[]) => [...types].sort();

describe('an invoice settled through the API during collection', () => {
  it('mark-paid of a past-due invoice reactivates the entity and its subscriptions and ends the workflow', async () => {
    const c = await declinedCollection();
    await untilPastDue(c);
    expect(await entityState(c.tenant)).toMatchObject({ status: 'suspended', subscriptions: ['past_due'] });

    const res = await c.admin('POST', `${invoices}/${c.invoice.id}/mark-paid`, {
      reference: 'WIRE-7',
      method: 'wire_transfer',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'paid', amountPaid: '49.00' });
    expect(await entityState(c.tenant)).toEqual({ status: 'active', suspendedAt: null, subscriptions: ['active'] });

    expect(await completedWithoutTimePassing(c)).toMatchObject({ status: 'paid', attempts: 4 });
    expect((await attemptRows(c.invoice.id)).map((a) => a.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(await eventTypes(c.tenant)).toEqual(
      sorted([
        'invoice.payment_failed',
        'invoice.payment_failed',
        'invoice.payment_failed',
        'invoice.payment_failed',
        'payment.failed',
        'invoice.past_due',
        'entity.suspended',
        'subscription.past_due',
        'payment.succeeded',
        'invoice.paid',
        'entity.reactivated',
        'subscription.reactivated',
      ]),
    );
    const [paid] = await h.db.webhookEvent.findMany({ where: { idempotencyKey: `invoice.paid:${c.invoice.id}` } });
    // Money in payloads to the currency's minor units: "49.00", never "49".
    expect(paid!.payload).toMatchObject({ amountPaid: '49.00', outOfBand: true, attempt: null, status: 'paid' });
    const [reactivated] = await h.db.webhookEvent.findMany({
      where: { entityId: c.tenant.entityId, type: 'entity.reactivated' },
    });
    expect(reactivated!.payload).toMatchObject({ invoiceId: c.invoice.id, reason: 'invoice_paid' });
    const payments = await h.db.payment.findMany({ where: { invoiceId: c.invoice.id }, orderBy: { createdAt: 'asc' } });
    expect(payments.map((p) => [p.provider, p.status, p.amount.toString()])).toEqual([
      ['sandbox', 'failed', '49'],
      ['out_of_band', 'succeeded', '49'],
    ]);
    await recordHistory(h.env, c.handle.workflowId, 'invoiceCollectionWorkflow-settled');
  }, 120_000);

  it('mark-paid during dunning: no further charge attempt, entity never suspended', async () => {
    const c = await declinedCollection();
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined,
    );
    const res = await c.admin('POST', `${invoices}/${c.invoice.id}/mark-paid`, {});
    expect(res.status).toBe(200);
    expect(await completedWithoutTimePassing(c)).toMatchObject({ status: 'paid', attempts: 1 });
    // Later days pass: nothing is charged, nothing suspended.
    await skipTo(h.env, c.t0 + 8 * DAY);
    expect((await attemptRows(c.invoice.id)).map((a) => a.attemptNumber)).toEqual([1]);
    expect(await entityState(c.tenant)).toEqual({ status: 'active', suspendedAt: null, subscriptions: ['active'] });
    expect(await eventTypes(c.tenant)).toEqual(
      sorted(['invoice.payment_failed', 'payment.succeeded', 'payment.canceled', 'invoice.paid']),
    );
    const collection = await h.db.payment.findFirstOrThrow({ where: { invoiceId: c.invoice.id, provider: 'sandbox' } });
    expect(collection.status).toBe('canceled');
    await recordHistory(h.env, c.handle.workflowId, 'invoiceCollectionWorkflow-settledDuringDunning');
  }, 60_000);

  it('voiding a past-due invoice ends the suspension it caused and the collection', async () => {
    const c = await declinedCollection();
    await untilPastDue(c);
    const res = await c.admin('POST', `${invoices}/${c.invoice.id}/void`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('void');
    expect(await entityState(c.tenant)).toEqual({ status: 'active', suspendedAt: null, subscriptions: ['active'] });
    expect(await completedWithoutTimePassing(c)).toMatchObject({ status: 'closed', attempts: 4 });
    expect((await eventTypes(c.tenant)).filter((t) => t !== 'invoice.payment_failed')).toEqual(
      sorted([
        'payment.failed',
        'invoice.past_due',
        'entity.suspended',
        'subscription.past_due',
        'invoice.voided',
        'entity.reactivated',
        'subscription.reactivated',
      ]),
    );
  }, 120_000);

  it('voiding during dunning: no further attempt, and the void invoice never suspends the entity', async () => {
    const c = await declinedCollection();
    await eventually(async () =>
      (await c.handle.query(collectionStateQuery)).status === 'dunning' ? true : undefined,
    );
    expect((await c.admin('POST', `${invoices}/${c.invoice.id}/void`)).status).toBe(200);
    expect(await completedWithoutTimePassing(c)).toMatchObject({ status: 'closed', attempts: 1 });
    await skipTo(h.env, c.t0 + 8 * DAY);
    expect((await attemptRows(c.invoice.id)).length).toBe(1);
    expect(await entityState(c.tenant)).toEqual({ status: 'active', suspendedAt: null, subscriptions: ['active'] });
    expect(await eventTypes(c.tenant)).toEqual(
      sorted(['invoice.payment_failed', 'payment.canceled', 'invoice.voided']),
    );
  }, 60_000);
});
