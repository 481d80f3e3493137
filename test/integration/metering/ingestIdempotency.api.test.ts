// Idempotency and bad input on POST /api/billing/events and /batch against the real database: a repeated key answers
// the stored outcome (even when a new event like it would now be refused), another payload under the key is a
// conflict, and bad input is a 4xx problem (or an `invalid` outcome in a batch) with a stable code, writing nothing.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTenant } from '../../support/factories.js';
import {
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  ledgerInvariantViolations,
  postEvents,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('metering-idempotency');
const post = (key: string, body: unknown, path?: string) => postEvents(ctx.app, key, body, path);

describe('repeated keys', () => {
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
});

describe('bad input', () => {
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
});
