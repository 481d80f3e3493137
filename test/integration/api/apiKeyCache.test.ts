// The per-process API-key cache (activities/apiKeyAuthCache.ts): a revoked or rotated key is refused at once by the
// process that revoked it, by another process once its TTL has passed, and an expiring key never outlives expiresAt.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { closeDb } from '../../../activities/db.js';
import type { App } from '../../../api/app.js';
import { type Caller, caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { devServerClient, testApp, testAppDb, testDb, uniqueTaskQueue } from '../../support/services.js';

const TTL_MS = 1_500;

// Two "API processes": separate Db instances, so separate caches, as two processes would have; `db`: the owner's.
let db: Db;
let dbA: Db;
let dbB: Db;
let client: Client;
let appA: App;
let appB: App;
let tenant: TestTenant;
let adminA: Caller;

beforeAll(async () => {
  db = testDb();
  dbA = testAppDb();
  dbB = testAppDb();
  client = await devServerClient();
  const queue = uniqueTaskQueue('api-key-cache');
  appA = testApp(dbA, client, queue, { apiKeyCacheTtlMs: TTL_MS });
  appB = testApp(dbB, client, queue, { apiKeyCacheTtlMs: TTL_MS });
  tenant = await createTenant(db);
  adminA = caller(appA, tenant.adminKey);
});

afterAll(async () => {
  await client?.connection.close();
  await Promise.all([db && closeDb(db), dbA && closeDb(dbA), dbB && closeDb(dbB)]);
});

const listEntities = (app: App, key: string) => caller(app, key)('GET', '/api/entities');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API-key cache', () => {
  it('serves repeated requests without a key lookup, and still refuses an unknown key', async () => {
    const created = await adminA('POST', '/api/api-keys', { name: 'Cached', scopes: ['read'] });
    expect((await listEntities(appA, created.body.secret)).status).toBe(200);
    // Deleting the row behind the process's back shows the second request was answered from the cache.
    await db.apiKey.update({ where: { id: created.body.id }, data: { hash: `gone-${created.body.id}` } });
    expect((await listEntities(appA, created.body.secret)).status).toBe(200);
    expectProblem(await listEntities(appA, 'bk_not-a-real-key'), 401, 'UNAUTHENTICATED');
  });

  it('refuses a revoked key at once in the revoking process, and in another one after the TTL', async () => {
    const created = await adminA('POST', '/api/api-keys', { name: 'Revoked soon', scopes: ['read'] });
    expect((await listEntities(appA, created.body.secret)).status).toBe(200);
    expect((await listEntities(appB, created.body.secret)).status).toBe(200);

    expect((await adminA('POST', `/api/api-keys/${created.body.id}/revoke`)).status).toBe(200);
    expectProblem(await listEntities(appA, created.body.secret), 401, 'UNAUTHENTICATED');
    // The documented trade: the other process may accept the key until its cache entry lapses...
    expect((await listEntities(appB, created.body.secret)).status).toBe(200);
    await sleep(TTL_MS + 100);
    // ...and not a moment after.
    expectProblem(await listEntities(appB, created.body.secret), 401, 'UNAUTHENTICATED');
  });

  it('refuses a rotated key at once in the rotating process', async () => {
    const created = await adminA('POST', '/api/api-keys', { name: 'Rotated', scopes: ['read'] });
    expect((await listEntities(appA, created.body.secret)).status).toBe(200);
    const rotated = await adminA('POST', `/api/api-keys/${created.body.id}/rotate`, {});
    expect(rotated.status).toBe(200);
    expectProblem(await listEntities(appA, created.body.secret), 401, 'UNAUTHENTICATED');
    expect((await listEntities(appA, rotated.body.apiKey.secret)).status).toBe(200);
  });

  it('never keeps a key past its expiry, however long the TTL', async () => {
    const longTtl = testApp(dbB, client, uniqueTaskQueue('api-key-cache-long'), { apiKeyCacheTtlMs: 60_000 });
    const expiresAt = new Date(Date.now() + 1_000).toISOString();
    const created = await adminA('POST', '/api/api-keys', { name: 'Short-lived', scopes: ['read'], expiresAt });
    expect(created.status).toBe(201);
    expect((await listEntities(longTtl, created.body.secret)).status).toBe(200);
    await sleep(Date.parse(expiresAt) - Date.now() + 50);
    expectProblem(await listEntities(longTtl, created.body.secret), 401, 'UNAUTHENTICATED');
  });
});
