// Outside dev mode, webhook endpoints may not point into our own network (SSRF): loopback, private, link-local and
// other internal addresses are refused at create and update with 422 WEBHOOK_URL_NOT_ALLOWED, and nothing is written.
import { beforeAll, describe, expect, it } from 'vitest';
import { assertWebhookUrlAllowed, isInternalAddress } from '../../../activities/webhooks/webhookUrlPolicy.js';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('webhook-url-policy', { db: 2, app: { allowInternalWebhookUrls: false } });
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
});

const send = (method: string, path: string, body: unknown) =>
  ctx.app.request(path, {
    method,
    headers: { ...bearer(tenant.adminKey), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('webhook URL policy (production mode)', () => {
  it.each([
    'http://127.0.0.1:9000/hook',
    'http://localhost/hook',
    'http://api.localhost/hook',
    'https://10.1.2.3/hook',
    'https://172.20.0.5/hook',
    'https://192.168.1.10/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]:8080/hook',
    'http://[fd12:3456::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
  ])('refuses %s with 422 and creates nothing', async (url) => {
    const before = await ctx.db.webhookEndpoint.count({ where: { organizationId: tenant.organizationId } });
    const res = await send('POST', '/api/webhooks/endpoints', { url });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect(problem.errors[0]?.path).toBe('url');
    expect(await ctx.db.webhookEndpoint.count({ where: { organizationId: tenant.organizationId } })).toBe(before);
  });

  it('accepts a public address, and refuses changing it to an internal one', async () => {
    const created = await send('POST', '/api/webhooks/endpoints', { url: 'https://93.184.216.34/billing' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patched = await send('PATCH', `/api/webhooks/endpoints/${id}`, { url: 'http://10.0.0.8/billing' });
    expect(patched.status).toBe(422);
    const row = await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(row.url).toBe('https://93.184.216.34/billing');
  });
});

describe('assertWebhookUrlAllowed', () => {
  const resolveTo = (addresses: string[]) => async () => addresses;

  it('refuses a host name that resolves to an internal address, accepts one that resolves publicly', async () => {
    await expect(
      assertWebhookUrlAllowed('https://hooks.example.com/x', {
        allowInternal: false,
        resolve: resolveTo(['10.0.0.1']),
      }),
    ).rejects.toThrow(/resolves to the internal address 10.0.0.1/);
    await expect(
      assertWebhookUrlAllowed('https://hooks.example.com/x', {
        allowInternal: false,
        resolve: resolveTo(['93.184.216.34', '::1']),
      }),
    ).rejects.toThrow(/internal address ::1/);
    await expect(
      assertWebhookUrlAllowed('https://hooks.example.com/x', {
        allowInternal: false,
        resolve: resolveTo(['93.184.216.34']),
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses a host that does not resolve, and allows everything in dev mode', async () => {
    const fail = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(
      assertWebhookUrlAllowed('https://nowhere.example/x', { allowInternal: false, resolve: fail }),
    ).rejects.toThrow(/does not resolve/);
    await expect(assertWebhookUrlAllowed('http://127.0.0.1/x', { allowInternal: true })).resolves.toBeUndefined();
  });

  it('classifies addresses', () => {
    expect(
      ['127.0.0.1', '10.9.8.7', '100.64.1.1', '::1', 'fe80::1', '::ffff:192.168.0.1'].every(isInternalAddress),
    ).toBe(true);
    expect(['93.184.216.34', '8.8.8.8', '2606:4700::1111'].some(isInternalAddress)).toBe(false);
  });
});
