// A body that is not JSON is a 400 problem with a stable code on every route, never a 500.
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('malformed-json', { db: 2 });
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
});

describe('malformed JSON', () => {
  it.each([
    '/api/entities',
    '/api/teams',
    '/api/billing/seat-plans',
    '/api/billing/price-books',
    '/api/webhooks/endpoints',
  ])('POST %s with a broken body is 400 MALFORMED_JSON and creates nothing', async (path) => {
    const before = await ctx.db.auditLog.count({ where: { organizationId: tenant.organizationId } });
    const res = await ctx.app.request(path, {
      method: 'POST',
      headers: { ...bearer(tenant.adminKey), 'Content-Type': 'application/json' },
      body: '{"name": "half',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('MALFORMED_JSON');
    expect(await ctx.db.auditLog.count({ where: { organizationId: tenant.organizationId } })).toBe(before);
  });
});
