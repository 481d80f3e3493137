// API keys and webhook secrets are shown once, in the response that creates them, and never written to the logs
// (request logs, error logs) nor returned again when a resource is read or a create is replayed.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const logged: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    logged.push(String(chunk));
    done();
  },
});
// Everything the app logs, down to trace, lands in `logged`.
const ctx = apiTestContext('secrets', { db: 2, app: { log: pino({ level: 'trace' }, sink) } });
let tenant: TestTenant;

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
});

const post = (path: string, body: unknown, key = tenant.adminKey, idempotencyKey?: string) =>
  ctx.app.request(path, {
    method: 'POST',
    headers: {
      ...bearer(key),
      'Content-Type': 'application/json',
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });

describe('secrets', () => {
  it('are returned once, never again, and never logged', async () => {
    const created = await post('/api/api-keys', { name: 'ci key', scopes: ['read'] }, tenant.adminKey, 'secret-key-1');
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; secret: string };
    expect(key.secret).toMatch(/^bk_/);

    const endpointRes = await post('/api/webhooks/endpoints', { url: 'http://127.0.0.1:9/hook' });
    expect(endpointRes.status).toBe(201);
    const endpoint = (await endpointRes.json()) as { id: string; secret: string };
    expect(endpoint.secret).toMatch(/^whsec_/);

    // Use the new key (successfully and with a bad scope) and a wrong key, so every log path runs.
    expect((await ctx.app.request('/api/entities', { headers: bearer(key.secret) })).status).toBe(200);
    expect((await post('/api/teams', { entityId: tenant.entityId, name: 'x' }, key.secret)).status).toBe(403);
    expect((await ctx.app.request('/api/entities', { headers: bearer(`${key.secret}x`) })).status).toBe(401);

    // Reads and replays do not give the secrets back.
    const readKey = (await (
      await ctx.app.request(`/api/api-keys/${key.id}`, { headers: bearer(tenant.adminKey) })
    ).json()) as Record<string, unknown>;
    const readEndpoint = (await (
      await ctx.app.request(`/api/webhooks/endpoints/${endpoint.id}`, { headers: bearer(tenant.adminKey) })
    ).json()) as Record<string, unknown>;
    const replay = (await (
      await post('/api/api-keys', { name: 'ci key', scopes: ['read'] }, tenant.adminKey, 'secret-key-1')
    ).json()) as Record<string, unknown>;
    for (const body of [readKey, readEndpoint, replay]) {
      expect(JSON.stringify(body)).not.toContain(key.secret);
      expect(JSON.stringify(body)).not.toContain(endpoint.secret);
    }

    const logs = logged.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [key.secret, endpoint.secret, tenant.adminKey]) expect(logs).not.toContain(secret);
    // Nor stored in the clear.
    const rows = await ctx.db.apiKey.findMany({ where: { organizationId: tenant.organizationId } });
    expect(rows.some((r) => JSON.stringify(r).includes(key.secret))).toBe(false);
  });
});
