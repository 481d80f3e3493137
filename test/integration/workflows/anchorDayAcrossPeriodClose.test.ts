// Regression (found by schemathesis): an anchor-day change sent right after close-now waited for the next period in a
// run that then continued as new, and the API answered 500 ("the Workflow completed before the Update completed").
// It must reach the new run and answer 200 with the new period's end. The closing run refuses it (validator) rather than
// accepting an update it could never finish.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('anchor-across-close', { db: 3, worker: true });
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
});

afterAll(async () => {
  await ctx.client.workflow
    .getHandle(`billing:${tenant.entityId}`)
    .terminate('test done')
    .catch(() => {});
});

const post = (path: string, body?: unknown) =>
  ctx.app.request(path, {
    method: 'POST',
    headers: { ...bearer(tenant.adminKey), 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

it('changes the anchor day of the next run when the period closes under the update', async () => {
  const base = `/api/entities/${tenant.entityId}/billing-workflow`;
  expect((await post(base)).status).toBe(202);
  const first = await post(`${base}/anchor-day`, { anchorDay: 29 });
  expect(first.status).toBe(200);
  const { periodEnd: firstEnd } = (await first.json()) as { periodEnd: string };

  expect((await post(`${base}/close-now`)).status).toBe(202);
  const res = await post(`${base}/anchor-day`, { anchorDay: 29 });
  const body = (await res.json()) as { anchorDay: number; periodEnd: string };
  expect({ status: res.status, anchorDay: body.anchorDay }).toEqual({ status: 200, anchorDay: 29 });
  // close-now ended the period now (a stub); the change landed on the next one, which runs from the close to the
  // next 29th: the same boundary the first change had set.
  expect(body.periodEnd).toBe(firstEnd);
  expect(new Date(body.periodEnd).getUTCDate()).toBe(29);
  const periods = await ctx.db.billingPeriod.findMany({
    where: { entityId: tenant.entityId },
    orderBy: { periodStart: 'asc' },
  });
  expect(periods.map((p) => p.status)).toEqual(['closed', 'open']);
  expect(periods[0]?.periodEnd.getTime()).toBeLessThan(new Date(firstEnd).getTime());
  expect(periods[1]?.periodStart.getTime()).toBe(periods[0]?.periodEnd.getTime());
  expect(periods[1]?.periodEnd.toISOString()).toBe(firstEnd);

  // No run ended with the update still open: every update a run accepted, it also completed.
  const runs = ctx.client.workflow.list({ query: `WorkflowId = 'billing:${tenant.entityId}'` });
  for await (const run of runs) {
    const events = (await ctx.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
    const accepted = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    const completed = events.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).length;
    expect({ runId: run.runId, completed }).toEqual({ runId: run.runId, completed: accepted });
  }
});
