// Changing a member's credit limit after they reached it: raising or removing it clears `limitReached` (in every
// period whose spend is now below the limit), lowering it emits nothing until an event is refused, and every limit
// writer (PUT user-limits, PATCH membership) does it under the entity's row lock.
import { describe, expect, it } from 'vitest';
import { caller } from '../../support/apiFactories.js';
import { createMeteringTenant, eventBody, grantCredits } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('user-limit-changes');

/** A request to the app as the holder of `key`. */
const call = (method: string, path: string, key: string, body?: unknown) => caller(ctx.app, key)(method, path, body);

/** A member at their 5.00 limit (two 2.50 events), user.credit_limit_reached emitted once. */
async function memberAtLimit() {
  const t = await createMeteringTenant(ctx.db, { creditLimit: '5.00' });
  await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
  for (let i = 0; i < 2; i++) {
    expect((await call('POST', '/api/billing/events', t.ingestKey, eventBody(t))).body.status).toBe('accepted');
  }
  const path = `/api/billing/entities/${t.entityId}/user-limits/${t.userIds[0]}`;
  expect((await call('GET', path, t.readKey)).body).toMatchObject({ spent: '5.00', limitReached: true });
  const member = await ctx.db.entityUser.findFirstOrThrow({ where: { entityId: t.entityId, userId: t.userIds[0] } });
  return { t, path, member };
}

const limitWebhooks = (entityId: string) =>
  ctx.db.webhookEvent.count({ where: { entityId, type: 'user.credit_limit_reached' } });

describe('changing a credit limit', () => {
  it('raising it above the spend clears limitReached in the answer, the read and every period', async () => {
    const { t, path, member } = await memberAtLimit();
    // An earlier period's row at its old limit, and one over even the new limit.
    await ctx.db.userSpend.createMany({
      data: [
        {
          entityUserId: member.id,
          periodStart: new Date('2025-01-01T00:00:00Z'),
          periodEnd: new Date('2025-02-01T00:00:00Z'),
          amount: '5',
          limitReachedAt: new Date('2025-01-20T00:00:00Z'),
        },
        {
          entityUserId: member.id,
          periodStart: new Date('2025-02-01T00:00:00Z'),
          periodEnd: new Date('2025-03-01T00:00:00Z'),
          amount: '12',
          limitReachedAt: new Date('2025-02-20T00:00:00Z'),
        },
      ],
    });

    const raised = await call('PUT', path, t.adminKey, { creditLimit: '10.00' });
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({
      creditLimit: '10.00',
      spent: '5.00',
      remaining: '5.00',
      limitReached: false,
      limitReachedAt: null,
    });
    expect((await call('GET', path, t.readKey)).body).toMatchObject({ limitReached: false, limitReachedAt: null });
    const rows = await ctx.db.userSpend.findMany({
      where: { entityUserId: member.id },
      orderBy: { periodStart: 'asc' },
    });
    expect(rows.map((r) => [r.periodStart.toISOString().slice(0, 7), r.limitReachedAt === null])).toEqual([
      ['2025-01', true],
      ['2025-02', false],
      [expect.any(String), true],
    ]);
    // The member may spend again, up to the new limit.
    expect((await call('POST', '/api/billing/events', t.ingestKey, eventBody(t))).body.status).toBe('accepted');
    const audit = await ctx.db.auditLog.findMany({ where: { targetId: member.id, action: 'membership.update' } });
    expect(audit.length).toBe(1);
  });

  it('after raising, user.credit_limit_reached fires again at the next crossing in the same period', async () => {
    const { t, path } = await memberAtLimit();
    expect(await limitWebhooks(t.entityId)).toBe(1);
    expect((await call('PUT', path, t.adminKey, { creditLimit: '10.00' })).status).toBe(200);
    // 7.50, then 10.00: the second event reaches the new limit, a new crossing in the same period.
    for (let i = 0; i < 2; i++) {
      expect((await call('POST', '/api/billing/events', t.ingestKey, eventBody(t))).body.status).toBe('accepted');
    }
    expect(await limitWebhooks(t.entityId)).toBe(2);
    // At the limit, a refused event is not another crossing.
    expect((await call('POST', '/api/billing/events', t.ingestKey, eventBody(t))).body.code).toBe(
      'USER_CREDIT_LIMIT_EXCEEDED',
    );
    expect(await limitWebhooks(t.entityId)).toBe(2);
  });

  it('removing it (null) clears limitReached', async () => {
    const { t, path } = await memberAtLimit();
    const cleared = await call('PUT', path, t.adminKey, { creditLimit: null });
    expect(cleared.body).toMatchObject({ creditLimit: null, remaining: null, limitReached: false });
    expect((await call('GET', path, t.readKey)).body).toMatchObject({ limitReached: false });
  });

  it('raising it to exactly the spend keeps limitReached: the member is still at the limit', async () => {
    const { t, path } = await memberAtLimit();
    const same = await call('PUT', path, t.adminKey, { creditLimit: '5.000000' });
    expect(same.body).toMatchObject({ creditLimit: '5.00', remaining: '0.00', limitReached: true });
  });

  it('lowering it below the spend emits nothing at once; the next event is refused and emits once', async () => {
    const t = await createMeteringTenant(ctx.db, { creditLimit: '10.00' });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    for (let i = 0; i < 2; i++) await call('POST', '/api/billing/events', t.ingestKey, eventBody(t));
    const path = `/api/billing/entities/${t.entityId}/user-limits/${t.userIds[0]}`;
    const lowered = await call('PUT', path, t.adminKey, { creditLimit: '4.00' });
    expect(lowered.body).toMatchObject({ creditLimit: '4.00', spent: '5.00', remaining: '0.00', limitReached: false });
    expect(await limitWebhooks(t.entityId)).toBe(0);
    const refused = await call('POST', '/api/billing/events', t.ingestKey, eventBody(t));
    expect([refused.body.status, refused.body.code]).toEqual(['rejected', 'USER_CREDIT_LIMIT_EXCEEDED']);
    expect(await limitWebhooks(t.entityId)).toBe(1);
    expect((await call('GET', path, t.readKey)).body).toMatchObject({ limitReached: true });
  });

  it('PATCH of the membership raising the limit clears limitReached too', async () => {
    const { t, path } = await memberAtLimit();
    const patched = await call('PATCH', `/api/entities/${t.entityId}/members/${t.userIds[0]}`, t.adminKey, {
      creditLimit: '7.50',
    });
    expect(patched.status).toBe(200);
    expect((await call('GET', path, t.readKey)).body).toMatchObject({
      creditLimit: '7.50',
      remaining: '2.50',
      limitReached: false,
    });
  });

  it("waits for the entity's row lock, as metering does", async () => {
    const { t, path } = await memberAtLimit();
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = ctx.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM "Entity" WHERE id = ${t.entityId}::uuid FOR UPDATE`;
        locked();
        await released;
      },
      { timeout: 20_000 },
    );
    await isLocked;
    let done = false;
    const put = call('PUT', path, t.adminKey, { creditLimit: '10.00' }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(done).toBe(false);
    release();
    await holder;
    expect((await put).body).toMatchObject({ creditLimit: '10.00', limitReached: false });
  });
});
