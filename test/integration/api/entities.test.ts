// Entities (creation starts billing:<entityId>), teams and users with memberships, through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityIdKey, OrganizationIdKey } from '../../../temporal/searchAttributes.js';
import {
  type Caller,
  caller,
  createEntityViaApi,
  createUserViaApi,
  expectProblem,
  tenantsAndCallers,
  terminateBillingWorkflows,
  UNKNOWN_ID,
  uniqueEmail,
} from '../../support/apiFactories.js';
import type { TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('api-entities');
let tenant: TestTenant;
let other: TestTenant;
let admin: Caller;
let reader: Caller;
let ingest: Caller;
const startedEntities: string[] = [];

beforeAll(async () => {
  ({ tenant, other, admin, reader, ingest } = await tenantsAndCallers(ctx.db, ctx.app));
});

afterAll(async () => {
  await terminateBillingWorkflows(ctx.client, startedEntities);
});

describe('/api/entities', () => {
  it('creates an entity with its settings and starts billing:<entityId> with tenant search attributes', async () => {
    const res = await admin('POST', '/api/entities', {
      name: 'Acme UK',
      currency: 'GBP',
      timeZone: 'Europe/London',
      billingAnchorDay: 31,
      overagePolicy: 'bill',
      lowBalanceThreshold: '50',
    });
    expect(res.status).toBe(201);
    startedEntities.push(res.body.id);
    expect(res.body).toMatchObject({
      organizationId: tenant.organizationId,
      name: 'Acme UK',
      currency: 'GBP',
      timeZone: 'Europe/London',
      billingAnchorDay: 31,
      status: 'active',
      overagePolicy: 'bill',
      lowBalanceThreshold: '50.00',
      suspendedAt: null,
      billingWorkflowId: `billing:${res.body.id}`,
    });
    const description = await ctx.client.workflow.getHandle(`billing:${res.body.id}`).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(EntityIdKey)).toBe(res.body.id);
    expect(description.typedSearchAttributes.get(OrganizationIdKey)).toBe(tenant.organizationId);

    const audit = await ctx.db.auditLog.findFirstOrThrow({ where: { targetId: res.body.id } });
    expect(audit).toMatchObject({
      action: 'entity.create',
      actorType: 'api_key',
      organizationId: tenant.organizationId,
    });
  });

  it('lists with cursor pagination, reads and updates', async () => {
    const a = await createEntityViaApi(admin, { name: 'Page A' });
    const b = await createEntityViaApi(admin, { name: 'Page B' });
    startedEntities.push(a.id, b.id);
    const first = await reader('GET', `/api/entities?limit=1&starting_after=${tenant.entityId}`);
    expect(first.status).toBe(200);
    expect(first.body.hasMore).toBe(true);
    expect(first.body.data).toHaveLength(1);
    const all: string[] = [];
    let cursor: string | null = tenant.entityId;
    while (cursor) {
      const page: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = await reader(
        'GET',
        `/api/entities?limit=2&starting_after=${cursor}`,
      );
      all.push(...page.body.data.map((e) => e.id));
      cursor = page.body.nextCursor;
    }
    expect(all.slice(-2)).toEqual([a.id, b.id]);
    expect(all).not.toContain(other.entityId);

    const read = await reader('GET', `/api/entities/${a.id}`);
    expect(read.body.name).toBe('Page A');
    const updated = await admin('PATCH', `/api/entities/${a.id}`, { name: 'Page A2', lowBalanceThreshold: '10.5' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Page A2', lowBalanceThreshold: '10.50', currency: 'USD' });
  });

  it('rejects invalid currency, time zone and anchor day with every field named', async () => {
    const res = await admin('POST', '/api/entities', {
      name: 'Bad',
      currency: 'usd',
      timeZone: 'Mars/Olympus',
      billingAnchorDay: 32,
      lowBalanceThreshold: '-1',
    });
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'billingAnchorDay',
      'currency',
      'lowBalanceThreshold',
      'timeZone',
    ]);
    expect(await ctx.db.entity.count({ where: { organizationId: tenant.organizationId, name: 'Bad' } })).toBe(0);
  });

  it('PATCH: every field given takes effect; an unknown field is 422 naming it and changes nothing', async () => {
    const e = await createEntityViaApi(admin, { name: 'Patchable', overagePolicy: 'reject' });
    startedEntities.push(e.id);
    const snake = await admin('PATCH', `/api/entities/${e.id}`, { overage_policy: 'bill' });
    expectProblem(snake, 422, 'VALIDATION_FAILED');
    expect(snake.body.errors).toEqual([{ path: 'overage_policy', message: 'unknown field' }]);
    expect((await reader('GET', `/api/entities/${e.id}`)).body.overagePolicy).toBe('reject');

    const patched = await admin('PATCH', `/api/entities/${e.id}`, {
      name: 'Patched',
      overagePolicy: 'bill',
      lowBalanceThreshold: '25',
    });
    expect(patched.status).toBe(200);
    const read = await reader('GET', `/api/entities/${e.id}`);
    expect(read.body).toMatchObject({ name: 'Patched', overagePolicy: 'bill', lowBalanceThreshold: '25.00' });
    const row = await ctx.db.entity.findUniqueOrThrow({ where: { id: e.id } });
    expect([row.name, row.overagePolicy, row.lowBalanceThreshold.toString()]).toEqual(['Patched', 'bill', '25']);
  });

  it('PATCH: time zone, currency and anchor day are refused by name with where to change them (FIELD_NOT_UPDATABLE)', async () => {
    const e = await createEntityViaApi(admin, { name: 'Fixed', timeZone: 'Europe/London', billingAnchorDay: 1 });
    startedEntities.push(e.id);
    const res = await admin('PATCH', `/api/entities/${e.id}`, {
      name: 'Renamed',
      timeZone: 'America/New_York',
      billingAnchorDay: 15,
    });
    expectProblem(res, 422, 'FIELD_NOT_UPDATABLE');
    expect(res.body.errors.map((x: { path: string }) => x.path)).toEqual(['timeZone', 'billingAnchorDay']);
    expect(res.body.errors[1].message).toContain('/billing-workflow/anchor-day');
    const row = await ctx.db.entity.findUniqueOrThrow({ where: { id: e.id } });
    expect([row.name, row.timeZone, row.billingAnchorDay]).toEqual(['Fixed', 'Europe/London', 1]);
  });

  it('refuses unknown query parameters by name instead of answering page one again', async () => {
    const res = await reader('GET', '/api/entities?limit=2&page=2');
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'page', message: 'unknown query parameter' }]);
  });

  it("answers 404 for unknown and other organizations' entities, 403 without the scope", async () => {
    expectProblem(await reader('GET', `/api/entities/${other.entityId}`), 404, 'NOT_FOUND');
    expectProblem(await admin('PATCH', `/api/entities/${other.entityId}`, { name: 'x' }), 404, 'NOT_FOUND');
    expectProblem(await reader('GET', `/api/entities/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
    expectProblem(await reader('POST', '/api/entities', { name: 'x', currency: 'USD' }), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await ingest('GET', '/api/entities'), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await caller(ctx.app)('GET', '/api/entities'), 401, 'UNAUTHENTICATED');
  });
});

describe('/api/teams', () => {
  it('creates, lists by entity, renames and deletes a team (members keep their membership)', async () => {
    const team = await admin('POST', '/api/teams', { entityId: tenant.entityId, name: 'Engineering' });
    expect(team.status).toBe(201);
    expect(team.body).toMatchObject({ entityId: tenant.entityId, name: 'Engineering' });
    const user = await createUserViaApi(admin, tenant.entityId, uniqueEmail(), { teamId: team.body.id });

    const list = await reader('GET', `/api/teams?entityId=${tenant.entityId}`);
    expect(list.body.data.map((t: { name: string }) => t.name)).toContain('Engineering');
    const renamed = await admin('PATCH', `/api/teams/${team.body.id}`, { name: 'Platform' });
    expect(renamed.body.name).toBe('Platform');

    const duplicate = await admin('POST', '/api/teams', { entityId: tenant.entityId, name: 'Platform' });
    expectProblem(duplicate, 409, 'CONFLICT');

    const deleted = await admin('DELETE', `/api/teams/${team.body.id}`);
    expect(deleted.body).toEqual({ id: team.body.id, object: 'team', deleted: true });
    expectProblem(await reader('GET', `/api/teams/${team.body.id}`), 404, 'NOT_FOUND');
    const member = await reader('GET', `/api/entities/${tenant.entityId}/members/${user.id}`);
    expect(member.body.teamId).toBeNull();
  });

  it("validates, scopes and hides another organization's teams", async () => {
    const theirs = await caller(ctx.app, other.adminKey)('POST', '/api/teams', {
      entityId: other.entityId,
      name: 'Theirs',
    });
    expectProblem(await reader('GET', `/api/teams/${theirs.body.id}`), 404, 'NOT_FOUND');
    expectProblem(await admin('DELETE', `/api/teams/${theirs.body.id}`), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', '/api/teams', { entityId: other.entityId, name: 'Sneaky' }), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', '/api/teams', { entityId: tenant.entityId, name: '' }), 422, 'VALIDATION_FAILED');
    expectProblem(
      await reader('POST', '/api/teams', { entityId: tenant.entityId, name: 'x' }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expect((await reader('GET', '/api/teams')).body.data.map((t: { id: string }) => t.id)).not.toContain(
      theirs.body.id,
    );
  });
});

describe('/api/users and memberships', () => {
  it('creates a user with a membership (credit limit in the entity currency) and adds them to another entity', async () => {
    const email = uniqueEmail('Jane');
    const created = await admin('POST', '/api/users', {
      email,
      name: 'Jane Doe',
      membership: { entityId: tenant.entityId, role: 'admin', creditLimit: '250', seatAssigned: true },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: email.toLowerCase(), name: 'Jane Doe' });
    expect(created.body.memberships).toEqual([
      expect.objectContaining({
        entityId: tenant.entityId,
        userId: created.body.id,
        role: 'admin',
        creditLimit: '250.00',
        currency: 'USD',
        teamId: null,
        seatAssigned: true,
      }),
    ]);

    const eur = await createEntityViaApi(admin, { name: 'Acme EU', currency: 'EUR' });
    startedEntities.push(eur.id);
    const added = await admin('POST', `/api/entities/${eur.id}/members`, {
      userId: created.body.id,
      creditLimit: '99.9',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ role: 'member', creditLimit: '99.90', currency: 'EUR', seatAssigned: false });
    expectProblem(await admin('POST', `/api/entities/${eur.id}/members`, { userId: created.body.id }), 409, 'CONFLICT');

    const user = await reader('GET', `/api/users/${created.body.id}`);
    expect(user.body.memberships.map((m: { entityId: string }) => m.entityId)).toEqual([tenant.entityId, eur.id]);

    const patched = await admin('PATCH', `/api/entities/${eur.id}/members/${created.body.id}`, {
      role: 'viewer',
      creditLimit: null,
    });
    expect(patched.body).toMatchObject({ role: 'viewer', creditLimit: null });

    const removed = await admin('DELETE', `/api/entities/${eur.id}/members/${created.body.id}`);
    expect(removed.body.deleted).toBe(true);
    expectProblem(await reader('GET', `/api/entities/${eur.id}/members/${created.body.id}`), 404, 'NOT_FOUND');
    const members = await reader('GET', `/api/entities/${eur.id}/members`);
    expect(members.body.data).toEqual([]);

    // Re-adding restores the membership with the new settings.
    const again = await admin('POST', `/api/entities/${eur.id}/members`, { userId: created.body.id, role: 'owner' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: added.body.id, role: 'owner', creditLimit: null });
  });

  it("gives each organization its own user for an email both use, and keeps organizations' views apart", async () => {
    const email = uniqueEmail('shared');
    const mine = await createUserViaApi(admin, tenant.entityId, email);
    const theirs = await caller(ctx.app, other.adminKey)('POST', '/api/users', {
      email,
      name: 'Somebody Else',
      membership: { entityId: other.entityId },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.id);
    expect(theirs.body).toMatchObject({ email, name: 'Somebody Else' });
    expect(theirs.body.memberships.map((m: { entityId: string }) => m.entityId)).toEqual([other.entityId]);
    const mineRead = await reader('GET', `/api/users/${mine.id}`);
    expect(mineRead.body).toMatchObject({ email, name: email.split('@')[0] });
    expect(mineRead.body.memberships.map((m: { entityId: string }) => m.entityId)).toEqual([tenant.entityId]);

    // Within one organization an email is one user: a second create joins another entity, or is a conflict.
    expectProblem(
      await admin('POST', '/api/users', { email, name: 'Twice', membership: { entityId: tenant.entityId } }),
      409,
      'CONFLICT',
    );
    const renamed = await admin('PATCH', `/api/users/${mine.id}`, { name: 'Jane Q. Doe' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: mine.id, email, name: 'Jane Q. Doe' });
    expect((await caller(ctx.app, other.readKey)('GET', `/api/users/${theirs.body.id}`)).body.name).toBe(
      'Somebody Else',
    );
    expectProblem(await admin('PATCH', `/api/users/${theirs.body.id}`, { name: 'x' }), 404, 'NOT_FOUND');
    expectProblem(await reader('PATCH', `/api/users/${mine.id}`, { name: 'x' }), 403, 'INSUFFICIENT_SCOPE');
  });

  it('answers 404 for users and entities of another organization, 422 for a foreign team, 403 without scope', async () => {
    const stranger = await caller(ctx.app, other.adminKey)('POST', '/api/users', {
      email: uniqueEmail('stranger'),
      name: 'Stranger',
      membership: { entityId: other.entityId },
    });
    expectProblem(await reader('GET', `/api/users/${stranger.body.id}`), 404, 'NOT_FOUND');
    expectProblem(
      await admin('POST', `/api/entities/${tenant.entityId}/members`, { userId: stranger.body.id }),
      404,
      'NOT_FOUND',
    );
    expectProblem(await reader('GET', `/api/entities/${other.entityId}/members`), 404, 'NOT_FOUND');
    expectProblem(
      await admin('POST', '/api/users', { email: uniqueEmail(), name: 'X', membership: { entityId: other.entityId } }),
      404,
      'NOT_FOUND',
    );
    const theirTeam = await caller(ctx.app, other.adminKey)('POST', '/api/teams', {
      entityId: other.entityId,
      name: 'T',
    });
    const foreignTeam = await admin('POST', '/api/users', {
      email: uniqueEmail(),
      name: 'X',
      membership: { entityId: tenant.entityId, teamId: theirTeam.body.id },
    });
    expectProblem(foreignTeam, 422, 'INVALID_TEAM');
    const invalid = await admin('POST', '/api/users', {
      email: 'nope',
      name: 'X',
      membership: { entityId: tenant.entityId, role: 'king' },
    });
    expectProblem(invalid, 422, 'VALIDATION_FAILED');
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'membership.role']);
    expectProblem(
      await reader('POST', '/api/users', {
        email: uniqueEmail(),
        name: 'X',
        membership: { entityId: tenant.entityId },
      }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expect((await reader('GET', '/api/users')).body.data.map((u: { id: string }) => u.id)).not.toContain(
      stranger.body.id,
    );
  });
});
