// The Idempotency-Key convention every POST follows, exercised on a POST that exists from the start.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashApiKey } from '../../activities/apiKeys.js';
import { claimIdempotencyKey } from '../../activities/idempotencyRecords.js';
import { createProcessLiveness, type ProcessLiveness } from '../../activities/processLiveness.js';
import { bearer, createTenant, type TestTenant } from '../support/factories.js';
import { apiTestContext } from '../support/testContext.js';

const ctx = apiTestContext('idempotency');
let tenant: TestTenant;
let other: TestTenant;
let adminKeyId: string;

beforeAll(async () => {
  // No worker: starting the workflow is enough for these assertions.
  tenant = await createTenant(ctx.db);
  other = await createTenant(ctx.db);
  adminKeyId = (await ctx.db.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(tenant.adminKey) } })).id;
});

afterAll(async () => {
  for (const t of [tenant, other]) {
    await ctx.client.workflow
      .getHandle(`billing:${t.entityId}`)
      .terminate('test done')
      .catch(() => {});
  }
});

const post = (t: TestTenant, entityId: string, key: string) =>
  ctx.app.request(`/api/entities/${entityId}/billing-workflow`, {
    method: 'POST',
    headers: { ...bearer(t.adminKey), 'Idempotency-Key': key },
  });

