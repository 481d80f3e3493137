// Whose stored response an Idempotency-Key replays: only the API key that made the request, and only once the route's
// own checks let that key in. Every combination of maker and retrier: the same key (replay), a key of the same
// organization with fewer scopes (403, nothing replayed), another key of the same organization with the scope (its
// own request), another organization (its own request), the bootstrap key and an organization key (each its own),
// a revoked key (401 before any lookup).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../../activities/apiKeys.js';
import { REDACTED_SECRET } from '../../../api/idempotency.js';
import { type ApiResponse, caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { createMeteringTenant, type MeteringTenant } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const BOOTSTRAP = 'bootstrap-admin-key-for-idempotency-tests-0123';

const ctx = apiTestContext('idempotency-owner', { app: { bootstrapAdminKey: BOOTSTRAP } });
let tenant: MeteringTenant;
let other: MeteringTenant;
/** A second admin key of `tenant`. */
let secondAdminKey: string;

const freshKey = (label: string) => `${label}-${randomUUID()}`;

beforeAll(async () => {
  tenant = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
  other = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
  secondAdminKey = generateApiKey();
  await ctx.db.apiKey.create({
    data: {
      organizationId: tenant.organizationId,
      name: 'second admin',
      prefix: secondAdminKey.slice(0, 9),
      hash: hashApiKey(secondAdminKey),
      scopes: ['admin'],
    },
  });
});

const send = (key: string, path: string, body: unknown, idempotencyKey: string) =>
  caller(ctx.app, key)('POST', path, body, { 'Idempotency-Key': idempotencyKey });

const replayed = (res: ApiResponse) => res.headers.get('idempotent-replayed') === 'true';
const keyIdOf = async (key: string) => (await ctx.db.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(key) } })).id;

describe('an admin-only POST (/api/api-keys) made by an admin key, then sent again with the same Idempotency-Key', () => {
  const newKey = { name: 'integration', scopes: ['admin'] };

  it('by the same key: replays the stored 201 (secret redacted)', async () => {
    const key = freshKey('same');
    const first = await send(tenant.adminKey, '/api/api-keys', newKey, key);
    const again = await send(tenant.adminKey, '/api/api-keys', newKey, key);
    expect(first.status).toBe(201);
    expect(replayed(first)).toBe(false);
    expect(again.status).toBe(201);
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual({ ...first.body, secret: REDACTED_SECRET });
    const record = await ctx.db.idempotencyRecord.findUniqueOrThrow({
      where: { apiKeyId_key: { apiKeyId: await keyIdOf(tenant.adminKey), key } },
    });
    expect(record.organizationId).toBe(tenant.organizationId);
  });

  it.each([
    ['read', () => tenant.readKey],
    ['ingest', () => tenant.ingestKey],
  ])('by a %s key of the same organization: 403 INSUFFICIENT_SCOPE, nothing replayed', async (_, key) => {
    const idem = freshKey('scope');
    const first = await send(tenant.adminKey, '/api/api-keys', newKey, idem);
    expect(first.status).toBe(201);
    const refused = await send(key(), '/api/api-keys', newKey, idem);
    expectProblem(refused, 403, 'INSUFFICIENT_SCOPE');
    expect(replayed(refused)).toBe(false);
    expect(JSON.stringify(refused.body)).not.toContain(first.body.id);
  });

  it('by another admin key of the same organization: its own request (a new key is created)', async () => {
    const idem = freshKey('sibling');
    const first = await send(tenant.adminKey, '/api/api-keys', newKey, idem);
    const second = await send(secondAdminKey, '/api/api-keys', newKey, idem);
    expect(second.status).toBe(201);
    expect(replayed(second)).toBe(false);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.secret).toMatch(/^bk_/);
  });

  it('by another admin key of the same organization with another body: its own request, not IDEMPOTENCY_KEY_REUSED', async () => {
    const idem = freshKey('sibling-body');
    await send(tenant.adminKey, '/api/api-keys', newKey, idem);
    const second = await send(secondAdminKey, '/api/api-keys', { name: 'other', scopes: ['read'] }, idem);
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ name: 'other', scopes: ['read'] });
  });

  it("by another organization's admin key: its own request, in its own organization", async () => {
    const idem = freshKey('other-org');
    const first = await send(tenant.adminKey, '/api/api-keys', newKey, idem);
    const theirs = await send(other.adminKey, '/api/api-keys', newKey, idem);
    expect(theirs.status).toBe(201);
    expect(replayed(theirs)).toBe(false);
    expect(theirs.body.id).not.toBe(first.body.id);
    const created = await ctx.db.apiKey.findUniqueOrThrow({ where: { id: theirs.body.id } });
    expect(created.organizationId).toBe(other.organizationId);
  });

  it('refused first (read key), then by an admin key: the refusal stored nothing, the admin request runs', async () => {
    const idem = freshKey('refused-first');
    expectProblem(await send(tenant.readKey, '/api/api-keys', newKey, idem), 403, 'INSUFFICIENT_SCOPE');
    const admin = await send(tenant.adminKey, '/api/api-keys', newKey, idem);
    expect(admin.status).toBe(201);
    expect(replayed(admin)).toBe(false);
    expect(await ctx.db.idempotencyRecord.count({ where: { key: idem } })).toBe(1);
  });

  it('by the same key once revoked: 401, nothing replayed', async () => {
    const t = await createTenant(ctx.db);
    const idem = freshKey('revoked');
    const first = await send(t.adminKey, '/api/api-keys', newKey, idem);
    expect(first.status).toBe(201);
    await ctx.db.apiKey.update({ where: { id: await keyIdOf(t.adminKey) }, data: { revokedAt: new Date() } });
    const after = await send(t.adminKey, '/api/api-keys', newKey, idem);
    expectProblem(after, 401, 'UNAUTHENTICATED');
    expect(replayed(after)).toBe(false);
  });
});

