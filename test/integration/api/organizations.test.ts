// Organizations and API keys: the bootstrap key creates tenants and their first key; keys are shown once, stored
// hashed, rotated and revoked; another organization is invisible.
import { beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../activities/apiKeys.js';
import { REDACTED_SECRET } from '../../../api/idempotency.js';
import { type Caller, caller, expectProblem, tenantsAndCallers, UNKNOWN_ID } from '../../support/apiFactories.js';
import type { TestTenant } from '../../support/factories.js';
import { testApp } from '../../support/services.js';
import { apiTestContext } from '../../support/testContext.js';

const BOOTSTRAP = 'bootstrap-admin-key-for-tests-0123456789';

const ctx = apiTestContext('api-orgs', { app: { bootstrapAdminKey: BOOTSTRAP } });
let tenant: TestTenant;
let other: TestTenant;
let bootstrap: Caller;
let admin: Caller;
let reader: Caller;

beforeAll(async () => {
  ({ tenant, other, admin, reader } = await tenantsAndCallers(ctx.db, ctx.app));
  bootstrap = caller(ctx.app, BOOTSTRAP);
});

describe('bootstrap admin key', () => {
  it('creates an organization with its first admin key, shown once and stored hashed', async () => {
    const res = await bootstrap('POST', '/api/organizations', {
      name: 'Freelance Hub',
      billingEmail: 'billing@hub.example',
      domain: 'hub.example',
    });
    expect(res.status).toBe(201);
    const { organization, apiKey } = res.body;
    expect(organization).toMatchObject({
      name: 'Freelance Hub',
      billingEmail: 'billing@hub.example',
      domain: 'hub.example',
    });
    expect(apiKey).toMatchObject({ name: 'Admin key', scopes: ['admin'], revokedAt: null, expiresAt: null });
    expect(apiKey.secret).toMatch(/^bk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey.prefix).toBe(apiKey.secret.slice(0, 9));

    const row = await ctx.db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.hash).toBe(hashApiKey(apiKey.secret));
    expect(JSON.stringify(row)).not.toContain(apiKey.secret);

    // The new key works for its own organization.
    const me = await caller(ctx.app, apiKey.secret)('GET', `/api/organizations/${organization.id}`);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(organization.id);

    // One audit row for the request, the bootstrap actor's, with the key it created (never the key itself).
    const audit = await ctx.db.auditLog.findMany({
      where: { organizationId: organization.id },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.actorType, a.actorId])).toEqual([['organization.create', 'bootstrap', null]]);
    expect(audit[0]?.after).toMatchObject({ id: organization.id, apiKey: { id: apiKey.id, scopes: ['admin'] } });
    expect(JSON.stringify(audit[0]?.after)).not.toContain(apiKey.secret);
  });

  it('replays a retried creation with the same Idempotency-Key without ever storing the key', async () => {
    const body = { name: 'Retry Co', billingEmail: 'billing@retry.example' };
    const headers = { 'Idempotency-Key': 'create-retry-co' };
    const first = await bootstrap('POST', '/api/organizations', body, headers);
    const second = await bootstrap('POST', '/api/organizations', body, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.organization.id).toBe(first.body.organization.id);
    expect(second.body.apiKey.id).toBe(first.body.apiKey.id);
    expect(second.body.apiKey.secret).toBe(REDACTED_SECRET);
    expect(await ctx.db.organization.count({ where: { billingEmail: 'billing@retry.example' } })).toBe(1);
    const record = await ctx.db.idempotencyRecord.findUniqueOrThrow({
      where: { apiKeyId_key: { apiKeyId: 'bootstrap', key: 'create-retry-co' } },
    });
    expect(JSON.stringify(record.responseBody)).not.toContain(first.body.apiKey.secret);
  });

  it('may mint a key only for an organization without an active key', async () => {
    const created = await bootstrap('POST', '/api/organizations', { name: 'Org B', billingEmail: 'b@b.example' });
    const orgId = created.body.organization.id as string;
    const refused = await bootstrap('POST', `/api/organizations/${orgId}/api-keys`, { name: 'x', scopes: ['read'] });
    expectProblem(refused, 409, 'ORGANIZATION_HAS_KEYS');

    await caller(ctx.app, created.body.apiKey.secret)('POST', `/api/api-keys/${created.body.apiKey.id}/revoke`);
    const minted = await bootstrap('POST', `/api/organizations/${orgId}/api-keys`, {
      name: 'Recovery',
      scopes: ['admin'],
    });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ name: 'Recovery', scopes: ['admin'] });

    expectProblem(
      await bootstrap('POST', `/api/organizations/${UNKNOWN_ID}/api-keys`, { name: 'x', scopes: ['read'] }),
      404,
      'NOT_FOUND',
    );
  });

  it('is refused everywhere else, and organization creation refuses organization keys', async () => {
    expectProblem(await bootstrap('GET', '/api/entities'), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await bootstrap('GET', `/api/organizations/${tenant.organizationId}`), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(
      await admin('POST', '/api/organizations', { name: 'X', billingEmail: 'x@x.example' }),
      403,
      'INSUFFICIENT_SCOPE',
    );
  });

  it('does not exist when BOOTSTRAP_ADMIN_KEY is unset', async () => {
    const plain = testApp(ctx.appDb, ctx.client, 'unused');
    expectProblem(
      await caller(plain, BOOTSTRAP)('POST', '/api/organizations', { name: 'X', billingEmail: 'x@x.example' }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('validates the new organization', async () => {
    const res = await bootstrap('POST', '/api/organizations', { name: '', billingEmail: 'not-an-email' });
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['billingEmail', 'name']);
  });
});

describe('/api/organizations', () => {
  it("reads, lists and updates the caller's organization", async () => {
    const read = await reader('GET', `/api/organizations/${tenant.organizationId}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(tenant.organizationId);

    const list = await reader('GET', '/api/organizations');
    expect(list.body).toMatchObject({ object: 'list', hasMore: false, nextCursor: null });
    expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([tenant.organizationId]);

    const updated = await admin('PATCH', `/api/organizations/${tenant.organizationId}`, {
      name: 'Renamed',
      domain: 'renamed.example',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', domain: 'renamed.example' });
  });

  it("answers 404 for another organization's id, 403 for a read key writing, 422 for bad input", async () => {
    expectProblem(await reader('GET', `/api/organizations/${other.organizationId}`), 404, 'NOT_FOUND');
    expectProblem(
      await admin('PATCH', `/api/organizations/${other.organizationId}`, { name: 'Hijack' }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await reader('PATCH', `/api/organizations/${tenant.organizationId}`, { name: 'X' }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expectProblem(
      await admin('PATCH', `/api/organizations/${tenant.organizationId}`, { billingEmail: 'nope' }),
      422,
      'VALIDATION_FAILED',
    );
    expectProblem(await reader('GET', '/api/organizations/not-a-uuid'), 422, 'VALIDATION_FAILED');
    const otherOrg = await ctx.db.organization.findUniqueOrThrow({ where: { id: other.organizationId } });
    expect(otherOrg.name).not.toBe('Hijack');
  });
});

describe('/api/api-keys', () => {
  it('creates a key shown once, lists it without the secret, and the key authenticates with its scopes', async () => {
    const created = await admin('POST', '/api/api-keys', { name: 'Ingest worker', scopes: ['ingest'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^bk_/);

    const list = await admin('GET', '/api/api-keys');
    const listed = list.body.data.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ name: 'Ingest worker', scopes: ['ingest'], revokedAt: null });
    expect(listed.secret).toBeUndefined();
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    const read = await admin('GET', `/api/api-keys/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();

    expectProblem(await caller(ctx.app, created.body.secret)('GET', '/api/entities'), 403, 'INSUFFICIENT_SCOPE');
  });

  it('rotates: a new key with the same name and scopes; the old one is revoked at once', async () => {
    const created = await admin('POST', '/api/api-keys', { name: 'Reporting', scopes: ['read'] });
    const rotated = await admin('POST', `/api/api-keys/${created.body.id}/rotate`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.apiKey).toMatchObject({ name: 'Reporting', scopes: ['read'] });
    expect(rotated.body.apiKey.id).not.toBe(created.body.id);
    expect(rotated.body.replaced.id).toBe(created.body.id);
    expect(rotated.body.replaced.revokedAt).not.toBeNull();

    expectProblem(await caller(ctx.app, created.body.secret)('GET', '/api/entities'), 401, 'UNAUTHENTICATED');
    expect((await caller(ctx.app, rotated.body.apiKey.secret)('GET', '/api/entities')).status).toBe(200);
  });

  it('rotates with a grace period: the old key keeps working until it expires', async () => {
    const created = await admin('POST', '/api/api-keys', { name: 'Deploy', scopes: ['read'] });
    const rotated = await admin('POST', `/api/api-keys/${created.body.id}/rotate`, { oldKeyExpiresInSeconds: 3600 });
    expect(rotated.body.replaced.revokedAt).toBeNull();
    const expiresIn = Date.parse(rotated.body.replaced.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(3590_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect((await caller(ctx.app, created.body.secret)('GET', '/api/entities')).status).toBe(200);
  });

  it('revokes a key; revoking again is a 409', async () => {
    const created = await admin('POST', '/api/api-keys', { name: 'Temp', scopes: ['read'] });
    const revoked = await admin('POST', `/api/api-keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expectProblem(await caller(ctx.app, created.body.secret)('GET', '/api/entities'), 401, 'UNAUTHENTICATED');
    expectProblem(await admin('POST', `/api/api-keys/${created.body.id}/revoke`), 409, 'API_KEY_REVOKED');
    const actions = await ctx.db.auditLog.findMany({ where: { targetId: created.body.id }, orderBy: { id: 'asc' } });
    expect(actions.map((a) => a.action)).toEqual(['api_key.create', 'api_key.revoke']);
  });

  it("hides another organization's keys (404), needs admin (403) and validates (422)", async () => {
    const otherKey = await ctx.db.apiKey.findFirstOrThrow({ where: { organizationId: other.organizationId } });
    expectProblem(await admin('GET', `/api/api-keys/${otherKey.id}`), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', `/api/api-keys/${otherKey.id}/revoke`), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', `/api/api-keys/${otherKey.id}/rotate`, {}), 404, 'NOT_FOUND');
    expect((await ctx.db.apiKey.findUniqueOrThrow({ where: { id: otherKey.id } })).revokedAt).toBeNull();
    expectProblem(await reader('GET', '/api/api-keys'), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await reader('POST', '/api/api-keys', { name: 'x', scopes: ['admin'] }), 403, 'INSUFFICIENT_SCOPE');
    const bad = await admin('POST', '/api/api-keys', { name: 'x', scopes: ['superuser'] });
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(bad.body.errors[0].path).toBe('scopes.0');
    expectProblem(await admin('GET', `/api/api-keys/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
  });
});
