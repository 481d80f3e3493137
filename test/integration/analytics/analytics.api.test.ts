// Usage analytics (by event type, user, team, day), top spenders, credit burn rate, and per-user limits.
import { describe, expect, it } from 'vitest';
import { caller } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { createMeteringTenant, eventBody, grantCredits } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('analytics');

type Json = Record<string, unknown> & { code?: string };

/** A request to the app as the holder of `key`. */
const call = (method: string, path: string, key: string, body?: unknown) => caller(ctx.app, key)(method, path, body);

describe('usage analytics', () => {
  it('sums accepted usage by event type, user, team and day, and ranks top spenders', async () => {
    const t = await createMeteringTenant(ctx.db, {
      members: 2,
      overagePolicy: 'bill',
      prices: [
        { eventType: 'project.posted', unitPrice: '2.50' },
        { eventType: 'freelancer.hired', unitPrice: '10.00' },
      ],
    });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '12.00');
    const [u1, u2] = t.userIds as [string, string];
    const events = [
      eventBody(t, { userId: u1, eventType: 'project.posted', quantity: 2 }),
      eventBody(t, { userId: u1, eventType: 'freelancer.hired' }),
      eventBody(t, { userId: u2, eventType: 'project.posted' }),
    ];
    for (const e of events)
      expect((await call('POST', '/api/billing/events', t.ingestKey, e)).body.status).toBe('accepted');
    // A rejected event is not usage.
    await ctx.db.entity.update({ where: { id: t.entityId }, data: { status: 'suspended' } });
    expect((await call('POST', '/api/billing/events', t.ingestKey, eventBody(t))).body.code).toBe('ENTITY_SUSPENDED');

    const byType = await call('GET', `/api/analytics/usage?entityId=${t.entityId}&groupBy=eventType`, t.readKey);
    expect(byType.status).toBe(200);
    expect(byType.body.rows).toEqual([
      {
        key: 'freelancer.hired',
        events: 1,
        quantity: '1',
        ratedAmount: '10.00',
        creditsDrawn: '7.00',
        billedLater: '3.00',
      },
      {
        key: 'project.posted',
        events: 2,
        quantity: '3',
        ratedAmount: '7.50',
        creditsDrawn: '5.00',
        billedLater: '2.50',
      },
    ]);
    expect(byType.body.totals).toEqual({
      events: 3,
      quantity: '4',
      ratedAmount: '17.50',
      creditsDrawn: '12.00',
      billedLater: '5.50',
    });

    const byUser = await call('GET', `/api/analytics/usage?entityId=${t.entityId}&groupBy=user`, t.readKey);
    expect((byUser.body.rows as Json[]).map((r) => [r.key, r.ratedAmount])).toEqual([
      [u1, '15.00'],
      [u2, '2.50'],
    ]);
    const byTeam = await call('GET', `/api/analytics/usage?entityId=${t.entityId}&groupBy=team`, t.readKey);
    expect((byTeam.body.rows as Json[]).map((r) => [r.key, r.events, r.ratedAmount])).toEqual([[t.teamId, 3, '17.50']]);
    const byDay = await call('GET', `/api/analytics/usage?entityId=${t.entityId}&groupBy=day`, t.readKey);
    expect((byDay.body.rows as Json[]).map((r) => [r.key, r.ratedAmount])).toEqual([
      [new Date().toISOString().slice(0, 10), '17.50'],
    ]);

    const top = await call('GET', `/api/analytics/top-spenders?entityId=${t.entityId}&limit=1`, t.readKey);
    expect((top.body.spenders as Json[]).map((s) => [s.userId, s.events, s.ratedAmount])).toEqual([[u1, 2, '15.00']]);

    const other = await createTenant(ctx.db);
    expect((await call('GET', `/api/analytics/usage?entityId=${t.entityId}`, other.readKey)).status).toBe(404);
    expect((await call('GET', `/api/analytics/usage?entityId=${t.entityId}`, t.ingestKey)).status).toBe(403);
  });

  it('reports the credit burn rate and the projected depletion date', async () => {
    const t = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '3.00' }] });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '30.00');
    for (let i = 0; i < 2; i += 1) await call('POST', '/api/billing/events', t.ingestKey, eventBody(t));
    const before = Date.now();
    const burn = await call('GET', `/api/analytics/credit-burn?entityId=${t.entityId}&windowDays=3`, t.readKey);
    expect(burn.status).toBe(200);
    // 6.00 consumed over 3 days = 2.00/day; 24.00 left lasts 12 days.
    expect(burn.body).toMatchObject({
      consumed: '6.00',
      burnRatePerDay: '2.00',
      balance: '24.00',
      daysUntilDepletion: '12.00',
      expiringBeforeDepletion: '0.00',
    });
    const at = new Date(burn.body.projectedDepletionAt as string).getTime();
    expect(Math.abs(at - (before + 12 * 86_400_000))).toBeLessThan(10_000);

    const idle = await createMeteringTenant(ctx.db);
    const none = await call('GET', `/api/analytics/credit-burn?entityId=${idle.entityId}`, idle.readKey);
    expect(none.body).toMatchObject({ burnRatePerDay: '0.00', projectedDepletionAt: null, daysUntilDepletion: null });
  });
});

describe('per-user limits', () => {
  it('reads limit, spend and remaining; an admin sets and clears the limit', async () => {
    const t = await createMeteringTenant(ctx.db, { creditLimit: '6.00', members: 2 });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    const [u1, u2] = t.userIds as [string, string];
    await call('POST', '/api/billing/events', t.ingestKey, eventBody(t, { userId: u1, quantity: 2 }));
    const path = `/api/billing/entities/${t.entityId}/user-limits/${u1}`;
    const read = await call('GET', path, t.readKey);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ creditLimit: '6.00', spent: '5.00', remaining: '1.00', limitReached: false });

    const list = await call('GET', `/api/billing/entities/${t.entityId}/user-limits`, t.readKey);
    expect((list.body.data as Json[]).map((m) => [m.userId, m.spent, m.remaining]).sort()).toEqual(
      [
        [u1, '5.00', '1.00'],
        [u2, '0.00', '6.00'],
      ].sort(),
    );

    expect((await call('PUT', path, t.readKey, { creditLimit: '10.00' })).status).toBe(403);
    const raised = await call('PUT', path, t.adminKey, { creditLimit: '10.00' });
    expect(raised.body).toMatchObject({ creditLimit: '10.00', remaining: '5.00' });
    const second = await call('POST', '/api/billing/events', t.ingestKey, eventBody(t, { userId: u1, quantity: 2 }));
    expect(second.body.status).toBe('accepted');
    expect((await call('GET', path, t.readKey)).body).toMatchObject({
      spent: '10.00',
      remaining: '0.00',
      limitReached: true,
    });
    const cleared = await call('PUT', path, t.adminKey, { creditLimit: null });
    expect(cleared.body).toMatchObject({ creditLimit: null, remaining: null });
    expect((await call('POST', '/api/billing/events', t.ingestKey, eventBody(t, { userId: u1 }))).body.status).toBe(
      'accepted',
    );
    const other = await createTenant(ctx.db);
    expect((await call('GET', path, other.readKey)).status).toBe(404);
  });
});
