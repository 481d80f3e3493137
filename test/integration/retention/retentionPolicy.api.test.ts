// The retention policy over HTTP: the defaults until an organization writes its own, a change of some periods keeps
// the others, every refusal is a problem+json with its stable code and changes nothing, every change is audited, and
// one organization's policy is its own.
import { describe, expect, it } from 'vitest';
import { caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('retention-policy');

const DEFAULTS = {
  rawEventDays: 395,
  webhookPayloadDays: 90,
  webhookAttemptDays: 30,
  idempotencyRecordDays: 30,
  auditLogDays: 2555,
  financialRecordDays: 3650,
};

describe('/api/retention-policy', () => {
  it('answers the defaults until the organization writes a policy', async () => {
    const t = await createTenant(ctx.db);
    const res = await caller(ctx.app, t.readKey)('GET', '/api/retention-policy');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ organizationId: t.organizationId, ...DEFAULTS, isDefault: true, updatedAt: null });
  });

  it('changes the periods sent, keeps the others, and audits the change', async () => {
    const t = await createTenant(ctx.db);
    const admin = caller(ctx.app, t.adminKey);
    const res = await admin('PATCH', '/api/retention-policy', { rawEventDays: 730, auditLogDays: 3650 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...DEFAULTS, rawEventDays: 730, auditLogDays: 3650, isDefault: false });
    expect(typeof res.body.updatedAt).toBe('string');

    const again = await admin('PATCH', '/api/retention-policy', { webhookAttemptDays: 7 });
    expect(again.body).toMatchObject({ rawEventDays: 730, auditLogDays: 3650, webhookAttemptDays: 7 });
    expect((await caller(ctx.app, t.readKey)('GET', '/api/retention-policy')).body).toEqual(again.body);

    const audit = await admin('GET', '/api/audit-log?action=retention_policy.update');
    expect(audit.body.data.map((e: { before: unknown; after: unknown; targetId: string }) => e)).toMatchObject([
      {
        targetId: t.organizationId,
        before: { ...DEFAULTS, isDefault: true },
        after: { ...DEFAULTS, rawEventDays: 730, auditLogDays: 3650, isDefault: false },
      },
      {
        before: { rawEventDays: 730, webhookAttemptDays: 30, isDefault: false },
        after: { rawEventDays: 730, webhookAttemptDays: 7, isDefault: false },
      },
    ]);
  });

  it.each([
    [{ financialRecordDays: 3649 }, 'FINANCIAL_RETENTION_TOO_SHORT', 'financialRecordDays'],
    [{ financialRecordDays: 365 }, 'FINANCIAL_RETENTION_TOO_SHORT', 'financialRecordDays'],
    [{ idempotencyRecordDays: 1 }, 'RETENTION_PERIOD_TOO_SHORT', 'idempotencyRecordDays'],
    [{ rawEventDays: 0 }, 'RETENTION_PERIOD_TOO_SHORT', 'rawEventDays'],
    [{ auditLogDays: -30 }, 'RETENTION_PERIOD_TOO_SHORT', 'auditLogDays'],
    [{ webhookAttemptDays: 91 }, 'WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS', 'webhookAttemptDays'],
    [{ webhookPayloadDays: 29 }, 'WEBHOOK_ATTEMPTS_OUTLIVE_PAYLOADS', 'webhookAttemptDays'],
  ])('refuses %j with 422 %s and changes nothing', async (patch, code, path) => {
    const t = await createTenant(ctx.db);
    const admin = caller(ctx.app, t.adminKey);
    const res = await admin('PATCH', '/api/retention-policy', patch);
    expectProblem(res, 422, code);
    expect(res.body.errors).toEqual([{ path, message: expect.any(String) }]);
    expect((await admin('GET', '/api/retention-policy')).body).toMatchObject({ ...DEFAULTS, isDefault: true });
    expect(await ctx.db.auditLog.count({ where: { organizationId: t.organizationId } })).toBe(0);
  });

  it.each([
    [{ rawEventDays: 'forever' }],
    [{ rawEventDays: 12.5 }],
    [{ auditLogDays: 36501 }],
    [{ financialRecordDays: null }],
  ])('refuses %j with 422 VALIDATION_FAILED', async (patch) => {
    const t = await createTenant(ctx.db);
    const res = await caller(ctx.app, t.adminKey)('PATCH', '/api/retention-policy', patch);
    expectProblem(res, 422, 'VALIDATION_FAILED');
  });

  it('needs the admin scope to change, read to read', async () => {
    const t = await createTenant(ctx.db);
    expectProblem(
      await caller(ctx.app, t.readKey)('PATCH', '/api/retention-policy', { rawEventDays: 30 }),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expectProblem(await caller(ctx.app, t.ingestKey)('GET', '/api/retention-policy'), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await caller(ctx.app)('GET', '/api/retention-policy'), 401, 'UNAUTHENTICATED');
  });

  it("is each organization's own", async () => {
    const a = await createTenant(ctx.db);
    const b = await createTenant(ctx.db);
    await caller(ctx.app, a.adminKey)('PATCH', '/api/retention-policy', { rawEventDays: 31 });
    const theirs = await caller(ctx.app, b.readKey)('GET', '/api/retention-policy');
    expect(theirs.body).toEqual({ organizationId: b.organizationId, ...DEFAULTS, isDefault: true, updatedAt: null });
  });
});
