// A body that is not JSON is a 400 problem with a stable code on every route, never a 500.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../activities/db.js';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { devServerClient, testApp, testDb, uniqueTaskQueue } from '../../support/services.js';

let db: Db;
let client: Client;
let app: ReturnType<typeof testApp>;
let tenant: TestTenant;

beforeAll(async () => {
  db = testDb(2);
  client = await devServerClient();
  app = testApp(db, client, uniqueTaskQueue('malformed-json'));
  tenant = await createTenant(db);
});

afterAll(async () => {
  await client?.connection.close();
  await db?.$disconnect();
});

describe('malformed JSON', () => {
  it.each([
    '/api/entities',
    '/api/teams',
    '/api/billing/seat-plans',
    '/api/billing/price-books',
    '/api/webhooks/endpoints',
  ])('POST %s with a broken body is 400 MALFORMED_JSON and creates nothing', async (path) => {
    const before = await db.auditLog.count({ where: { organizationId: tenant.organizationId } });
    const res = await app.request(path, {
      method: 'POST',
      headers: { ...bearer(tenant.adminKey), 'Content-Type': 'application/json' },
      body: '{"name": "half',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('MALFORMED_JSON');
    expect(await db.auditLog.count({ where: { organizationId: tenant.organizationId } })).toBe(before);
  });
});
