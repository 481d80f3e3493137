// POST /api/billing/events/batch against the real database: one outcome per event across entities, invalid events
// writing nothing, a one-entity batch rated exactly like the same events one by one, a rejected event not advancing
// the tier counter.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addEntity,
  createMeteringTenant,
  eventBody,
  grantCredits,
  ledgerInvariantViolations,
  postEvents,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('metering-batch');
const post = (key: string, body: unknown, path?: string) => postEvents(ctx.app, key, body, path);

describe('POST /api/billing/events/batch', () => {
  it('gives each event its own outcome across entities; valid events go through, invalid ones write nothing', async () => {
    const t = await createMeteringTenant(ctx.db);
    const second = await addEntity(ctx.db, t.organizationId, {
      userIds: [t.userIds[0] as string],
      overagePolicy: 'bill',
    });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '2.50');
    const dupKey = randomUUID();
    const events = [
      eventBody(t),
      eventBody(t, { entityId: second }),
      eventBody(t, { quantity: -2 }),
      eventBody(t, { eventType: 'nope' }),
      eventBody(t, { idempotencyKey: dupKey }),
      eventBody(t, { idempotencyKey: dupKey }),
      { entityId: t.entityId, userId: 'x' },
      eventBody(t, { entityId: randomUUID() }),
    ];
    // The duplicate must be the same payload to replay.
    events[5] = { ...(events[4] as Record<string, unknown>) };
    const { res, body } = await post(t.ingestKey, { events }, '/api/billing/events/batch');
    expect(res.status).toBe(200);
    const results = body.results as Array<Record<string, unknown>>;
    expect(results.map((r) => [r.index, r.status, r.code ?? null])).toEqual([
      [0, 'accepted', null],
      [1, 'accepted', null],
      [2, 'invalid', 'INVALID_QUANTITY'],
      [3, 'invalid', 'UNKNOWN_EVENT_TYPE'],
      [4, 'rejected', 'INSUFFICIENT_CREDITS'],
      [5, 'rejected', 'INSUFFICIENT_CREDITS'],
      [6, 'invalid', 'VALIDATION_FAILED'],
      [7, 'invalid', 'ENTITY_NOT_FOUND'],
    ]);
    expect(results[1]).toMatchObject({ billedLater: '2.50', creditsDrawn: '0.00' });
    expect(results[5]).toMatchObject({ replayed: true, eventId: results[4]?.eventId });
    expect([body.accepted, body.rejected, body.invalid, body.replayed]).toEqual([2, 2, 4, 1]);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(2);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: second } })).toBe(1);
  });

  it('rates a batch of one entity exactly like the same events sent one by one', async () => {
    const t = await createMeteringTenant(ctx.db, {
      overagePolicy: 'bill',
      prices: [
        {
          eventType: 'msg',
          model: 'graduated',
          tiers: [
            { upTo: '3', unitPrice: '1.00' },
            { upTo: null, unitPrice: '0.10' },
          ],
        },
      ],
    });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '2.50');
    const events = Array.from({ length: 5 }, () => eventBody(t, { eventType: 'msg' }));
    const { body } = await post(t.ingestKey, { events }, '/api/billing/events/batch');
    const results = body.results as Array<Record<string, string>>;
    expect(results.map((r) => [r.ratedAmount, r.creditsDrawn, r.billedLater, r.balanceAfter])).toEqual([
      ['1.00', '1.00', '0.00', '1.50'],
      ['1.00', '1.00', '0.00', '0.50'],
      ['1.00', '0.50', '0.50', '0.00'],
      ['0.10', '0.00', '0.10', '0.00'],
      ['0.10', '0.00', '0.10', '0.00'],
    ]);
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
  });

  it('a rejected event in a batch does not advance the tier counter the next events are rated against', async () => {
    // Volume pricing: P(n) = n x 1.00 up to 3 units, n x 0.50 above. Limit 2.50 per user.
    const t = await createMeteringTenant(ctx.db, {
      overagePolicy: 'bill',
      creditLimit: '2.50',
      prices: [
        {
          eventType: 'msg',
          model: 'volume',
          tiers: [
            { upTo: '3', unitPrice: '1.00' },
            { upTo: null, unitPrice: '0.50' },
          ],
        },
      ],
    });
    const events = [1, 1, 5, 2, 1].map((quantity) => eventBody(t, { eventType: 'msg', quantity }));
    const { body } = await post(t.ingestKey, { events }, '/api/billing/events/batch');
    const results = body.results as Array<Record<string, string>>;
    expect(results.map((r) => [r.status, r.code, r.ratedAmount, r.billedLater])).toEqual([
      ['accepted', null, '1.00', '1.00'],
      ['accepted', null, '1.00', '1.00'],
      // P(7) - P(2) = 3.50 - 2.00 = 1.50 would take spend to 3.50.
      ['rejected', 'USER_CREDIT_LIMIT_EXCEEDED', '1.50', '0.00'],
      // Counted from 2, not 7: P(4) - P(2) = 2.00 - 2.00.
      ['accepted', null, '0.00', '0.00'],
      // P(5) - P(4) = 0.50; spend reaches exactly the limit.
      ['accepted', null, '0.50', '0.50'],
    ]);
    const counter = await ctx.db.usageCounter.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect([counter.quantity.toString(), counter.amount.toString()]).toEqual(['5', '2.5']);
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
  });
});
