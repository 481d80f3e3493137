// subscriptionWorkflow on the time-skipping server: create mid-period (partial first fee), a seat increase, a pause
// with a scheduled resume, a cancel at period end; each Update returns the proration it wrote, idempotently.
import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodContaining } from '../../domain/index.js';
import {
  awaitCreatedUpdate,
  cancelUpdate,
  changeSeatsUpdate,
  pauseUpdate,
  subscriptionStateQuery,
  subscriptionWorkflow,
} from '../../workflows/subscriptionWorkflow.js';
import { createTenant } from '../support/factories.js';
import { createSeatPlan, eventually } from '../support/workflowFactories.js';
import {
  recordHistory,
  skipTo,
  startTimeSkippingHarness,
  type TimeSkippingHarness,
} from '../support/workflowTesting.js';

let h: TimeSkippingHarness;
beforeAll(async () => {
  h = await startTimeSkippingHarness('subscriptions');
});
afterAll(async () => {
  await h?.stop();
});

const DAY = 86_400_000;
/** fee × remaining days / period days, rounded half-even to cents (the domain's proration at whole days). */
const share = (fee: number, remainingDays: number, periodDays: number) => {
  const cents = (fee * 100 * remainingDays) / periodDays;
  const floor = Math.floor(cents);
  const diff = cents - floor;
  const rounded = diff > 0.5 + 1e-9 ? floor + 1 : diff < 0.5 - 1e-9 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return (rounded / 100).toString();
};

describe('subscriptionWorkflow', () => {
  it('create, seat change, pause with scheduled resume, cancel at period end', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db, { timeZone: 'UTC', billingAnchorDay: 1 });
    const plan = await createSeatPlan(db, tenant.organizationId, { name: 'Pro', pricePerSeat: '10' });
    const schedule = { anchorDay: 1, timeZone: 'UTC', interval: 'month' as const };
    // Start 10 days into the next period, at midnight, so every change falls on a whole day.
    const next = periodContaining(periodContaining(new Date(await env.currentTimeMs()), schedule).end, schedule);
    const days = (next.end.getTime() - next.start.getTime()) / DAY;
    await skipTo(env, next.start.getTime() + 10 * DAY);
    const subscriptionId = crypto.randomUUID();
    const start = new WithStartWorkflowOperation(subscriptionWorkflow, {
      workflowId: `subscription:${subscriptionId}`,
      taskQueue: h.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [
        {
          subscriptionId,
          organizationId: tenant.organizationId,
          entityId: tenant.entityId,
          create: { planId: plan.id, seats: 5 },
          continueAsNewAfterChanges: 2,
        },
      ],
    });
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
    await recordHistory(env, handle.workflowId, 'subscriptionWorkflow-lifecycle');
  }, 120_000);
});
