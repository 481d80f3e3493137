// subscriptionWorkflow on the time-skipping server: create mid-period (partial first fee), a seat increase, a pause
// with a scheduled resume, a cancel at period end; each Update returns the proration it wrote, idempotently.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../activities/invariants/checkInvariants.js';
import { periodContaining } from '../../domain/index.js';
import { subscriptionWorkflowId } from '../../temporal/workflowIds.js';
import {
  awaitCreatedUpdate,
  cancelUpdate,
  changeSeatsUpdate,
  pauseUpdate,
  resumeUpdate,
  subscriptionStateQuery,
  subscriptionWorkflow,
} from '../../workflows/subscriptionWorkflow.js';
import { createTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import { payloadProblems } from '../support/webhookPayloads.js';
import { createSeatPlan, eventually } from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const h = workflowTestContext('subscriptions');

const DAY = 86_400_000;
/** fee × remaining days / period days, rounded half-even to cents (the domain's proration at whole days). */
const share = (fee: number, remainingDays: number, periodDays: number) => {
  const cents = (fee * 100 * remainingDays) / periodDays;
  const floor = Math.floor(cents);
  const diff = cents - floor;
  const rounded = diff > 0.5 + 1e-9 ? floor + 1 : diff < 0.5 - 1e-9 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return (rounded / 100).toString();
};

/**
 * A new entity (anchor day 1, UTC) and a 5-seat subscription of a 10-per-seat plan, about to start 10 days into the
 * next period at midnight, so every change falls on a whole day: the workflow's start operation, not yet sent.
 */
async function fiveSeatsTenDaysIn(options: { continueAsNewAfterChanges?: number } = {}) {
  const { db, env } = h;
  const tenant = await createTenant(db, { timeZone: 'UTC', billingAnchorDay: 1 });
  const plan = await createSeatPlan(db, tenant.organizationId, { name: 'Pro', pricePerSeat: '10' });
  const schedule = { anchorDay: 1, timeZone: 'UTC', interval: 'month' as const };
  const next = periodContaining(periodContaining(new Date(await env.currentTimeMs()), schedule).end, schedule);
  const days = (next.end.getTime() - next.start.getTime()) / DAY;
  await skipTo(env, next.start.getTime() + 10 * DAY);
  const subscriptionId = crypto.randomUUID();
  const start = new WithStartWorkflowOperation(subscriptionWorkflow, {
    workflowId: subscriptionWorkflowId(subscriptionId),
    taskQueue: h.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        subscriptionId,
        organizationId: tenant.organizationId,
        entityId: tenant.entityId,
        create: { planId: plan.id, seats: 5 },
        ...options,
      },
    ],
  });
  return { tenant, next, days, subscriptionId, start };
}

