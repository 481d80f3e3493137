// A tenant cannot stop its own metering through valid price book calls: a write that would leave an entity unable
// to price an event type it prices now (in-use delete or deactivation), or price one twice in its currency, is
// refused with 409 and changes nothing; one that another active book covers goes through, and a book in another
// currency is another region (regionalPricing.test.ts). A new entity in a currency the organization's books do not
// price is 422 unless it brings its own book.
import { afterAll, describe, expect, it } from 'vitest';
import { clearMeteringCache } from '../../../activities/metering/meteringContext.js';
import { type ApiResponse, caller, expectProblem, terminateBillingWorkflows } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { createMeteringTenant, eventBody, grantCredits } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const startedEntities: string[] = [];

const ctx = apiTestContext('price-book-conflicts');
afterAll(async () => {
  if (ctx.client) await terminateBillingWorkflows(ctx.client, startedEntities);
});

const books = '/api/billing/price-books';
const flat = (eventType: string, unitPrice = '2.50') => ({ eventType, model: 'flat', unitPrice });

/** A USD entity metering project.posted through its organization's one book (created directly, like the seed). */
async function meteredTenant() {
  const t = await createMeteringTenant(ctx.db);
  await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
  const book = await ctx.db.priceBook.findFirstOrThrow({ where: { organizationId: t.organizationId } });
  const price = await ctx.db.eventPrice.findFirstOrThrow({ where: { priceBookId: book.id } });
  const admin = caller(ctx.app, t.adminKey);
  const ingest = caller(ctx.app, t.ingestKey);
  const meter = async () => {
    clearMeteringCache();
    const res = await ingest('POST', '/api/billing/events', eventBody(t));
    return [res.body.status, res.body.code ?? null, res.body.ratedAmount ?? null];
  };
  expect(await meter()).toEqual(['accepted', null, '2.50']);
  return { t, book, price, admin, meter };
}

function expectConflict(
  res: ApiResponse,
  code: 'PRICE_BOOK_CONFLICT' | 'PRICE_BOOK_IN_USE',
  conflict: { eventType: string; reason: string; priceBookIds: string[]; entityIds: string[] },
) {
  expectProblem(res, 409, code);
  expect(res.body.conflicts?.[0]).toEqual({ code, ...conflict, entityCount: conflict.entityIds.length });
  expect(res.body.detail).toContain(conflict.eventType);
}

const bookState = async (organizationId: string) =>
  (
    await ctx.db.priceBook.findMany({
      where: { organizationId },
      include: { prices: true },
      orderBy: { createdAt: 'asc' },
    })
  ).map((b) => [b.id, b.active, b.deletedAt === null, b.prices.map((p) => p.eventType).sort()]);

