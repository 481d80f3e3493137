// Credit packages, purchases (invoice and immediate payment), promotional grants, balances, the ledger and transfers.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { caller } from '../../support/apiFactories.js';
import { bearer, createTenant } from '../../support/factories.js';
import {
  addEntity,
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  ledgerInvariantViolations,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('credits', { db: 10 });

type Json = Record<string, unknown> & { code?: string };

/** A request to the app as the holder of `key`. */
const call = (method: string, path: string, key: string, body?: unknown) => caller(ctx.app, key)(method, path, body);

const DAY = 86_400_000;

describe('credit packages', () => {
  it('creates, lists, reads, updates and retires packages; admin only for writes', async () => {
    const t = await createTenant(ctx.db);
    const created = await call('POST', '/api/billing/credits/packages', t.adminKey, {
      name: 'Starter',
      credits: '100.00',
      price: '90.00',
      currency: 'USD',
      validityDays: 30,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Starter',
      credits: '100.00',
      price: '90.00',
      validityDays: 30,
      active: true,
    });
    const id = created.body.id as string;

    const denied = await call('POST', '/api/billing/credits/packages', t.readKey, { ...created.body });
    expect([denied.status, denied.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    const invalid = await call('POST', '/api/billing/credits/packages', t.adminKey, {
      name: 'Bad',
      credits: '-1',
      price: '1',
      currency: 'USD',
      validityDays: 30,
    });
    expect([invalid.status, invalid.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    // Three letters is not enough: a package must be sold in a currency the platform can bill.
    for (const currency of ['XYZ', 'usd']) {
      const bad = await call('POST', '/api/billing/credits/packages', t.adminKey, {
        name: 'Bad currency',
        credits: '1',
        price: '1',
        currency,
        validityDays: 30,
      });
      expect([currency, bad.status, bad.body.code]).toEqual([currency, 422, 'VALIDATION_FAILED']);
    }

    const list = await call('GET', '/api/billing/credits/packages', t.readKey);
    expect((list.body.data as Json[]).map((p) => p.id)).toEqual([id]);
    const patched = await call('PATCH', `/api/billing/credits/packages/${id}`, t.adminKey, { price: '80.50' });
    expect(patched.body.price).toBe('80.50');
    expect((await call('GET', `/api/billing/credits/packages/${id}`, t.readKey)).body.price).toBe('80.50');

    const other = await createTenant(ctx.db);
    expect((await call('GET', `/api/billing/credits/packages/${id}`, other.readKey)).status).toBe(404);

    expect((await call('DELETE', `/api/billing/credits/packages/${id}`, t.adminKey)).status).toBe(204);
    expect((await call('GET', `/api/billing/credits/packages/${id}`, t.readKey)).status).toBe(404);
  });
});

describe('purchases', () => {
  async function packageFor(t: { organizationId: string }, overrides: Record<string, unknown> = {}) {
    const p = await ctx.db.creditPackage.create({
      data: {
        organizationId: t.organizationId,
        name: 'Pro',
        credits: '500',
        price: '450',
        currency: 'USD',
        validityDays: 90,
        ...overrides,
      },
    });
    return p.id;
  }

  it('on invoice: grant with expiry, ledger entry and a credit_purchase invoice item; a repeat replays', async () => {
    const t = await createTenant(ctx.db);
    const packageId = await packageFor(t);
    const key = randomUUID();
    const before = Date.now();
    const res = await call('POST', '/api/billing/credits/purchases', t.adminKey, {
      entityId: t.entityId,
      packageId,
      idempotencyKey: key,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      replayed: false,
      payment: 'invoice',
      price: '450.00',
      currency: 'USD',
      paymentId: null,
    });
    const grant = res.body.grant as Json;
    expect(grant).toMatchObject({ source: 'purchase', original: '500.00', remaining: '500.00', packageId });
    const expires = new Date(grant.expiresAt as string).getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(expires).toBeLessThanOrEqual(Date.now() + 90 * DAY);

    const item = await ctx.db.invoiceItem.findUniqueOrThrow({ where: { idempotencyKey: `purchase:${grant.id}` } });
    expect([item.kind, item.amount.toString(), item.invoiceId, item.id]).toEqual([
      'credit_purchase',
      '450',
      null,
      res.body.invoiceItemId,
    ]);
    const ledger = await ctx.db.ledgerEntry.findMany({ where: { grantId: grant.id as string } });
    expect(ledger.map((l) => [l.kind, l.amount.toString(), l.idempotencyKey])).toEqual([
      ['grant', '500', `grant:${grant.id}`],
    ]);

    const again = await call('POST', '/api/billing/credits/purchases', t.adminKey, {
      entityId: t.entityId,
      packageId,
      idempotencyKey: key,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...res.body, replayed: true });
    const otherPackage = await packageFor(t);
    const conflict = await call('POST', '/api/billing/credits/purchases', t.adminKey, {
      entityId: t.entityId,
      packageId: otherPackage,
      idempotencyKey: key,
    });
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_CONFLICT']);
    expect(await ctx.db.creditGrant.count({ where: { entityId: t.entityId } })).toBe(1);
  });

  it('a purchase still replays after its package is retired; a new purchase of it is 404', async () => {
    const t = await createTenant(ctx.db);
    const packageId = await packageFor(t);
    const body = { entityId: t.entityId, packageId, idempotencyKey: randomUUID() };
    const first = await call('POST', '/api/billing/credits/purchases', t.adminKey, body);
    expect(first.status).toBe(201);
    const retired = await ctx.app.request(`/api/billing/credits/packages/${packageId}`, {
      method: 'DELETE',
      headers: jsonHeaders(t.adminKey),
    });
    expect(retired.status).toBe(204);
    const again = await call('POST', '/api/billing/credits/purchases', t.adminKey, body);
    expect([again.status, again.body.replayed, (again.body.grant as Json).id]).toEqual([
      200,
      true,
      (first.body.grant as Json).id,
    ]);
    const fresh = await call('POST', '/api/billing/credits/purchases', t.adminKey, {
      ...body,
      idempotencyKey: randomUUID(),
    });
    expect([fresh.status, fresh.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(await ctx.db.creditGrant.count({ where: { entityId: t.entityId } })).toBe(1);
  });

  it('immediate: charged through the payment provider (a succeeded Payment); a declined card creates nothing', async () => {
    const t = await createTenant(ctx.db);
    const packageId = await packageFor(t);
    const ok = await call('POST', '/api/billing/credits/purchases', t.adminKey, {
      entityId: t.entityId,
      packageId,
      idempotencyKey: randomUUID(),
      payment: 'immediate',
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ payment: 'immediate', invoiceItemId: null });
    const payment = await ctx.db.payment.findUniqueOrThrow({ where: { id: ok.body.paymentId as string } });
    expect([payment.status, payment.amount.toString(), payment.provider]).toEqual(['succeeded', '450', 'sandbox']);

    await ctx.db.entity.update({ where: { id: t.entityId }, data: { defaultPaymentMethod: 'pm_card_declined' } });
    const declined = await call('POST', '/api/billing/credits/purchases', t.adminKey, {
      entityId: t.entityId,
      packageId,
      idempotencyKey: randomUUID(),
      payment: 'immediate',
    });
    expect([declined.status, declined.body.code]).toEqual([402, 'PAYMENT_FAILED']);
    expect(await ctx.db.creditGrant.count({ where: { entityId: t.entityId } })).toBe(1);
  });

  it('refuses another currency, an inactive package and a foreign entity', async () => {
    const t = await createTenant(ctx.db);
    const other = await createTenant(ctx.db);
    const eur = await packageFor(t, { currency: 'EUR' });
    const inactive = await packageFor(t, { active: false });
    const ok = await packageFor(t);
    const post = (entityId: string, packageId: string) =>
      call('POST', '/api/billing/credits/purchases', t.adminKey, { entityId, packageId, idempotencyKey: randomUUID() });
    const a = await post(t.entityId, eur);
    const b = await post(t.entityId, inactive);
    const c = await post(other.entityId, ok);
    expect([a.status, a.body.code]).toEqual([422, 'CURRENCY_MISMATCH']);
    expect([b.status, b.body.code]).toEqual([422, 'PACKAGE_INACTIVE']);
    expect([c.status, c.body.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('promotional grants, balances and the ledger', () => {
  it('grants promo credits, shows the balance per grant in draw order, and lists the ledger with filters', async () => {
    const t = await createMeteringTenant(ctx.db);
    const soon = new Date(Date.now() + 7 * DAY).toISOString();
    const promo = await call('POST', '/api/billing/credits/grants', t.adminKey, {
      entityId: t.entityId,
      amount: '20.00',
      expiresAt: soon,
      idempotencyKey: 'welcome',
    });
    expect(promo.status).toBe(201);
    const replay = await call('POST', '/api/billing/credits/grants', t.adminKey, {
      entityId: t.entityId,
      amount: '20.00',
      expiresAt: soon,
      idempotencyKey: 'welcome',
    });
    expect(replay.status).toBe(200);
    const conflict = await call('POST', '/api/billing/credits/grants', t.adminKey, {
      entityId: t.entityId,
      amount: '21.00',
      expiresAt: soon,
      idempotencyKey: 'welcome',
    });
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_CONFLICT']);
    const never = await grantCredits(ctx.db, t.organizationId, t.entityId, '5.00');

    const ingest = await call('POST', '/api/billing/events', t.ingestKey, eventBody(t));
    expect(ingest.body.status).toBe('accepted');

    const balance = await call('GET', `/api/entities/${t.entityId}/credit-balance`, t.readKey);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ entityId: t.entityId, currency: 'USD', balance: '22.50' });
    const promoGrant = promo.body.grant as Json;
    expect((balance.body.grants as Json[]).map((g) => [g.id, g.remaining, g.expiresAt])).toEqual([
      [promoGrant.id, '17.50', new Date(soon).toISOString()],
      [never, '5.00', null],
    ]);

    const ledger = await call('GET', `/api/billing/credits/ledger?entityId=${t.entityId}`, t.readKey);
    expect((ledger.body.data as Json[]).map((e) => [e.kind, e.amount])).toEqual([
      ['grant', '20.00'],
      ['grant', '5.00'],
      ['consume', '-2.50'],
    ]);
    const consumes = await call('GET', `/api/billing/credits/ledger?entityId=${t.entityId}&kind=consume`, t.readKey);
    expect((consumes.body.data as Json[]).map((e) => e.eventId)).toEqual([ingest.body.eventId]);
    // A batch: one consume entry carries both events (it names neither); each event's filter finds it.
    const batch = await call('POST', '/api/billing/events/batch', t.ingestKey, {
      events: [eventBody(t), eventBody(t)],
    });
    const batchIds = (batch.body.results as Json[]).map((r) => r.eventId as string);
    const perEvent = await Promise.all(
      batchIds.map((id) => call('GET', `/api/billing/credits/ledger?eventId=${id}`, t.readKey)),
    );
    const entries = perEvent.map((r) => (r.body.data as Json[]).map((e) => [e.kind, e.amount, e.eventId]));
    expect(entries).toEqual([[['consume', '-5.00', null]], [['consume', '-5.00', null]]]);
    const [first, second] = perEvent.map((r) => (r.body.data as Json[])[0]?.id);
    expect(first).toBe(second);
    const single = await call('GET', `/api/billing/credits/ledger?eventId=${ingest.body.eventId}`, t.readKey);
    expect((single.body.data as Json[]).map((e) => [e.kind, e.amount])).toEqual([['consume', '-2.50']]);

    const page = await call('GET', `/api/billing/credits/ledger?entityId=${t.entityId}&limit=2`, t.readKey);
    expect([(page.body.data as Json[]).length, page.body.hasMore]).toEqual([2, true]);

    const other = await createTenant(ctx.db);
    expect((await call('GET', `/api/entities/${t.entityId}/credit-balance`, other.readKey)).status).toBe(404);
    const foreignLedger = await call('GET', `/api/billing/credits/ledger?entityId=${t.entityId}`, other.readKey);
    expect(foreignLedger.body.data).toEqual([]);
    expect((await call('GET', `/api/entities/${t.entityId}/credit-balance`, t.ingestKey)).status).toBe(403);
  });
});

describe('credit transfers', () => {
  it('moves credits atomically, keeping each source grant’s expiry, and replays a repeated key', async () => {
    const t = await createMeteringTenant(ctx.db);
    const target = await addEntity(ctx.db, t.organizationId);
    const e1 = new Date(Date.now() + 3 * DAY);
    const e2 = new Date(Date.now() + 30 * DAY);
    const g1 = await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00', { expiresAt: e1 });
    const g2 = await grantCredits(ctx.db, t.organizationId, t.entityId, '50.00', { expiresAt: e2 });
    const body = { fromEntityId: t.entityId, toEntityId: target, amount: '25.00', idempotencyKey: randomUUID() };
    const res = await call('POST', '/api/billing/credits/transfers', t.adminKey, body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ replayed: false, amount: '25.00', fromBalance: '35.00', toBalance: '25.00' });
    expect((res.body.legs as Json[]).map((l) => [l.sourceGrantId, l.amount, l.expiresAt])).toEqual([
      [g1, '10.00', e1.toISOString()],
      [g2, '15.00', e2.toISOString()],
    ]);
    const targetGrants = await ctx.db.creditGrant.findMany({
      where: { entityId: target },
      orderBy: { expiresAt: 'asc' },
    });
    expect(
      targetGrants.map((g) => [g.source, g.remaining.toString(), g.expiresAt?.toISOString(), g.sourceGrantId]),
    ).toEqual([
      ['transfer', '10', e1.toISOString(), g1],
      ['transfer', '15', e2.toISOString(), g2],
    ]);
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
    expect(await ledgerInvariantViolations(ctx.db, target)).toEqual([]);

    const again = await call('POST', '/api/billing/credits/transfers', t.adminKey, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...res.body, replayed: true });
    const conflict = await call('POST', '/api/billing/credits/transfers', t.adminKey, { ...body, amount: '1.00' });
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_CONFLICT']);
    expect(await ctx.db.creditGrant.count({ where: { entityId: target } })).toBe(2);
  });

  it('refuses across organizations (404), more than the balance (422), and another currency without a rate', async () => {
    const t = await createMeteringTenant(ctx.db);
    const other = await createTenant(ctx.db);
    const gbp = await addEntity(ctx.db, t.organizationId, { currency: 'GBP' });
    const sibling = await addEntity(ctx.db, t.organizationId);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const post = (toEntityId: string, amount: string) =>
      call('POST', '/api/billing/credits/transfers', t.adminKey, {
        fromEntityId: t.entityId,
        toEntityId,
        amount,
        idempotencyKey: randomUUID(),
      });
    const foreign = await post(other.entityId, '1.00');
    const tooMuch = await post(sibling, '10.01');
    const currency = await post(gbp, '1.00');
    expect([foreign.status, foreign.body.code]).toEqual([404, 'NOT_FOUND']);
    expect([tooMuch.status, tooMuch.body.code]).toEqual([422, 'INSUFFICIENT_CREDITS']);
    // Another currency with no exchange rate held (multiCurrency.api.test.ts converts at one).
    expect([currency.status, currency.body.code]).toEqual([422, 'NO_EXCHANGE_RATE']);
    const grant = await ctx.db.creditGrant.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect(grant.remaining.toString()).toBe('10');
    expect(await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId } })).toBe(1);
  });

  it('concurrent transfers with one key move the credits once', async () => {
    const t = await createMeteringTenant(ctx.db);
    const target = await addEntity(ctx.db, t.organizationId);
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    const body = { fromEntityId: t.entityId, toEntityId: target, amount: '30.00', idempotencyKey: randomUUID() };
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        ctx.app.request('/api/billing/credits/transfers', {
          method: 'POST',
          headers: { ...bearer(t.adminKey), 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const source = await ctx.db.creditGrant.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect(source.remaining.toString()).toBe('70');
    expect(await ctx.db.creditGrant.count({ where: { entityId: target } })).toBe(1);
  });
});