describe('an ingest POST (/api/billing/events) with the same Idempotency-Key', () => {
  // The header is the event's own idempotency key, stored with the event and unique per entity: whoever sends it
  // again for that entity gets the event's stored outcome.
  const event = (t: MeteringTenant) => ({
    entityId: t.entityId,
    userId: t.userIds[0],
    eventType: 'project.posted',
    occurredAt: new Date().toISOString(),
  });

  it('by the admin key, then the ingest key of the same organization: one event, the second a replay', async () => {
    const idem = freshKey('ingest');
    const body = event(tenant);
    const byAdmin = await send(tenant.adminKey, '/api/billing/events', body, idem);
    const byIngest = await send(tenant.ingestKey, '/api/billing/events', body, idem);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({
      status: 'accepted',
      replayed: false,
      ratedAmount: '2.50',
      idempotencyKey: idem,
    });
    expect(byIngest.status).toBe(200);
    expect(byIngest.body).toEqual({ ...byAdmin.body, replayed: true });
    expect(replayed(byIngest)).toBe(true);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: tenant.entityId, idempotencyKey: idem } })).toBe(1);
  });

  it('by the ingest key twice: replays; by the read key: 403, nothing replayed', async () => {
    const idem = freshKey('ingest-twice');
    const body = event(tenant);
    const first = await send(tenant.ingestKey, '/api/billing/events', body, idem);
    const again = await send(tenant.ingestKey, '/api/billing/events', body, idem);
    expect(again.status).toBe(200);
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    const refused = await send(tenant.readKey, '/api/billing/events', body, idem);
    expectProblem(refused, 403, 'INSUFFICIENT_SCOPE');
    expect(replayed(refused)).toBe(false);
  });

  it('by another organization: its own request (its entity is not ours: 404, not our answer)', async () => {
    const idem = freshKey('ingest-other');
    const body = event(tenant);
    const first = await send(tenant.ingestKey, '/api/billing/events', body, idem);
    expect(first.status).toBe(200);
    const theirs = await send(other.ingestKey, '/api/billing/events', body, idem);
    expectProblem(theirs, 404, 'ENTITY_NOT_FOUND');
    expect(replayed(theirs)).toBe(false);
  });
});

describe('bootstrap routes with the same Idempotency-Key', () => {
  const org = (name: string) => ({ name, billingEmail: 'billing@idem.example' });

  it('by the bootstrap key twice: replays, recorded without an organization', async () => {
    const idem = freshKey('bootstrap');
    const first = await send(BOOTSTRAP, '/api/organizations', org('Idem A'), idem);
    const again = await send(BOOTSTRAP, '/api/organizations', org('Idem A'), idem);
    expect(first.status).toBe(201);
    expect(replayed(again)).toBe(true);
    expect(again.body.organization.id).toBe(first.body.organization.id);
    const record = await ctx.db.idempotencyRecord.findUniqueOrThrow({
      where: { apiKeyId_key: { apiKeyId: 'bootstrap', key: idem } },
    });
    expect(record.organizationId).toBeNull();
  });

  it('by the bootstrap key, then an organization admin key: 403 (bootstrap only), nothing replayed', async () => {
    const idem = freshKey('bootstrap-then-admin');
    expect((await send(BOOTSTRAP, '/api/organizations', org('Idem B'), idem)).status).toBe(201);
    const refused = await send(tenant.adminKey, '/api/organizations', org('Idem B'), idem);
    expectProblem(refused, 403, 'INSUFFICIENT_SCOPE');
    expect(replayed(refused)).toBe(false);
  });

  it('a first key minted by the bootstrap key, then by the organization admin key: each its own request', async () => {
    const created = await send(BOOTSTRAP, '/api/organizations', org('Idem C'), freshKey('org'));
    const orgId = created.body.organization.id as string;
    const ownAdmin = created.body.apiKey.secret as string;
    await caller(ctx.app, ownAdmin)('POST', `/api/api-keys/${created.body.apiKey.id}/revoke`);
    const idem = freshKey('mint');
    const minted = await send(
      BOOTSTRAP,
      `/api/organizations/${orgId}/api-keys`,
      { name: 'R', scopes: ['admin'] },
      idem,
    );
    expect(minted.status).toBe(201);
    // The recovered organization's admin sends the same request with the same Idempotency-Key: its own request (a
    // key of its own is created), not the bootstrap key's stored 201.
    const byAdmin = await send(
      minted.body.secret,
      `/api/organizations/${orgId}/api-keys`,
      { name: 'R', scopes: ['admin'] },
      idem,
    );
    expect(byAdmin.status).toBe(201);
    expect(replayed(byAdmin)).toBe(false);
    expect(byAdmin.body.id).not.toBe(minted.body.id);
    expect(byAdmin.body.secret).toMatch(/^bk_/);
  });
});
