// Customer-portal sessions, the portal token's reach, recommendations by API, and signed invoice document links.
import { beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../api/signedTokens.js';
import { type Caller, caller, createFinalizedInvoice, expectProblem, UNKNOWN_ID } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { grantCredits } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const SECRET = 'portal-test-signing-secret-0123456789abcdef';
const ctx = apiTestContext('api-portal', { app: { signingSecret: SECRET, consoleUrl: 'http://console.test' } });
let tenant: TestTenant;
let other: TestTenant;
let admin: Caller;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  other = await createTenant(ctx.db);
  admin = caller(ctx.app, tenant.adminKey);
});

describe('POST /api/entities/{entityId}/portal-sessions', () => {
  it('gives a console URL with an entity-scoped token that reads only /api/portal', async () => {
    const res = await admin('POST', `/api/entities/${tenant.entityId}/portal-sessions`, { expiresInMinutes: 10 });
    expect(res.status).toBe(201);
    expect(res.body.url).toMatch(/^http:\/\/console\.test\/portal\/enter\?token=mbp_/);
    const token = decodeURIComponent(new URL(res.body.url).searchParams.get('token') as string);
    const portal = caller(ctx.app, token);
    const overview = await portal('GET', '/api/portal/overview');
    expect(overview.status).toBe(200);
    expect(overview.body.entity.id).toBe(tenant.entityId);
    expectProblem(await portal('GET', `/api/entities/${tenant.entityId}`), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await portal('GET', '/api/billing/invoices'), 403, 'INSUFFICIENT_SCOPE');
  });

  it('needs an admin key; another organization’s entity is 404', async () => {
    expectProblem(
      await caller(ctx.app, tenant.readKey)('POST', `/api/entities/${tenant.entityId}/portal-sessions`, {}),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expectProblem(await admin('POST', `/api/entities/${other.entityId}/portal-sessions`, {}), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', `/api/entities/${UNKNOWN_ID}/portal-sessions`, {}), 404, 'NOT_FOUND');
  });

  it('refuses an expired, altered or foreign-secret token with 401', async () => {
    const claims = { purpose: 'portal' as const, organizationId: tenant.organizationId, subject: tenant.entityId };
    const expired = signToken(SECRET, { ...claims, expiresAt: new Date(Date.now() - 1000) }).token;
    const foreign = signToken('another-secret-another-secret-0000', {
      ...claims,
      expiresAt: new Date(Date.now() + 60_000),
    }).token;
    const good = signToken(SECRET, { ...claims, expiresAt: new Date(Date.now() + 60_000) }).token;
    const altered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const t of [expired, foreign, altered]) {
      expectProblem(await caller(ctx.app, t)('GET', '/api/portal/overview'), 401, 'UNAUTHENTICATED');
    }
  });
});

describe('GET /api/entities/{entityId}/recommendations', () => {
  it('20.00 of credits expiring in 5 days with nothing burning: all 20.00 expire unused', async () => {
    const t = await createTenant(ctx.db);
    const expiresAt = new Date(Date.now() + 5 * 86_400_000);
    const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '20.00', { expiresAt });
    const res = await caller(ctx.app, t.readKey)('GET', `/api/entities/${t.entityId}/recommendations`);
    expect(res.status).toBe(200);
    expect(res.body.recommendations).toEqual([
      expect.objectContaining({
        kind: 'credits_expiring_unused',
        subjectId: grantId,
        numbers: expect.objectContaining({ remaining: '20.00', burnRatePerDay: '0.00', projectedUnused: '20.00' }),
      }),
    ]);
  });
});

describe('invoice document links', () => {
  it('serve the HTML without an API key until altered', async () => {
    const inv = await createFinalizedInvoice(ctx.db, tenant);
    const links = await caller(ctx.app, tenant.readKey)('GET', `/api/billing/invoices/${inv.id}/document-links`);
    expect(links.status).toBe(200);
    const htmlPath = new URL(links.body.htmlUrl).pathname;
    const html = await ctx.app.request(htmlPath);
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('private, no-store');
    expect(await html.text()).toContain('46.00 USD');
    const bad = await ctx.app.request(htmlPath.replace('/html', 'x/html'));
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { code: string }).code).toBe('LINK_INVALID');
    // Another organization's key cannot mint links to this invoice.
    expectProblem(
      await caller(ctx.app, other.readKey)('GET', `/api/billing/invoices/${inv.id}/document-links`),
      404,
      'NOT_FOUND',
    );
  });
});
