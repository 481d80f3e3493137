// The vertical slice, end to end on the real services: an API call starts billing:<entityId> on the Temporal dev
// server, the worker runs it, its activity writes the BillingPeriod row through Prisma, and the API reads it back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityIdKey, OrganizationIdKey } from '../../temporal/searchAttributes.js';
import { bearer, createTenant, type TestTenant } from '../support/factories.js';
import { apiTestContext } from '../support/testContext.js';

const ctx = apiTestContext('billing-slice', { worker: true });
let tenant: TestTenant;
let otherTenant: TestTenant;

beforeAll(async () => {
  // Anchor 31 in New York: the period boundaries are local midnights, clamped to month end.
  tenant = await createTenant(ctx.db, { timeZone: 'America/New_York', billingAnchorDay: 31 });
  otherTenant = await createTenant(ctx.db);
});

afterAll(async () => {
  await ctx.client.workflow
    .getHandle(`billing:${tenant.entityId}`)
    .terminate('test done')
    .catch(() => {});
});

const path = (entityId: string) => `/api/entities/${entityId}/billing-workflow`;

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('POST /api/entities/:id/billing-workflow', () => {
  it('starts billing:<entityId>, whose activity writes the current period, readable through the API', async () => {
    const res = await ctx.app.request(path(tenant.entityId), { method: 'POST', headers: bearer(tenant.adminKey) });
    expect(res.status).toBe(202);
    const started = (await res.json()) as { workflowId: string; runId: string };
    expect(started.workflowId).toBe(`billing:${tenant.entityId}`);

    const row = await eventually(() =>
      ctx.db.billingPeriod.findFirst({ where: { entityId: tenant.entityId } }).then((r) => r ?? undefined),
    );
    expect(row.status).toBe('open');
    expect(row.workflowId).toBe(`billing:${tenant.entityId}`);
    // The period containing "now" in New York, starting and ending at local midnight.
    expect(row.periodStart.getTime()).toBeLessThanOrEqual(Date.now());
    expect(row.periodEnd.getTime()).toBeGreaterThan(Date.now());
    const localHour = (d: Date) =>
      new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(d);
    expect(Number(localHour(row.periodStart))).toBe(0);
    expect(Number(localHour(row.periodEnd))).toBe(0);

    const read = await ctx.app.request(path(tenant.entityId), { headers: bearer(tenant.readKey) });
    expect(read.status).toBe(200);
    const body = (await read.json()) as { status: string; state: Record<string, unknown> };
    expect(body.status).toBe('RUNNING');
    expect(body.state).toEqual({
      entityId: tenant.entityId,
      billingPeriodId: row.id,
      periodStart: row.periodStart.toISOString(),
      periodEnd: row.periodEnd.toISOString(),
      phase: 'waiting_for_period_end',
    });

    // Ops find the run in the Temporal UI by tenant.
    const description = await ctx.client.workflow.getHandle(started.workflowId).describe();
    expect(description.typedSearchAttributes.get(EntityIdKey)).toBe(tenant.entityId);
    expect(description.typedSearchAttributes.get(OrganizationIdKey)).toBe(tenant.organizationId);
  });

  it('is idempotent: a second start returns the same run and writes no second period', async () => {
    const first = await ctx.app.request(path(tenant.entityId), { method: 'POST', headers: bearer(tenant.adminKey) });
    const second = await ctx.app.request(path(tenant.entityId), { method: 'POST', headers: bearer(tenant.adminKey) });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as Array<{ runId: string }>;
    expect(b?.runId).toBe(a?.runId);
    expect(await ctx.db.billingPeriod.count({ where: { entityId: tenant.entityId } })).toBe(1);
  });

  it("answers 404 for another organization's entity and changes nothing", async () => {
    const res = await ctx.app.request(path(otherTenant.entityId), { method: 'POST', headers: bearer(tenant.adminKey) });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
    await expect(ctx.client.workflow.getHandle(`billing:${otherTenant.entityId}`).describe()).rejects.toThrow();
  });

  it('rejects a missing key (401), a read-only key (403) and a malformed id (422) with problem+json', async () => {
    const noKey = await ctx.app.request(path(tenant.entityId), { method: 'POST' });
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { code: string }).code).toBe('UNAUTHENTICATED');

    const readOnly = await ctx.app.request(path(tenant.entityId), { method: 'POST', headers: bearer(tenant.readKey) });
    expect(readOnly.status).toBe(403);
    expect(((await readOnly.json()) as { code: string }).code).toBe('INSUFFICIENT_SCOPE');

    const malformed = await ctx.app.request(path('not-a-uuid'), { method: 'POST', headers: bearer(tenant.adminKey) });
    expect(malformed.status).toBe(422);
    const problem = (await malformed.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors[0]?.path).toBe('entityId');
  });
});

describe('GET /health', () => {
  it('reports the database and Temporal reachable', async () => {
    const res = await ctx.app.request('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: { database: { status: string }; temporal: { status: string } };
    };
    expect(body.status).toBe('ok');
    expect(body.checks.database.status).toBe('ok');
    expect(body.checks.temporal.status).toBe('ok');
  });
});
