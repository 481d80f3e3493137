// Per-key rate limiting (429 RATE_LIMITED with Retry-After) and the audit log read API.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Caller, caller, expectProblem, tenantsAndCallers, UNKNOWN_ID } from '../../support/apiFactories.js';
import type { TestTenant } from '../../support/factories.js';
import { testApp } from '../../support/services.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('api-audit');
let tenant: TestTenant;
let other: TestTenant;
let admin: Caller;

beforeAll(async () => {
  ({ tenant, other, admin } = await tenantsAndCallers(ctx.db, ctx.app));
});

describe('rate limiting', () => {
  it('allows a burst per key, then answers 429 RATE_LIMITED with Retry-After; other keys are unaffected', async () => {
    // A clock that stands still: the bucket refills only when the test says so, however long a request takes.
    const now = Date.now();
    const limited = testApp(ctx.appDb, ctx.client, 'unused', {
      rateLimit: { perSecond: 0.5, burst: 3, now: () => now },
    });
    const call = caller(limited, tenant.readKey);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', '/api/teams')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const over = await call('GET', '/api/teams');
    expectProblem(over, 429, 'RATE_LIMITED');
    expect(over.headers.get('retry-after')).toBe('2');
    expect(over.headers.get('ratelimit-remaining')).toBe('0');
    // Another key has its own bucket.
    expect((await caller(limited, tenant.adminKey)('GET', '/api/teams')).status).toBe(200);
  });

  it('refills over time', async () => {
    let now = 0;
    const limited = testApp(ctx.appDb, ctx.client, 'unused', {
      rateLimit: { perSecond: 10, burst: 1, now: () => now },
    });
    const call = caller(limited, tenant.readKey);
    expect((await call('GET', '/api/teams')).status).toBe(200);
    expectProblem(await call('GET', '/api/teams'), 429, 'RATE_LIMITED');
    now += 100;
    expect((await call('GET', '/api/teams')).status).toBe(200);
  });
});

describe('/api/audit-log', () => {
  it('records every admin write with actor, request id and before/after, filterable by target', async () => {
    const created = await admin('POST', '/api/teams', { entityId: tenant.entityId, name: 'Audited' });
    await admin('PATCH', `/api/teams/${created.body.id}`, { name: 'Audited 2' });
    await admin('DELETE', `/api/teams/${created.body.id}`);
    const adminKey = await ctx.db.apiKey.findFirstOrThrow({
      where: { organizationId: tenant.organizationId, scopes: { has: 'admin' } },
    });

    const log = await admin('GET', `/api/audit-log?targetType=team&targetId=${created.body.id}`);
    expect(log.status).toBe(200);
    expect(log.body.data.map((e: { action: string }) => e.action)).toEqual([
      'team.create',
      'team.update',
      'team.delete',
    ]);
    const [create, update] = log.body.data;
    expect(create).toMatchObject({ actorType: 'api_key', actorId: adminKey.id, targetType: 'team', before: null });
    expect(create.after).toMatchObject({ id: created.body.id, name: 'Audited' });
    expect(create.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(update.before).toMatchObject({ name: 'Audited' });
    expect(update.after).toMatchObject({ name: 'Audited 2' });

    const one = await admin('GET', `/api/audit-log/${create.id}`);
    expect(one.body).toEqual(create);
    const byAction = await admin('GET', '/api/audit-log?action=team.delete');
    expect(byAction.body.data.map((e: { targetId: string }) => e.targetId)).toContain(created.body.id);
  });

  it('writes nothing when the write fails, and reads are admin-only and organization-scoped', async () => {
    const before = await ctx.db.auditLog.count({ where: { organizationId: tenant.organizationId } });
    expectProblem(await admin('POST', '/api/teams', { entityId: other.entityId, name: 'Nope' }), 404, 'NOT_FOUND');
    expect(await ctx.db.auditLog.count({ where: { organizationId: tenant.organizationId } })).toBe(before);

    const theirs = await caller(ctx.app, other.adminKey)('POST', '/api/teams', {
      entityId: other.entityId,
      name: 'Theirs',
    });
    const theirEntry = await ctx.db.auditLog.findFirstOrThrow({ where: { targetId: theirs.body.id } });
    expectProblem(await admin('GET', `/api/audit-log/${theirEntry.id}`), 404, 'NOT_FOUND');
    expect((await admin('GET', `/api/audit-log?targetId=${theirs.body.id}`)).body.data).toEqual([]);
    expectProblem(await admin('GET', `/api/audit-log/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
    expectProblem(await caller(ctx.app, tenant.readKey)('GET', '/api/audit-log'), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await admin('GET', '/api/audit-log?limit=1000'), 422, 'VALIDATION_FAILED');
  });
});
