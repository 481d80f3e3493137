// Subscriptions through the API on the real dev server: create (Update-with-Start), seat change returning its
// proration (idempotent on Idempotency-Key), utilization, read with workflow state, errors; search attributes set;
// the reconciliation activity and schedule are idempotent; the outbox dispatcher starts deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities/index.js';
import { ensureReconcileSchedule } from '../../../temporal/reconcileSchedule.js';
import { EntityIdKey, OrganizationIdKey } from '../../../temporal/searchAttributes.js';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';
import { createMember, createSeatPlan, eventually } from '../../support/workflowFactories.js';

const ctx = apiTestContext('subscriptions-api', { worker: true });
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  other = await createTenant(ctx.db);
});

afterAll(async () => {
  for (const id of [tenant?.entityId, other?.entityId]) {
    await ctx.client.workflow
      .getHandle(`billing:${id}`)
      .terminate('test done')
      .catch(() => {});
  }
});

const post = (path: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
  ctx.app.request(path, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('/api/billing/subscriptions', () => {
  it('creates, changes seats with proration, reads state and utilization', async () => {
    const plan = await createSeatPlan(ctx.db, tenant.organizationId, { name: 'Pro', pricePerSeat: '30' });
    await createMember(ctx.db, tenant.entityId, true);
    await createMember(ctx.db, tenant.entityId, true);
    const created = await post('/api/billing/subscriptions', tenant.adminKey, {
      entityId: tenant.entityId,
      planId: plan.id,
      seats: 3,
    });
    expect(created.status).toBe(201);
    const sub = (await created.json()) as { id: string; seats: number; status: string };
    expect([sub.seats, sub.status]).toEqual([3, 'active']);
    const description = await ctx.client.workflow.getHandle(`subscription:${sub.id}`).describe();
    expect(description.typedSearchAttributes.get(EntityIdKey)).toBe(tenant.entityId);
    expect(description.typedSearchAttributes.get(OrganizationIdKey)).toBe(tenant.organizationId);

    const first = await post(
      `/api/billing/subscriptions/${sub.id}/seats`,
      tenant.adminKey,
      { seats: 5 },
      { 'idempotency-key': 'seats-5' },
    );
    expect(first.status).toBe(200);
    const change = (await first.json()) as {
      reason: string;
      settlement: string;
      net: string;
      lines: unknown[];
      invoice: Record<string, unknown>;
    };
    expect(change.reason).toBe('seat_increase');
    expect(change.settlement).toBe('charge_now');
    expect(change.lines).toHaveLength(2);
    // Charged now: the change's own invoice, numbered (the outbox ids stay inside the workflow).
    expect(Object.keys(change.invoice).sort()).toEqual([
      'amountDue',
      'currency',
      'invoiceId',
      'number',
      'status',
      'total',
    ]);
    expect([change.invoice.total, change.invoice.amountDue]).toEqual([change.net, change.net]);
    const replay = await post(
      `/api/billing/subscriptions/${sub.id}/seats`,
      tenant.adminKey,
      { seats: 5 },
      { 'idempotency-key': 'seats-5' },
    );
    expect(replay.status).toBe(200);
    const replayed = (await replay.json()) as { net: string; invoice: { invoiceId: string } };
    expect([replayed.net, replayed.invoice.invoiceId]).toEqual([change.net, change.invoice.invoiceId]);
    expect(await ctx.db.invoice.count({ where: { entityId: tenant.entityId, kind: 'one_off' } })).toBe(1);
    expect(await ctx.db.subscriptionChange.count({ where: { subscriptionId: sub.id, kind: 'seats' } })).toBe(1);
    expect(await ctx.db.invoiceItem.count({ where: { subscriptionId: sub.id, kind: 'proration' } })).toBe(2);

    const util = await ctx.app.request(`/api/billing/subscriptions/${sub.id}/utilization`, {
      headers: bearer(tenant.readKey),
    });
    expect(await util.json()).toEqual({
      subscriptionId: sub.id,
      entityId: tenant.entityId,
      seatsPurchased: 5,
      seatsAssigned: 2,
      seatsAvailable: 3,
      utilization: 0.4,
    });

    const read = await ctx.app.request(`/api/billing/subscriptions/${sub.id}`, { headers: bearer(tenant.readKey) });
    const body = (await read.json()) as { seats: number; workflow: { running: boolean; changesApplied: number } };
    expect(body.seats).toBe(5);
    expect(body.workflow).toEqual({ running: true, changesApplied: 1 });

    // Resume of an active subscription: rejected by the Update's validator, nothing written.
    const resume = await post(`/api/billing/subscriptions/${sub.id}/resume`, tenant.adminKey, {});
    expect(resume.status).toBe(409);
    // Another organization's subscription is a 404.
    const foreign = await post(`/api/billing/subscriptions/${sub.id}/seats`, other.adminKey, { seats: 9 });
    expect(foreign.status).toBe(404);
    // Cancel now: the unused time of 5 seats is credited; the workflow completes.
    const cancel = await post(`/api/billing/subscriptions/${sub.id}/cancel`, tenant.adminKey, { atPeriodEnd: false });
    expect(cancel.status).toBe(200);
    const canceled = (await cancel.json()) as { settlement: string; subscription: { status: string } };
    expect([canceled.settlement, canceled.subscription.status]).toEqual(['credit_next_invoice', 'canceled']);
    const result = await ctx.client.workflow.getHandle(`subscription:${sub.id}`).result();
    expect((result as { status: string }).status).toBe('canceled');
    const after = await post(`/api/billing/subscriptions/${sub.id}/seats`, tenant.adminKey, { seats: 6 });
    expect(after.status).toBe(409);
  }, 60_000);

  it('rejects an unknown plan (422) and a plan of another organization', async () => {
    const foreignPlan = await createSeatPlan(ctx.db, other.organizationId);
    const res = await post('/api/billing/subscriptions', tenant.adminKey, {
      entityId: tenant.entityId,
      planId: foreignPlan.id,
      seats: 1,
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('PLAN_NOT_FOUND');
  });
});

describe('reconciliation', () => {
  it('starts the missing billing workflow once and dispatches pending outbox rows; the schedule is created once', async () => {
    const activities = createActivities({ db: ctx.db, temporal: ctx.client, taskQueue: ctx.taskQueue });
    const row = await ctx.db.webhookEvent.create({
      data: {
        organizationId: tenant.organizationId,
        entityId: tenant.entityId,
        type: 'credits.low',
        payload: {},
        idempotencyKey: `test:${crypto.randomUUID()}`,
        createdAt: new Date(Date.now() - 60_000),
      },
    });
    await activities.reconcileWorkflows({});
    await activities.reconcileWorkflows({});
    const billing = await ctx.client.workflow.getHandle(`billing:${tenant.entityId}`).describe();
    expect(billing.status.name).toBe('RUNNING');
    expect(billing.typedSearchAttributes.get(EntityIdKey)).toBe(tenant.entityId);
    await eventually(async () => (await ctx.db.webhookEvent.findUniqueOrThrow({ where: { id: row.id } })).dispatchedAt);

    const created = await ensureReconcileSchedule(ctx.client, ctx.taskQueue, '1 hour');
    const again = await ensureReconcileSchedule(ctx.client, ctx.taskQueue, '1 hour');
    expect(again).toBe(false);
    if (created) await ctx.client.schedule.getHandle('reconcile').delete();
    // Reconciliation walks every organization of the database the test files share (thousands of workflows to find
    // running), twice: minutes on a loaded 2-core machine.
  }, 240_000);
});