describe('Idempotency-Key', () => {
  it('replays the stored response for the same key and request', async () => {
    const first = await post(tenant, tenant.entityId, 'key-1');
    const second = await post(tenant, tenant.entityId, 'key-1');
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
  });

  it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with another request', async () => {
    const res = await post(tenant, other.entityId, 'key-1');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('scopes keys to the organization', async () => {
    const res = await post(other, other.entityId, 'key-1');
    expect(res.status).toBe(202);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });

  it('stores no 4xx answer: the same key runs again, and a corrected retry succeeds', async () => {
    const missing = '00000000-0000-7000-8000-000000000000';
    const a = await post(tenant, missing, 'key-404');
    const b = await post(tenant, missing, 'key-404');
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    // The corrected request (another path, so another request hash) with the same key is a new request, not a 409.
    const corrected = await post(tenant, tenant.entityId, 'key-404');
    expect(corrected.status).toBe(202);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    const replay = await post(tenant, tenant.entityId, 'key-404');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('lets a body that failed validation be corrected under the same key (422 not stored)', async () => {
    const create = (body: unknown) =>
      ctx.app.request('/api/entities', {
        method: 'POST',
        headers: { ...bearer(tenant.adminKey), 'Idempotency-Key': 'key-422', 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const invalid = await create({ name: 'Corrected Ltd', currency: 'usd' });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    const fixed = await create({ name: 'Corrected Ltd', currency: 'USD' });
    expect(fixed.status).toBe(201);
    const entity = (await fixed.json()) as { id: string };
    ctx.terminateAfter.push(`billing:${entity.id}`);
    const again = await create({ name: 'Corrected Ltd', currency: 'USD' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(entity.id);
    expect(await ctx.db.entity.count({ where: { organizationId: tenant.organizationId, name: 'Corrected Ltd' } })).toBe(
      1,
    );
  });

  it('runs concurrent duplicates once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => post(tenant, tenant.entityId, 'key-concurrent')),
    );
    const statuses = results.map((r) => r.status).sort();
    // One ran; the others either replayed it or were told it was still running. None ran twice.
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    expect(
      await ctx.db.idempotencyRecord.count({ where: { organizationId: tenant.organizationId, key: 'key-concurrent' } }),
    ).toBe(1);
  });

  it('replays only within 24 h: past that the key starts a new request, whatever it was used for', async () => {
    const dayAndAMinute = 24 * 60 * 60_000 + 60_000;
    for (const [key, requestHash] of [
      [
        'key-day-old-same',
        createHash('sha256').update(`POST\n/api/entities/${tenant.entityId}/billing-workflow\n`).digest('hex'),
      ],
      ['key-day-old-other', 'another request'],
    ] as const) {
      await ctx.db.idempotencyRecord.create({
        data: {
          organizationId: tenant.organizationId,
          apiKeyId: adminKeyId,
          key,
          method: 'POST',
          path: `/api/entities/${tenant.entityId}/billing-workflow`,
          requestHash,
          statusCode: 202,
          responseBody: { stale: true },
          createdAt: new Date(Date.now() - dayAndAMinute),
        },
      });
      const res = await post(tenant, tenant.entityId, key);
      expect(res.status).toBe(202);
      expect(res.headers.get('idempotent-replayed')).toBeNull();
      expect(await res.json()).not.toEqual({ stale: true });
      const again = await post(tenant, tenant.entityId, key);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
  });

  it('rejects an empty or oversized key with 400', async () => {
    const res = await post(tenant, tenant.entityId, 'x'.repeat(256));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('INVALID_IDEMPOTENCY_KEY');
  });

  it('lets a retry take over the claim of a request whose process died (no IDEMPOTENCY_IN_PROGRESS forever)', async () => {
    // What a SIGKILLed API process leaves behind: a claim (statusCode 0) that is never completed nor released.
    const path = `/api/entities/${tenant.entityId}/billing-workflow`;
    const requestHash = createHash('sha256').update(`POST\n${path}\n`).digest('hex');
    const claim = (key: string, ageMs: number) =>
      ctx.db.idempotencyRecord.create({
        data: {
          organizationId: tenant.organizationId,
          apiKeyId: adminKeyId,
          key,
          method: 'POST',
          path,
          requestHash,
          statusCode: 0,
          responseBody: 'null',
          createdAt: new Date(Date.now() - ageMs),
        },
      });
    await claim('key-abandoned', 5 * 60_000);
    await claim('key-running', 1_000);

    const retried = await post(tenant, tenant.entityId, 'key-abandoned');
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const replayed = await post(tenant, tenant.entityId, 'key-abandoned');
    expect(replayed.status).toBe(202);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const stored = await ctx.db.idempotencyRecord.findUniqueOrThrow({
      where: { apiKeyId_key: { apiKeyId: adminKeyId, key: 'key-abandoned' } },
    });
    expect(stored.statusCode).toBe(202);

    // A fresh claim still protects a request that may be running.
    const concurrent = await post(tenant, tenant.entityId, 'key-running');
    expect(concurrent.status).toBe(409);
    expect(((await concurrent.json()) as { code: string }).code).toBe('IDEMPOTENCY_IN_PROGRESS');
  });

  it('takes over at once the claim of a process whose liveness backend is gone; a live one still holds its claim', async () => {
    const path = `/api/entities/${tenant.entityId}/billing-workflow`;
    const requestHash = createHash('sha256').update(`POST\n${path}\n`).digest('hex');
    const started = async () => {
      // As an API process connects: the application role, the one the API's own claims are checked as.
      const liveness = createProcessLiveness(inject('appDatabaseUrl'));
      for (let i = 0; i < 100 && liveness.stamp() === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect(liveness.stamp()).not.toBeNull();
      return liveness;
    };
    const processes: ProcessLiveness[] = [await started(), await started()];
    const [dying, living] = processes as [ProcessLiveness, ProcessLiveness];
    try {
      // Two other API processes claimed a key each a moment ago (well within the lease) and are still running it.
      for (const [key, holder] of [
        ['key-holder-dies', dying.stamp()],
        ['key-holder-lives', living.stamp()],
      ] as const) {
        const claimed = await claimIdempotencyKey(ctx.db, {
          organizationId: tenant.organizationId,
          apiKeyId: adminKeyId,
          key,
          method: 'POST',
          path,
          requestHash,
          holder,
        });
        expect(claimed.kind).toBe('claimed');
      }
      // One of them is SIGKILLed: its socket closes and Postgres ends its backend.
      const deadPid = dying.stamp()?.pid as number;
      await ctx.db.$queryRaw`SELECT pg_terminate_backend(${deadPid}::int)`;
      for (let i = 0; i < 100; i++) {
        const rows = await ctx.db.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity WHERE pid = ${deadPid}::int`;
        if (rows.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }

      const retried = await post(tenant, tenant.entityId, 'key-holder-dies');
      expect(retried.status).toBe(202);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      const stillRunning = await post(tenant, tenant.entityId, 'key-holder-lives');
      expect(stillRunning.status).toBe(409);
      expect(((await stillRunning.json()) as { code: string }).code).toBe('IDEMPOTENCY_IN_PROGRESS');
    } finally {
      await Promise.all(processes.map((p) => p.close()));
    }
  });
});
