// The hot path under real concurrency: concurrent HTTP requests (in-process app.request, all in flight at once)
// against the real database. These must pass every time.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type IngestEventInput, ingestEvents } from '../../../activities/metering/ingestEvents.js';
import {
  addEntity,
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  ledgerInvariantViolations,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('metering-concurrency', { db: 10 });

type Outcome = { status: string; code: string | null; eventId: string; replayed: boolean } & Record<string, unknown>;

async function send(key: string, body: unknown): Promise<{ status: number; body: Outcome }> {
  const res = await ctx.app.request('/api/billing/events', {
    method: 'POST',
    headers: jsonHeaders(key),
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Outcome };
}

describe('metering under concurrency', () => {
  it('200 concurrent events on credits that cover exactly K: K accepted, the rest INSUFFICIENT_CREDITS, balance 0', async () => {
    const K = 37;
    const t = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '1.25' }] });
    // Three grants that together hold exactly K events' worth (37 x 1.25 = 46.25).
    await grantCredits(ctx.db, t.organizationId, t.entityId, '20.00', { expiresAt: new Date(Date.now() + 86_400_000) });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '16.25', { priority: 1 });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');

    const results = await Promise.all(Array.from({ length: 200 }, () => send(t.ingestKey, eventBody(t))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const accepted = results.filter((r) => r.body.status === 'accepted');
    const rejected = results.filter((r) => r.body.status === 'rejected');
    expect(accepted.length).toBe(K);
    expect(rejected.length).toBe(200 - K);
    expect(new Set(rejected.map((r) => r.body.code))).toEqual(new Set(['INSUFFICIENT_CREDITS']));

    const grants = await ctx.db.creditGrant.findMany({ where: { entityId: t.entityId } });
    const remaining = grants.reduce((s, g) => s + Number(g.remaining.toString()), 0);
    expect(remaining).toBe(0);
    const [sums] = await ctx.db.$queryRawUnsafe<Array<{ ledger: string; granted: string; remaining: string }>>(
      `SELECT (SELECT sum(amount)::text FROM "LedgerEntry" WHERE "entityId" = $1::uuid) AS ledger,
              (SELECT sum(original)::text FROM "CreditGrant" WHERE "entityId" = $1::uuid) AS granted,
              (SELECT sum(remaining)::text FROM "CreditGrant" WHERE "entityId" = $1::uuid) AS remaining`,
      t.entityId,
    );
    expect(sums).toEqual({ ledger: '0.000000', granted: '46.250000', remaining: '0.000000' });
    // Concurrent single events are committed together, so a consume entry may carry several events' draws.
    const [consumed] = await ctx.db.$queryRawUnsafe<Array<{ entries: string; draws: string; n: number }>>(
      `SELECT (SELECT (-sum(amount))::text FROM "LedgerEntry" WHERE "entityId" = $1::uuid AND kind = 'consume')
                AS entries,
              (SELECT sum((d->>'amount')::numeric)::text
                 FROM "MarketplaceEvent" e CROSS JOIN LATERAL jsonb_array_elements(e.draws) d
                WHERE e."entityId" = $1::uuid) AS draws,
              (SELECT count(*)::int FROM "MarketplaceEvent"
                WHERE "entityId" = $1::uuid AND jsonb_array_length(draws) > 0) AS n`,
      t.entityId,
    );
    expect(consumed).toEqual({ entries: '46.250000', draws: '46.25', n: K });
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(200);
    expect(await ctx.db.webhookEvent.count({ where: { entityId: t.entityId, type: 'credits.depleted' } })).toBe(1);
  });

  it('the same idempotency key 50 times at once: one event, one draw, 50 identical answers', async () => {
    const t = await createMeteringTenant(ctx.db);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    const event = eventBody(t, { idempotencyKey: randomUUID() });
    const results = await Promise.all(Array.from({ length: 50 }, () => send(t.ingestKey, event)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const first = results.find((r) => !r.body.replayed);
    expect(results.filter((r) => !r.body.replayed).length).toBe(1);
    for (const r of results) expect({ ...r.body, replayed: false }).toEqual(first?.body);
    expect(first?.body).toMatchObject({ status: 'accepted', ratedAmount: '2.50', balanceAfter: '97.50' });
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(1);
    expect(await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId, kind: 'consume' } })).toBe(1);
    const grant = await ctx.db.creditGrant.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect(grant.remaining.toString()).toBe('97.5');
  });

  it("one user's concurrent events in two entities respect each entity's limit independently", async () => {
    const t = await createMeteringTenant(ctx.db, {
      creditLimit: '5.00',
      prices: [{ eventType: 'project.posted', unitPrice: '1.00' }],
    });
    const user = t.userIds[0] as string;
    const second = await addEntity(ctx.db, t.organizationId, { userIds: [user], creditLimit: '3.00' });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    await grantCredits(ctx.db, t.organizationId, second, '100.00');
    const sends = [
      ...Array.from({ length: 20 }, () => send(t.ingestKey, eventBody(t))),
      ...Array.from({ length: 20 }, () => send(t.ingestKey, eventBody(t, { entityId: second }))),
    ];
    const results = await Promise.all(sends);
    const count = (entityId: string, status: string) =>
      results.filter((r) => r.body.entityId === entityId && r.body.status === status).length;
    expect([count(t.entityId, 'accepted'), count(t.entityId, 'rejected')]).toEqual([5, 15]);
    expect([count(second, 'accepted'), count(second, 'rejected')]).toEqual([3, 17]);
    expect(new Set(results.filter((r) => r.body.status === 'rejected').map((r) => r.body.code))).toEqual(
      new Set(['USER_CREDIT_LIMIT_EXCEEDED']),
    );
    const spends = await ctx.db.userSpend.findMany({
      where: { entityUser: { userId: user } },
      include: { entityUser: true },
    });
    expect(spends.map((s) => [s.entityUser.entityId, s.amount.toString()]).sort()).toEqual(
      [
        [t.entityId, '5'],
        [second, '3'],
      ].sort(),
    );
    expect(
      await ctx.db.webhookEvent.count({
        where: { type: 'user.credit_limit_reached', organizationId: t.organizationId },
      }),
    ).toBe(2);
  });

  it('concurrent batches and single events on one entity never overdraw', async () => {
    const t = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '1.00' }] });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '150.00');
    const batch = async () => {
      const r = await ctx.app.request('/api/billing/events/batch', {
        method: 'POST',
        headers: jsonHeaders(t.ingestKey),
        body: JSON.stringify({ events: Array.from({ length: 40 }, () => eventBody(t)) }),
      });
      return (await r.json()) as { accepted: number };
    };
    const [b1, b2, b3, ...singles] = await Promise.all([
      batch(),
      batch(),
      batch(),
      ...Array.from({ length: 60 }, () => send(t.ingestKey, eventBody(t))),
    ]);
    const accepted =
      (b1?.accepted ?? 0) +
      (b2?.accepted ?? 0) +
      (b3?.accepted ?? 0) +
      (singles as Array<{ body: Outcome }>).filter((s) => s.body.status === 'accepted').length;
    expect(accepted).toBe(150);
    const grant = await ctx.db.creditGrant.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect(grant.remaining.toString()).toBe('0');
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
  });
  it('concurrent batches spanning the same entities in opposite orders never deadlock and never overdraw', async () => {
    const t = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '1.00' }] });
    const user = t.userIds[0] as string;
    const b = await addEntity(ctx.db, t.organizationId, { userIds: [user] });
    const c = await addEntity(ctx.db, t.organizationId, { userIds: [user] });
    const entities = [t.entityId, b, c];
    for (const id of entities) await grantCredits(ctx.db, t.organizationId, id, '30.00');
    const batch = async (order: string[]) => {
      const events = Array.from({ length: 30 }, (_, i) => eventBody(t, { entityId: order[i % order.length] }));
      const r = await ctx.app.request('/api/billing/events/batch', {
        method: 'POST',
        headers: jsonHeaders(t.ingestKey),
        body: JSON.stringify({ events }),
      });
      return { status: r.status, body: (await r.json()) as { accepted: number; rejected: number } };
    };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => batch(i % 2 === 0 ? entities : [...entities].reverse())),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 200));
    expect(results.reduce((n, r) => n + r.body.accepted, 0)).toBe(90);
    expect(results.reduce((n, r) => n + r.body.rejected, 0)).toBe(12 * 30 - 90);
    for (const id of entities) {
      const grant = await ctx.db.creditGrant.findFirstOrThrow({ where: { entityId: id } });
      expect(grant.remaining.toString()).toBe('0');
      expect(await ledgerInvariantViolations(ctx.db, id)).toEqual([]);
    }
  });

  it('a batch split into per-entity-range transactions, run side by side, is still exact and never overdraws', async () => {
    const t = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '1.00' }] });
    const user = t.userIds[0] as string;
    const entities = [t.entityId];
    for (let i = 0; i < 4; i += 1) entities.push(await addEntity(ctx.db, t.organizationId, { userIds: [user] }));
    for (const id of entities) await grantCredits(ctx.db, t.organizationId, id, '20.00');
    const batch = (order: string[], entitiesPerTransaction: number) =>
      ingestEvents(
        ctx.db,
        t.organizationId,
        Array.from(
          { length: 25 },
          (_, i) => eventBody(t, { entityId: order[i % order.length] }) as unknown as IngestEventInput,
        ),
        { entitiesPerTransaction },
      );
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => batch(i % 2 === 0 ? entities : [...entities].reverse(), 1 + (i % 3))),
    );
    const statuses = results.flatMap((r) => r.outcomes.map((o) => o.status));
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(100);
    expect(statuses.filter((s) => s === 'rejected')).toHaveLength(250 - 100);
    for (const id of entities) {
      const grant = await ctx.db.creditGrant.findFirstOrThrow({ where: { entityId: id } });
      expect(grant.remaining.toString()).toBe('0');
      expect(await ctx.db.marketplaceEvent.count({ where: { entityId: id, status: 'accepted' } })).toBe(20);
      expect(await ledgerInvariantViolations(ctx.db, id)).toEqual([]);
    }
  });
});
