// POST /api/billing/events and /batch against the real database: rating with tiers, credit draw-down in order,
// overage policies, per-user limits, thresholds emitted once per crossing, idempotent replays and bad input.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearer, createTenant } from '../../support/factories.js';
import {
  addEntity,
  addPrices,
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  ledgerInvariantViolations,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('metering');

interface Outcome {
  status: string;
  replayed: boolean;
  eventId: string;
  code: string | null;
  ratedAmount: string;
  creditsDrawn: string;
  draws: Array<{ grantId: string; amount: string }>;
  billedLater: string;
  balanceAfter: string;
  currency: string;
}

async function post(key: string, body: unknown, path = '/api/billing/events') {
  const res = await ctx.app.request(path, { method: 'POST', headers: jsonHeaders(key), body: JSON.stringify(body) });
  return { res, body: (await res.json()) as Outcome & { code: string } & Record<string, unknown> };
}

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

  it('replays a repeated key with the first outcome, and answers 409 for the same key with another payload', async () => {
    const t = await createMeteringTenant(ctx.db);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const event = eventBody(t);
    const first = await post(t.ingestKey, event);
    const again = await post(t.ingestKey, event);
    expect(again.res.status).toBe(200);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ ...first.body, replayed: true });

    const conflict = await post(t.ingestKey, { ...event, quantity: 3 });
    expect(conflict.res.status).toBe(409);
    expect(conflict.res.headers.get('content-type')).toContain('application/problem+json');
    expect(conflict.body.code).toBe('IDEMPOTENCY_KEY_CONFLICT');
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(1);
    expect(await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId, kind: 'consume' } })).toBe(1);
  });

  it('replays a stored event with its stored outcome even after its user left the entity', async () => {
    const t = await createMeteringTenant(ctx.db);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const event = eventBody(t);
    const first = await post(t.ingestKey, event);
    expect(first.body.status).toBe('accepted');
    // The user leaves the entity; a retry of the stored event still gets the stored outcome, not NOT_A_MEMBER.
    await ctx.db.entityUser.updateMany({
      where: { entityId: t.entityId, userId: t.userIds[0] },
      data: { deletedAt: new Date() },
    });
    const again = await post(t.ingestKey, event);
    expect([again.res.status, again.body]).toEqual([200, { ...first.body, replayed: true }]);
    // A new event of that user is refused, and so is a conflicting reuse of the key.
    expect((await post(t.ingestKey, eventBody(t))).body.code).toBe('NOT_A_MEMBER');
    expect((await post(t.ingestKey, { ...event, quantity: 2 })).body.code).toBe('IDEMPOTENCY_KEY_CONFLICT');
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(1);
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

  it('answers bad input with 4xx problem+json and a stable code, writing nothing', async () => {
    const t = await createMeteringTenant(ctx.db);
    const other = await createTenant(ctx.db);
    const stranger = await ctx.db.user.create({ data: { email: `${randomUUID()}@test.example`, name: 'Stranger' } });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ entityId: randomUUID() }, 404, 'ENTITY_NOT_FOUND'],
      [{ entityId: other.entityId }, 404, 'ENTITY_NOT_FOUND'],
      [{ userId: stranger.id }, 422, 'NOT_A_MEMBER'],
      [{ eventType: 'no.such.event' }, 422, 'UNKNOWN_EVENT_TYPE'],
      [{ quantity: -1 }, 422, 'INVALID_QUANTITY'],
      [{ quantity: 1.5 }, 422, 'INVALID_QUANTITY'],
      [{ quantity: 0 }, 422, 'INVALID_QUANTITY'],
      [{ occurredAt: new Date(Date.now() + 3_600_000).toISOString() }, 422, 'OCCURRED_AT_IN_FUTURE'],
      [{ occurredAt: '2020-01-01T00:00:00Z' }, 422, 'BEFORE_FIRST_PERIOD'],
      [{ occurredAt: 'yesterday' }, 422, 'VALIDATION_FAILED'],
      [{ userId: 'not-a-uuid' }, 422, 'VALIDATION_FAILED'],
    ];
    for (const [overrides, status, code] of cases) {
      const { res, body } = await post(t.ingestKey, eventBody(t, overrides));
      expect([res.status, body.code], JSON.stringify(overrides)).toEqual([status, code]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const malformed = await ctx.app.request('/api/billing/events', {
      method: 'POST',
      headers: jsonHeaders(t.ingestKey),
      body: '{"entityId": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe('MALFORMED_JSON');
    const readOnly = await post(t.readKey, eventBody(t));
    expect([readOnly.res.status, readOnly.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);

    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(0);
    expect(await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId, kind: 'consume' } })).toBe(0);
  });

  it('uses an entity override of the organization price', async () => {
    const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill' });
    await addPrices(ctx.db, t.organizationId, t.entityId, [{ eventType: 'project.posted', unitPrice: '1.25' }]);
    const { body } = await post(t.ingestKey, eventBody(t));
    expect(body.ratedAmount).toBe('1.25');
  });
});

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

  it('replays stored events sent again among new ones: stored outcomes, new events drawn once, nothing twice', async () => {
    const t = await createMeteringTenant(ctx.db);
    const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const batch = (events: unknown[]) => post(t.ingestKey, { events }, '/api/billing/events/batch');
    const stored = [eventBody(t), eventBody(t), eventBody(t, { quantity: 3 })];
    const first = (await batch(stored)).body.results as Array<Record<string, unknown>>;
    expect(first.map((r) => [r.status, r.code, r.balanceAfter])).toEqual([
      ['accepted', null, '7.50'],
      ['accepted', null, '5.00'],
      ['rejected', 'INSUFFICIENT_CREDITS', '5.00'],
    ]);

    // The transaction first writes as if every event were new, finds three keys taken and is done again with them.
    const { body } = await batch([stored[1], eventBody(t), { ...stored[0], quantity: 2 }, stored[2], eventBody(t)]);
    const results = body.results as Array<Record<string, unknown>>;
    const withoutIndex = ({ index: _index, ...rest }: Record<string, unknown>) => rest;
    expect(withoutIndex(results[0] as Record<string, unknown>)).toEqual({
      ...withoutIndex(first[1] as Record<string, unknown>),
      replayed: true,
    });
    expect(withoutIndex(results[3] as Record<string, unknown>)).toEqual({
      ...withoutIndex(first[2] as Record<string, unknown>),
      replayed: true,
    });
    expect(results.map((r) => [r.status, r.code, r.replayed ?? null, r.balanceAfter ?? null])).toEqual([
      ['accepted', null, true, '5.00'],
      ['accepted', null, false, '2.50'],
      ['invalid', 'IDEMPOTENCY_KEY_CONFLICT', null, null],
      ['rejected', 'INSUFFICIENT_CREDITS', true, '5.00'],
      ['accepted', null, false, '0.00'],
    ]);
    expect(results[1]).toMatchObject({ draws: [{ grantId, amount: '2.50' }] });
    expect([body.accepted, body.rejected, body.invalid, body.replayed]).toEqual([3, 1, 1, 2]);

    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(5);
    const grant = await ctx.db.creditGrant.findUniqueOrThrow({ where: { id: grantId } });
    expect(grant.remaining.toString()).toBe('0');
    const consumed = await ctx.db.ledgerEntry.findMany({
      where: { entityId: t.entityId, kind: 'consume' },
      orderBy: { createdAt: 'asc' },
    });
    expect(consumed.map((l) => l.amount.toString())).toEqual(['-5', '-5']);
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
  });

  it('rejects an oversized batch with BATCH_TOO_LARGE and malformed JSON with MALFORMED_JSON', async () => {
    const t = await createMeteringTenant(ctx.db);
    const events = Array.from({ length: 1001 }, () => eventBody(t));
    const big = await post(t.ingestKey, { events }, '/api/billing/events/batch');
    expect([big.res.status, big.body.code]).toEqual([422, 'BATCH_TOO_LARGE']);
    const bad = await ctx.app.request('/api/billing/events/batch', {
      method: 'POST',
      headers: jsonHeaders(t.ingestKey),
      body: '{"events": [',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('MALFORMED_JSON');
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(0);
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
