// Ops read names, not UUIDs, in the Temporal UI: a billing cycle started through the API has a summary and a memo
// with the organization's and entity's names, and after continue-as-new (close-now) the next run still has the memo
// and says what it is in its current details (continue-as-new cannot carry a static summary).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('run-names', { worker: true });
let tenant: TestTenant;
let names: { organization: string; entity: string };

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  const entity = await ctx.db.entity.findUniqueOrThrow({
    where: { id: tenant.entityId },
    include: { organization: true },
  });
  names = { organization: entity.organization.name, entity: entity.name };
});

afterAll(async () => {
  await ctx.client.workflow
    .getHandle(`billing:${tenant.entityId}`)
    .terminate('test done')
    .catch(() => {});
});

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const currentDetails = async (workflowId: string) =>
  (await ctx.client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata'))
    .currentDetails;

describe('workflow runs in the Temporal UI', () => {
  it('name the organization and entity in summary, memo and current details, also after continue-as-new', async () => {
    const workflowId = `billing:${tenant.entityId}`;
    const path = `/api/entities/${tenant.entityId}/billing-workflow`;
    const started = await ctx.app.request(path, { method: 'POST', headers: bearer(tenant.adminKey) });
    expect(started.status).toBe(202);
    const first = (await started.json()) as { runId: string };

    const label = `${names.entity} (org ${names.organization})`;
    const memo = {
      organizationId: tenant.organizationId,
      organizationName: names.organization,
      entityId: tenant.entityId,
      entityName: names.entity,
    };
    const run1 = await ctx.client.workflow.getHandle(workflowId, first.runId).describe();
    expect(await run1.staticSummary()).toBe(`Billing cycle of ${label}`);
    expect(run1.memo).toEqual(memo);
    const details1 = await eventually(async () => {
      const d = await currentDetails(workflowId);
      return d?.includes('period') ? d : undefined;
    });
    expect(details1).toMatch(new RegExp(`^Billing cycle of ${label.replace(/[()]/g, '\\$&')}, period \\d+`));

    // close-now ends the period: the run continues as new for the next one.
    const closed = await ctx.app.request(`${path}/close-now`, { method: 'POST', headers: bearer(tenant.adminKey) });
    expect(closed.status).toBe(202);
    const run2 = await eventually(async () => {
      const d = await ctx.client.workflow.getHandle(workflowId).describe();
      return d.runId !== first.runId && d.status.name === 'RUNNING' ? d : undefined;
    });
    expect(run2.memo).toEqual(memo);
    const details2 = await eventually(async () => {
      const d = await currentDetails(workflowId);
      return d?.includes('period') ? d : undefined;
    });
    expect(details2.startsWith(`Billing cycle of ${label}, period `)).toBe(true);
  }, 60_000);
});
