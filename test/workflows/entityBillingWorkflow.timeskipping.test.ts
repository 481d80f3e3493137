// entityBillingWorkflow on the time-skipping test server: a month passes in milliseconds, and the workflow moves
// from one billing period to the next exactly at the entity's local-midnight boundary.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db.js';
import { billingStateQuery, closeNowSignal, entityBillingWorkflow } from '../../workflows/entityBillingWorkflow.js';
import { createTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import { skipTo } from '../support/workflowTesting.js';

const harness = workflowTestContext('billing-timeskip');

describe('entityBillingWorkflow (time-skipping)', () => {
  it('sleeps to the period boundary, then opens the next period in a new run', async () => {
    const { env, db, taskQueue } = harness;
    const tenant = await createTenant(db, { timeZone: 'Europe/London', billingAnchorDay: 1 });
    const handle = await env.client.workflow.start(entityBillingWorkflow, {
      workflowId: `billing:${tenant.entityId}`,
      taskQueue,
      args: [{ entityId: tenant.entityId, organizationId: tenant.organizationId }],
    });
    const firstRunId = handle.firstExecutionRunId;

    // The clock stands still until the test skips it; wait for the run to open its period and start waiting. (The
    // period row is written by the activity, a moment before the workflow sees its result.)
    await waitForPeriods(db, tenant.entityId, 1);
    let state = await handle.query(billingStateQuery);
    for (let i = 0; state.phase !== 'waiting_for_period_end' && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await handle.query(billingStateQuery);
    }
    expect(state.phase).toBe('waiting_for_period_end');
    const firstEnd = Date.parse(state.periodEnd!);

    // Skip to just past the boundary: the run continues as new and opens the following period.
    await skipTo(env, firstEnd + 60_000);
    const periods = await waitForPeriods(db, tenant.entityId, 2);
    // Exactly one boundary was crossed: the clock did not run on by itself.
    expect(periods).toHaveLength(2);
    expect(periods[1]!.periodStart.getTime()).toBe(periods[0]!.periodEnd.getTime());
    expect(periods[0]!.periodEnd.getTime()).toBe(firstEnd);
    // Local midnight in London on the 1st, whether GMT or BST.
    for (const p of periods) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      }).format(p.periodStart);
      expect(local).toBe('1, 00:00');
    }
    const latest = await env.client.workflow.getHandle(handle.workflowId).describe();
    expect(latest.runId).not.toBe(firstRunId);
    expect(latest.status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(handle.workflowId).terminate('test done');
  });

  it('a closeNow signal closes the open period at once and the next run waits on the following period', async () => {
    const { env, db, taskQueue } = harness;
    const tenant = await createTenant(db, { timeZone: 'UTC', billingAnchorDay: 15 });
    const handle = await env.client.workflow.start(entityBillingWorkflow, {
      workflowId: `billing:${tenant.entityId}`,
      taskQueue,
      args: [{ entityId: tenant.entityId, organizationId: tenant.organizationId }],
    });
    await waitForPeriods(db, tenant.entityId, 1);
    await handle.signal(closeNowSignal);
    // The run closes the period (nothing to bill: no invoice) and continues as new on the next period.
    const periods = await waitForPeriods(db, tenant.entityId, 2);
    expect(periods[0]!.status).toBe('closed');
    expect(periods[0]!.invoiceId).toBeNull();
    expect(periods[1]!.periodStart.getTime()).toBe(periods[0]!.periodEnd.getTime());
    const next = env.client.workflow.getHandle(handle.workflowId);
    expect((await next.describe()).runId).not.toBe(handle.firstExecutionRunId);
    expect(await db.invoice.count({ where: { entityId: tenant.entityId } })).toBe(0);
    await env.client.workflow.getHandle(handle.workflowId).terminate('test done');
  });
});

async function waitForPeriods(db: Db, entityId: string, count: number) {
  // Up to 30 s: the first workflow task of a file waits for the worker to load its bundle on a busy machine.
  for (let i = 0; i < 600; i++) {
    const rows = await db.billingPeriod.findMany({ where: { entityId }, orderBy: { periodStart: 'asc' } });
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${count} billing periods for ${entityId}`);
}
