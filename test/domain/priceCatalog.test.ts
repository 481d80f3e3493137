import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Catalog,
  type CatalogBook,
  type CatalogEntity,
  catalogViolations,
  resolveCatalog,
} from '../../domain/priceCatalog.js';

const usd: CatalogEntity = { id: 'e-usd', currency: 'USD' };
const eur: CatalogEntity = { id: 'e-eur', currency: 'EUR' };
const book = (id: string, currency: string, types: string[], more: Partial<CatalogBook> = {}): CatalogBook => ({
  id,
  entityId: null,
  active: true,
  prices: types.map((eventType) => ({ eventType, currency })),
  ...more,
});

describe('catalogViolations', () => {
  const org = book('org', 'USD', ['posted', 'hired']);
  const base: Catalog = { books: [org], entities: [usd] };

  it('refuses deleting the book an entity prices through (in use), not one another book covers', () => {
    expect(catalogViolations(base, { ...base, books: [] })).toEqual([
      {
        code: 'PRICE_BOOK_IN_USE',
        eventType: 'hired',
        reason: 'no_price',
        priceBookIds: ['org'],
        entityIds: ['e-usd'],
      },
      {
        code: 'PRICE_BOOK_IN_USE',
        eventType: 'posted',
        reason: 'no_price',
        priceBookIds: ['org'],
        entityIds: ['e-usd'],
      },
    ]);
    const own = book('own', 'USD', ['posted', 'hired'], { entityId: 'e-usd' });
    expect(catalogViolations({ ...base, books: [org, own] }, { ...base, books: [own] })).toEqual([]);
    // The override gone, the entity falls back to the organization's price in its currency: fine.
    expect(catalogViolations({ ...base, books: [org, own] }, base)).toEqual([]);
  });

  it('refuses a second price at one level, whatever its currency, and a price in another currency', () => {
    const twice = catalogViolations(base, { ...base, books: [org, book('eu', 'EUR', ['posted'])] });
    expect(twice).toEqual([
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'posted',
        reason: 'priced_twice',
        priceBookIds: ['eu', 'org'],
        entityIds: ['e-usd'],
      },
    ]);
    expect(catalogViolations(base, { ...base, books: [org, book('eu', 'EUR', ['new'])] })).toEqual([
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'new',
        reason: 'wrong_currency',
        priceBookIds: ['eu'],
        entityIds: ['e-usd'],
      },
    ]);
    // Twice at the organization level with no entity yet.
    const empty: Catalog = { books: [org], entities: [] };
    expect(catalogViolations(empty, { ...empty, books: [org, book('b', 'USD', ['hired'])] })).toMatchObject([
      { code: 'PRICE_BOOK_CONFLICT', eventType: 'hired', reason: 'priced_twice', entityIds: [] },
    ]);
  });

  it('does not blame a write for what was broken before it; a new entity joining it is new', () => {
    const broken: Catalog = { books: [org], entities: [usd, eur] };
    expect(catalogViolations(broken, { ...broken, books: [{ ...org, prices: [...org.prices] }] })).toEqual([]);
    const another = { id: 'e-eur-2', currency: 'EUR' };
    expect(catalogViolations(broken, { ...broken, entities: [usd, eur, another] })).toEqual([
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'hired',
        reason: 'wrong_currency',
        priceBookIds: ['org'],
        entityIds: ['e-eur-2'],
      },
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'posted',
        reason: 'wrong_currency',
        priceBookIds: ['org'],
        entityIds: ['e-eur-2'],
      },
    ]);
    const own = book('own-2', 'EUR', ['posted', 'hired'], { entityId: 'e-eur-2' });
    expect(catalogViolations(broken, { books: [org, own], entities: [usd, eur, another] })).toEqual([]);
  });

  // The reference: each entity resolved on its own, the rules stated pairwise.
  const TYPES = ['a', 'b', 'c'];
  const CURRENCIES = ['USD', 'EUR'];
  type Res = 'priced' | 'broken' | undefined;
  function naive(c: Catalog, e: CatalogEntity, t: string): Res {
    const pricing = (books: CatalogBook[]) =>
      books.filter((b) => b.active).flatMap((b) => b.prices.filter((p) => p.eventType === t));
    const own = pricing(c.books.filter((b) => b.entityId === e.id));
    const prices = own.length > 0 ? own : pricing(c.books.filter((b) => b.entityId === null));
    if (prices.length === 0) return undefined;
    return prices.length === 1 && prices[0]!.currency === e.currency ? 'priced' : 'broken';
  }

  const entitiesArb = fc.uniqueArray(
    fc.record({ id: fc.constantFrom('e1', 'e2', 'e3', 'e4'), currency: fc.constantFrom(...CURRENCIES) }),
    { selector: (e) => e.id, maxLength: 4 },
  );
  const booksArb = fc.array(
    fc.record({
      entityId: fc.constantFrom(null, null, 'e1', 'e2', 'e3', 'e4'),
      currency: fc.constantFrom(...CURRENCIES),
      active: fc.boolean(),
      types: fc.subarray(TYPES),
    }),
    { maxLength: 5 },
  );
  const toBooks = (raw: Array<{ entityId: string | null; currency: string; active: boolean; types: string[] }>) =>
    raw.map((b, i) => book(`b${i}`, b.currency, b.types, { entityId: b.entityId, active: b.active }));

  it('flags exactly the (entity, event type) pairs a write breaks, as the pairwise rules say', () => {
    fc.assert(
      fc.property(entitiesArb, entitiesArb, booksArb, booksArb, (ents, extra, rawBefore, rawAfter) => {
        const known = new Set<string>(ents.map((e) => e.id));
        const before: Catalog = { books: toBooks(rawBefore), entities: ents };
        const after: Catalog = {
          books: toBooks(rawAfter),
          entities: [...ents, ...extra.filter((e) => !known.has(e.id))],
        };
        const expected = new Set<string>();
        for (const e of after.entities) {
          for (const t of TYPES) {
            const a = naive(after, e, t);
            const b = known.has(e.id) ? naive(before, e, t) : undefined;
            if (a !== 'priced' && (b === 'priced' || (b === undefined && a === 'broken'))) expected.add(`${e.id}:${t}`);
          }
        }
        const flagged = new Set(
          catalogViolations(before, after).flatMap((v) => v.entityIds.map((id) => `${id}:${v.eventType}`)),
        );
        expect([...flagged].sort()).toEqual([...expected].sort());
        expect(catalogViolations(after, after).filter((v) => v.entityIds.length > 0)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('resolveCatalog agrees with the pairwise reference', () => {
    fc.assert(
      fc.property(entitiesArb, booksArb, (entities, raw) => {
        const c: Catalog = { books: toBooks(raw), entities };
        const resolved = resolveCatalog(c);
        for (const e of entities) {
          for (const t of TYPES) {
            const r = resolved.get(e.id)?.get(t);
            const want = naive(c, e, t);
            expect(r === undefined ? undefined : r.kind === 'priced' ? 'priced' : 'broken').toBe(want);
          }
        }
      }),
    );
  });
});