describe('subscriptionWorkflow', () => {
  it('create, seat change, pause with scheduled resume, cancel at period end', async () => {
    const { db, env } = h;
    const { tenant, next, days, subscriptionId, start } = await fiveSeatsTenDaysIn({ continueAsNewAfterChanges: 2 });
    const created = await env.client.workflow.executeUpdateWithStart(awaitCreatedUpdate, {
      startWorkflowOperation: start,
    });
    expect(created).toMatchObject({ seats: 5, status: 'active', currentPeriodStart: next.start.toISOString() });
    const handle = await start.workflowHandle();
    const firstFee = await db.invoiceItem.findUniqueOrThrow({
      where: { idempotencyKey: `fee:${subscriptionId}:${next.start.toISOString()}` },
    });
    expect(firstFee.amount.toString()).toBe(share(50, days - 10, days));

    // +3 seats on day 10: credit the unused 5 seats, charge 8 seats for the rest of the period.
    const seats = await handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 8 }], updateId: 'seats-1' });
    expect(seats.reason).toBe('seat_increase');
    expect(seats.settlement).toBe('charge_now');
    expect(seats.lines.map((l) => l.amount)).toEqual([`-${share(50, days - 10, days)}`, share(80, days - 10, days)]);
    // The same Update id again returns the first result and writes nothing.
    const again = await handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 8 }], updateId: 'seats-1' });
    expect(again.net).toBe(seats.net);
    expect(await db.subscriptionChange.count({ where: { subscriptionId } })).toBe(2); // create + seats
    // Invalid input is rejected by the validator and changes nothing.
    await expect(handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 0 }] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/seats must be/) },
    });

    // Pause on day 15 until day 20 (scheduled resume).
    await skipTo(env, next.start.getTime() + 15 * DAY);
    const pause = await handle.executeUpdate(pauseUpdate, {
      args: [{ resumeAt: new Date(next.start.getTime() + 20 * DAY).toISOString() }],
    });
    expect(pause.settlement).toBe('credit_next_invoice');
    expect(pause.net).toBe(`-${share(80, days - 15, days)}`);
    // Two changes applied: the run continued as new; the Update was not lost.
    await skipTo(env, next.start.getTime() + 20 * DAY + 60_000);
    const resumed = await eventually(async () => {
      const s = await handle.query(subscriptionStateQuery);
      return s.subscription?.status === 'active' ? s : undefined;
    });
    expect(resumed.subscription?.pausedAt).toBeNull();
    const resumeItems = await db.invoiceItem.findMany({
      where: { subscriptionId, idempotencyKey: { startsWith: `proration:${subscriptionId}:scheduled-resume:` } },
    });
    expect(resumeItems.map((i) => i.amount.toString())).toEqual([share(80, days - 20, days)]);

    // Cancel at period end: no proration now, no fee for the next period, the workflow ends at the boundary.
    const cancel = await handle.executeUpdate(cancelUpdate, { args: [{ atPeriodEnd: true }] });
    expect(cancel.net).toBe('0');
    expect(cancel.subscription.cancelAtPeriodEnd).toBe(true);
    await skipTo(env, next.end.getTime() + 60_000);
    const final = await handle.result();
    expect(final?.status).toBe('canceled');
    expect(final?.canceledAt).toBe(next.end.toISOString());
    expect(await db.invoiceItem.count({ where: { subscriptionId, kind: 'subscription_fee' } })).toBe(1);

    // Every state change has its webhook, written with the change and handed to delivery by the workflow; the
    // repeated seats Update emitted nothing twice.
    const events = await db.webhookEvent.findMany({
      where: { entityId: tenant.entityId, type: { startsWith: 'subscription.' } },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        'subscription.created',
        'subscription.seats_changed',
        'subscription.paused',
        'subscription.resumed',
        'subscription.cancel_scheduled',
        'subscription.canceled',
      ].sort(),
    );
    expect(events.flatMap((e) => payloadProblems(e.type, e.payload))).toEqual([]);
    expect(events.filter((e) => e.dispatchedAt === null).map((e) => e.type)).toEqual([]);
    const payloadOf = (type: string) => events.find((e) => e.type === type)?.payload;
    expect(payloadOf('subscription.seats_changed')).toMatchObject({
      seats: 8,
      previous: { seats: 5, status: 'active' },
      reason: 'api',
      changeId: 'seats-1',
      proration: { settlement: 'charge_now', net: seats.net },
      pricePerSeat: '10.00',
    });
    expect(payloadOf('subscription.resumed')).toMatchObject({ status: 'active', reason: 'scheduled_resume' });
    expect(payloadOf('subscription.canceled')).toMatchObject({
      status: 'canceled',
      reason: 'period_end',
      canceledAt: next.end.toISOString(),
      previous: { status: 'active', cancelAtPeriodEnd: true },
    });
    await recordHistory(env, handle.workflowId, 'subscriptionWorkflow-lifecycle');
    await recordHistory(env, handle.workflowId, 'subscriptionWorkflow-webhooks');
  }, 120_000);

  it('a charge_now change is invoiced on its own invoice, numbered and collected at once; a credit waits', async () => {
    const { db, env } = h;
    const { tenant, next, days, subscriptionId, start } = await fiveSeatsTenDaysIn();
    await env.client.workflow.executeUpdateWithStart(awaitCreatedUpdate, { startWorkflowOperation: start });
    const handle = await start.workflowHandle();

    // +3 seats on day 10: net = 80 × rest - 50 × rest, charged now on invoice 1 of the organization.
    const up = await handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 8 }], updateId: 'seats-up' });
    const net = (Number(share(80, days - 10, days)) - Number(share(50, days - 10, days))).toFixed(2);
    expect([up.settlement, up.net]).toEqual(['charge_now', net]);
    expect(up.invoice).toEqual({
      invoiceId: expect.any(String),
      number: 1,
      status: 'open',
      total: net,
      amountDue: net,
      currency: 'USD',
    });
    const invoiceId = up.invoice!.invoiceId;
    const invoice = await db.invoice.findUniqueOrThrow({ where: { id: invoiceId }, include: { lines: true } });
    expect([invoice.kind, invoice.idempotencyKey]).toEqual(['one_off', `change:${subscriptionId}:seats-up`]);
    expect(invoice.lines.map((l) => [l.amount.toString(), l.unitAmount?.toString()])).toEqual([
      [`-${share(50, days - 10, days)}`, '10'],
      [share(80, days - 10, days), '10'],
    ]);
    // Its items are on it, not pending for the period close.
    const upItems = await db.invoiceItem.findMany({
      where: { idempotencyKey: { startsWith: `proration:${subscriptionId}:seats-up:` } },
    });
    expect(upItems.map((i) => i.invoiceId)).toEqual([invoiceId, invoiceId]);
    // Collection started at once: the sandbox charges it.
    const paid = await eventually(async () => {
      const row = await db.invoice.findUniqueOrThrow({ where: { id: invoiceId } });
      return row.status === 'paid' ? row : undefined;
    });
    expect(paid.amountPaid.toString()).toBe(net);
    await eventually(async () => {
      const d = await env.client.workflow.getHandle(`invoice:${invoiceId}`).describe();
      return d.status.name === 'COMPLETED' ? d : undefined;
    });
    // The same Update again: the same invoice, no second one.
    const again = await handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 8 }], updateId: 'seats-up' });
    expect(again.invoice?.invoiceId).toBe(invoiceId);

    // -2 seats: a credit, pending for the next period invoice; no invoice now.
    const down = await handle.executeUpdate(changeSeatsUpdate, { args: [{ seats: 6 }], updateId: 'seats-down' });
    expect([down.settlement, down.invoice ?? null]).toEqual(['credit_next_invoice', null]);

    // Pause on day 15 with a scheduled resume on day 20: the resume (a timer, not an Update) is a charge too.
    await skipTo(env, next.start.getTime() + 15 * DAY);
    await handle.executeUpdate(pauseUpdate, {
      args: [{ resumeAt: new Date(next.start.getTime() + 20 * DAY).toISOString() }],
    });
    await skipTo(env, next.start.getTime() + 20 * DAY + 60_000);
    const resumeInvoice = await eventually(() =>
      db.invoice.findFirst({
        where: { entityId: tenant.entityId, kind: 'one_off', number: 2, status: 'paid' },
        include: { lines: true },
      }),
    );
    expect(resumeInvoice.total.toString()).toBe(share(60, days - 20, days));
    expect(resumeInvoice.idempotencyKey).toBe(
      `change:${subscriptionId}:scheduled-resume:${new Date(next.start.getTime() + 20 * DAY).toISOString()}`,
    );

    // A manual pause and resume: the resume Update returns its invoice, number 3.
    await handle.executeUpdate(pauseUpdate, { args: [{}] });
    await skipTo(env, next.start.getTime() + 25 * DAY);
    const resumed = await handle.executeUpdate(resumeUpdate, { updateId: 'resume-1' });
    expect([resumed.settlement, resumed.invoice?.number, resumed.invoice?.total]).toEqual([
      'charge_now',
      3,
      share(60, days - 25, days),
    ]);
    await eventually(async () =>
      (await db.invoice.findUniqueOrThrow({ where: { id: resumed.invoice!.invoiceId } })).status === 'paid'
        ? true
        : undefined,
    );

    expect(await db.invoice.count({ where: { entityId: tenant.entityId } })).toBe(3);
    const report = await checkInvariants(db, { organizationId: tenant.organizationId, outboxGraceSeconds: 3600 });
    expect(report.violations).toEqual([]);
    await handle.executeUpdate(cancelUpdate, { args: [{ atPeriodEnd: false }] });
    await handle.result();
    await recordHistory(env, handle.workflowId, 'subscriptionWorkflow-chargeNow');
  }, 120_000);
});
