// POST /api/billing/events against the real database: rating with tiers and entity overrides, credit draw-down in
// order, overage policies, per-user limits, thresholds emitted once per crossing, suspended entities. Repeats and bad
// input: ingestIdempotency.api.test.ts; batches: ingestBatch.api.test.ts.
import { describe, expect, it } from 'vitest';
import { bearer } from '../../support/factories.js';
import {
  addPrices,
  createMeteringTenant,
  eventBody,
  grantCredits,
  ledgerInvariantViolations,
  postEvents,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('metering');
const post = (key: string, body: unknown) => postEvents(ctx.app, key, body);

/** The metering path's outbox rows (the set-up's own grants announce themselves too: credits.granted). */
const outboxOf = (entityId: string) =>
  ctx.db.webhookEvent.findMany({
    where: { entityId, type: { not: 'credits.granted' } },
    orderBy: { createdAt: 'asc' },
    select: { type: true, payload: true },
  });

describe('POST /api/billing/events', () => {
  it('accepts an event, draws its rated amount from credits and writes the ledger, counter and spend', async () => {
    const t = await createMeteringTenant(ctx.db);
    const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const { res, body } = await post(t.ingestKey, eventBody(t, { quantity: 2 }));
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      status: 'accepted',
      replayed: false,
      code: null,
      currency: 'USD',
      ratedAmount: '5.00',
      creditsDrawn: '5.00',
      draws: [{ grantId, amount: '5.00' }],
      billedLater: '0.00',
      balanceAfter: '5.00',
    });
    const grant = await ctx.db.creditGrant.findUniqueOrThrow({ where: { id: grantId } });
    expect(grant.remaining.toString()).toBe('5');
    // One event in the transaction: its consume entry names it, and its draws name the entry.
    const ledger = await ctx.db.ledgerEntry.findMany({ where: { eventId: body.eventId } });
    expect(ledger.map((l) => [l.kind, l.amount.toString(), l.idempotencyKey])).toEqual([
      ['consume', '-5', `consume:${ledger[0]?.id}`],
    ]);
    const stored = await ctx.db.marketplaceEvent.findUniqueOrThrow({ where: { id: body.eventId } });
    expect(stored.draws).toEqual([{ grantId, amount: '5', ledgerEntryId: ledger[0]?.id }]);
    const counter = await ctx.db.usageCounter.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect([counter.quantity.toString(), counter.amount.toString()]).toEqual(['2', '5']);
    const spend = await ctx.db.userSpend.findFirstOrThrow({ where: { entityUser: { entityId: t.entityId } } });
    expect(spend.amount.toString()).toBe('5');
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
  });

  it('rates graduated tiers against the period counter', async () => {
    const t = await createMeteringTenant(ctx.db, {
      overagePolicy: 'bill',
      prices: [
        {
          eventType: 'freelancer.hired',
          model: 'graduated',
          tiers: [
            { upTo: '2', unitPrice: '10.00' },
            { upTo: null, unitPrice: '4.00' },
          ],
        },
      ],
    });
    const amounts: string[] = [];
    for (const quantity of [1, 2, 1]) {
      const { body } = await post(t.ingestKey, eventBody(t, { eventType: 'freelancer.hired', quantity }));
      amounts.push(body.ratedAmount);
    }
    expect(amounts).toEqual(['10.00', '14.00', '4.00']);
    const counter = await ctx.db.usageCounter.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect([counter.quantity.toString(), counter.amount.toString()]).toEqual(['4', '28']);
  });

  it('draws the earliest-expiring grant first and never an expired one', async () => {
    const t = await createMeteringTenant(ctx.db);
    const later = await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00', {
      expiresAt: new Date(Date.now() + 30 * 86_400_000),
    });
    const sooner = await grantCredits(ctx.db, t.organizationId, t.entityId, '3.00', {
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const expiring = await grantCredits(ctx.db, t.organizationId, t.entityId, '50.00', {
      expiresAt: new Date(Date.now() + 1_500),
    });
    await new Promise((r) => setTimeout(r, 1_600));
    const { body } = await post(t.ingestKey, eventBody(t, { quantity: 2 }));
    expect(body.draws).toEqual([
      { grantId: sooner, amount: '3.00' },
      { grantId: later, amount: '2.00' },
    ]);
    expect(body.balanceAfter).toBe('8.00');
    const untouched = await ctx.db.creditGrant.findUniqueOrThrow({ where: { id: expiring } });
    expect(untouched.remaining.toString()).toBe('50');
  });

  it('policy reject: INSUFFICIENT_CREDITS without a partial draw, stored and replayed', async () => {
    const t = await createMeteringTenant(ctx.db);
    const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '2.00');
    const event = eventBody(t);
    const { res, body } = await post(t.ingestKey, event);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      status: 'rejected',
      code: 'INSUFFICIENT_CREDITS',
      ratedAmount: '2.50',
      creditsDrawn: '0.00',
      draws: [],
      billedLater: '0.00',
      balanceAfter: '2.00',
    });
    expect((await ctx.db.creditGrant.findUniqueOrThrow({ where: { id: grantId } })).remaining.toString()).toBe('2');
    const replay = await post(t.ingestKey, event);
    expect(replay.body).toEqual({ ...body, replayed: true });
    expect(await ctx.db.invoiceItem.count({ where: { entityId: t.entityId } })).toBe(0);
    expect(await ctx.db.usageCounter.count({ where: { entityId: t.entityId } })).toBe(0);
  });

  it('policy bill: draws what is there, bills the shortfall on the next invoice, emits billing.overage once', async () => {
    const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
    const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '3.00');
    const first = await post(t.ingestKey, eventBody(t));
    expect(first.body).toMatchObject({
      status: 'accepted',
      ratedAmount: '2.50',
      creditsDrawn: '2.50',
      billedLater: '0.00',
      balanceAfter: '0.50',
    });
    const second = await post(t.ingestKey, eventBody(t));
    expect(second.body).toMatchObject({
      status: 'accepted',
      ratedAmount: '2.50',
      creditsDrawn: '0.50',
      draws: [{ grantId, amount: '0.50' }],
      billedLater: '2.00',
      balanceAfter: '0.00',
    });
    const third = await post(t.ingestKey, eventBody(t));
    expect(third.body).toMatchObject({ status: 'accepted', creditsDrawn: '0.00', billedLater: '2.50' });

    const items = await ctx.db.invoiceItem.findMany({ where: { entityId: t.entityId }, orderBy: { createdAt: 'asc' } });
    expect(items.map((i) => [i.kind, i.amount.toString(), i.idempotencyKey, i.invoiceId])).toEqual([
      ['usage', '2', `usage:${second.body.eventId}`, null],
      ['usage', '2.5', `usage:${third.body.eventId}`, null],
    ]);
    const outbox = await outboxOf(t.entityId);
    expect(outbox.map((o) => o.type).sort()).toEqual(['billing.overage', 'credits.depleted']);
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
  });

  it('emits credits.low and credits.depleted once per crossing, not once per event', async () => {
    const t = await createMeteringTenant(ctx.db, { lowBalanceThreshold: '5.00' });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const balances: string[] = [];
    for (let i = 0; i < 5; i += 1) balances.push((await post(t.ingestKey, eventBody(t))).body.balanceAfter);
    expect(balances).toEqual(['7.50', '5.00', '2.50', '0.00', '0.00']);
    const outbox = await outboxOf(t.entityId);
    expect(outbox.map((o) => o.type)).toEqual(['credits.low', 'credits.depleted']);
    expect(outbox[0]?.payload).toMatchObject({
      type: 'credits.low',
      entityId: t.entityId,
      organizationId: t.organizationId,
      balance: '2.50',
      threshold: '5.00',
      currency: 'USD',
    });
    // A top-up and a new crossing emit again.
    await grantCredits(ctx.db, t.organizationId, t.entityId, '6.00');
    await post(t.ingestKey, eventBody(t));
    expect((await outboxOf(t.entityId)).map((o) => o.type)).toEqual(['credits.low', 'credits.depleted', 'credits.low']);

    // Visible through the API; handed to webhook delivery after commit (pending until dispatched).
    const listed = await ctx.app.request(`/api/billing/outbox?entityId=${t.entityId}`, { headers: bearer(t.readKey) });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { data: Array<{ type: string; status: string }> };
    expect(page.data.map((r) => r.type)).toEqual([
      'credits.granted',
      'credits.low',
      'credits.depleted',
      'credits.granted',
      'credits.low',
    ]);
    const pending = await ctx.app.request(`/api/billing/outbox?status=pending&entityId=${t.entityId}`, {
      headers: bearer(t.readKey),
    });
    const pendingRows = ((await pending.json()) as { data: Array<{ status: string }> }).data;
    expect(pendingRows.every((r) => r.status === 'pending')).toBe(true);
    expect(pendingRows.length).toBeLessThanOrEqual(3);
  });

  it('per-user limit: USER_CREDIT_LIMIT_EXCEEDED past the limit, user.credit_limit_reached once per period', async () => {
    const t = await createMeteringTenant(ctx.db, { creditLimit: '5.00', members: 2 });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    const statuses: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { body } = await post(t.ingestKey, eventBody(t));
      statuses.push(body.code ?? body.status);
    }
    expect(statuses).toEqual(['accepted', 'accepted', 'USER_CREDIT_LIMIT_EXCEEDED', 'USER_CREDIT_LIMIT_EXCEEDED']);
    // The other member has a limit of their own.
    expect((await post(t.ingestKey, eventBody(t, { userId: t.userIds[1] }))).body.status).toBe('accepted');
    const outbox = await outboxOf(t.entityId);
    expect(outbox.map((o) => o.type)).toEqual(['user.credit_limit_reached']);
    expect(outbox[0]?.payload).toMatchObject({ userId: t.userIds[0], creditLimit: '5.00', spent: '5.00' });
  });

  it('rejects events of a suspended entity with ENTITY_SUSPENDED (stored, nothing drawn)', async () => {
    const t = await createMeteringTenant(ctx.db);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    await ctx.db.entity.update({ where: { id: t.entityId }, data: { status: 'suspended' } });
    const { body } = await post(t.ingestKey, eventBody(t));
    expect(body).toMatchObject({
      status: 'rejected',
      code: 'ENTITY_SUSPENDED',
      creditsDrawn: '0.00',
      balanceAfter: '10.00',
    });
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId, status: 'rejected' } })).toBe(1);
  });

  it('uses an entity override of the organization price', async () => {
    const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
    await addPrices(ctx.db, t.organizationId, t.entityId, [{ eventType: 'project.posted', unitPrice: '1.25' }]);
    const { body } = await post(t.ingestKey, eventBody(t));
    expect(body.ratedAmount).toBe('1.25');
  });
});