describe('price book writes that would break metering are refused when written', () => {
  it('deleting or deactivating the book in use is 409 PRICE_BOOK_IN_USE and changes nothing', async () => {
    const { t, book, admin, meter } = await meteredTenant();
    const before = await bookState(t.organizationId);
    const inUse = { eventType: 'project.posted', reason: 'no_price', priceBookIds: [book.id], entityIds: [t.entityId] };
    expectConflict(await admin('DELETE', `${books}/${book.id}`), 'PRICE_BOOK_IN_USE', inUse);
    expectConflict(await admin('PATCH', `${books}/${book.id}`, { active: false }), 'PRICE_BOOK_IN_USE', inUse);
    const price = await ctx.db.eventPrice.findFirstOrThrow({ where: { priceBookId: book.id } });
    expectConflict(await admin('DELETE', `${books}/${book.id}/prices/${price.id}`), 'PRICE_BOOK_IN_USE', inUse);
    expect(await bookState(t.organizationId)).toEqual(before);
    expect(await meter()).toEqual(['accepted', null, '2.50']);
  });

  it('a second active organization book pricing the same event type in the same currency is 409 PRICE_BOOK_CONFLICT', async () => {
    const { t, book, admin, meter } = await meteredTenant();
    const before = await bookState(t.organizationId);
    for (const currency of ['USD']) {
      const res = await admin('POST', books, {
        name: `Second ${currency}`,
        currency,
        prices: [flat('project.posted')],
      });
      expectProblem(res, 409, 'PRICE_BOOK_CONFLICT');
      expect(res.body.conflicts[0]).toMatchObject({
        eventType: 'project.posted',
        reason: 'priced_twice',
        entityIds: [t.entityId],
        entityCount: 1,
      });
      expect(res.body.conflicts[0].priceBookIds).toContain(book.id);
      expect(res.body.conflicts[0].priceBookIds).toHaveLength(2);
    }
    // Adding the price to another book, or activating one that has it, is the same conflict.
    const other = await admin('POST', books, { name: 'Other', currency: 'USD', prices: [flat('message.sent')] });
    expect(other.status).toBe(201);
    expectProblem(
      await admin('POST', `${books}/${other.body.id}/prices`, flat('project.posted')),
      409,
      'PRICE_BOOK_CONFLICT',
    );
    const idle = await admin('POST', books, {
      name: 'Idle',
      currency: 'USD',
      active: false,
      prices: [flat('project.posted', '9')],
    });
    expect(idle.status).toBe(201);
    expectProblem(await admin('PATCH', `${books}/${idle.body.id}`, { active: true }), 409, 'PRICE_BOOK_CONFLICT');
    expect((await bookState(t.organizationId)).slice(0, before.length)).toEqual(before);
    expect(await meter()).toEqual(['accepted', null, '2.50']);
  });

  it('an organization book in another currency is another region: 201, and the USD entity meters as before', async () => {
    const { t, admin, meter } = await meteredTenant();
    for (const prices of [[flat('freelancer.hired')], [flat('project.posted', '2.30')]]) {
      const res = await admin('POST', books, { name: 'Euro', currency: 'EUR', prices });
      expect(res.status).toBe(201);
    }
    expect(await ctx.db.priceBook.count({ where: { organizationId: t.organizationId } })).toBe(3);
    expect(await meter()).toEqual(['accepted', null, '2.50']);
  });

  it('a book another active book covers, or that nobody prices through, can go', async () => {
    const { t, book, admin, meter } = await meteredTenant();
    // The entity's own book takes project.posted over: the organization's book is no longer in use.
    const own = await admin('POST', books, {
      name: 'Own',
      currency: 'USD',
      entityId: t.entityId,
      prices: [flat('project.posted', '2.00')],
    });
    expect(own.status).toBe(201);
    expect(await meter()).toEqual(['accepted', null, '2.00']);
    expect((await admin('DELETE', `${books}/${book.id}`)).status).toBe(200);
    expect(await meter()).toEqual(['accepted', null, '2.00']);
    // Now the entity's own book is in use; an inactive book never is.
    expectProblem(await admin('DELETE', `${books}/${own.body.id}`), 409, 'PRICE_BOOK_IN_USE');
    const idle = await admin('POST', books, { name: 'Idle', currency: 'EUR', active: false, prices: [flat('x')] });
    expect((await admin('DELETE', `${books}/${idle.body.id}`)).status).toBe(200);
  });

  it('two concurrent writes cannot together produce a conflict', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await createTenant(ctx.db);
      const admin = caller(ctx.app, t.adminKey);
      const [first, second] = await Promise.all([
        admin('POST', books, { name: 'A', currency: 'USD', prices: [flat('project.posted')] }),
        admin('POST', books, { name: 'B', currency: 'USD', prices: [flat('project.posted', '3')] }),
      ]);
      expect([first.status, second.status].sort()).toEqual([201, 409]);
      expect(await ctx.db.priceBook.count({ where: { organizationId: t.organizationId } })).toBe(1);
    }
  });
});

describe('entity creation in a currency the organization does not price', () => {
  it('is 422 ENTITY_CURRENCY_NOT_PRICED unless the entity brings its own book; any currency without books', async () => {
    const { t, book, admin } = await meteredTenant();
    const eur = await admin('POST', '/api/entities', { name: 'Acme EU', currency: 'EUR' });
    expectProblem(eur, 422, 'ENTITY_CURRENCY_NOT_PRICED');
    expect(eur.body.conflicts).toEqual([
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'project.posted',
        reason: 'wrong_currency',
        priceBookIds: [book.id],
        entityIds: [expect.any(String)],
        entityCount: 1,
      },
    ]);
    expect(await ctx.db.entity.count({ where: { organizationId: t.organizationId } })).toBe(1);

    const withBook = await admin('POST', '/api/entities', {
      name: 'Acme EU',
      currency: 'EUR',
      priceBook: { name: 'EU prices', prices: [flat('project.posted', '2.30')] },
    });
    expect(withBook.status).toBe(201);
    startedEntities.push(withBook.body.id);
    const own = await ctx.db.priceBook.findFirstOrThrow({
      where: { entityId: withBook.body.id },
      include: { prices: true },
    });
    expect([own.currency, own.prices.map((p) => [p.eventType, p.unitPrice?.toString(), p.currency])]).toEqual([
      'EUR',
      [['project.posted', '2.3', 'EUR']],
    ]);

    const bare = await createTenant(ctx.db);
    const gbp = await caller(ctx.app, bare.adminKey)('POST', '/api/entities', { name: 'Bare', currency: 'GBP' });
    expect(gbp.status).toBe(201);
    startedEntities.push(gbp.body.id);
  });
});
