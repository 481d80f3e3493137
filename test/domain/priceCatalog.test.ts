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

  it('refuses a second price in one currency at one level; another currency is another region', () => {
    const twice = catalogViolations(base, { ...base, books: [org, book('usd-2', 'USD', ['posted'])] });
    expect(twice).toEqual([
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'posted',
        reason: 'priced_twice',
        priceBookIds: ['org', 'usd-2'],
        entityIds: ['e-usd'],
      },
    ]);
    // A EUR book pricing the same type, or a type the USD book lacks: the USD entity does not see it.
    expect(catalogViolations(base, { ...base, books: [org, book('eu', 'EUR', ['posted'])] })).toEqual([]);
    expect(catalogViolations(base, { ...base, books: [org, book('eu', 'EUR', ['new'])] })).toEqual([]);
    // Two EUR books pricing one type conflict even before any EUR entity exists.
    expect(
      catalogViolations(
        { ...base, books: [org, book('eu', 'EUR', ['posted'])] },
        { ...base, books: [org, book('eu', 'EUR', ['posted']), book('eu-2', 'EUR', ['posted'])] },
      ),
    ).toEqual([
      {
        code: 'PRICE_BOOK_CONFLICT',
        eventType: 'posted',
        reason: 'priced_twice',
        priceBookIds: ['eu', 'eu-2'],
        entityIds: [],
      },
    ]);
    // Twice at the organization level with no entity yet.
    const empty: Catalog = { books: [org], entities: [] };
    expect(catalogViolations(empty, { ...empty, books: [org, book('b', 'USD', ['hired'])] })).toMatchObject([
      { code: 'PRICE_BOOK_CONFLICT', eventType: 'hired', reason: 'priced_twice', entityIds: [] },
    ]);
  });

  it('resolves each entity through the books of its own currency', () => {
    const regional: Catalog = {
      books: [org, book('eu', 'EUR', ['posted'])],
      entities: [usd, eur],
    };
    const resolved = resolveCatalog(regional);
    expect(resolved.get('e-usd')?.get('posted')).toEqual({
      kind: 'priced',
      level: 'organization',
      bookId: 'org',
      currency: 'USD',
    });
    expect(resolved.get('e-eur')?.get('posted')).toEqual({
      kind: 'priced',
      level: 'organization',
      bookId: 'eu',
      currency: 'EUR',
    });
    expect(resolved.get('e-eur')?.get('hired')).toEqual({
      kind: 'not_in_currency',
      level: 'organization',
      bookIds: ['org'],
    });
    // Deleting the EUR book is in use by the EUR entity only.
    expect(catalogViolations(regional, { ...regional, books: [org] })).toEqual([
      {
        code: 'PRICE_BOOK_IN_USE',
        eventType: 'posted',
        reason: 'no_price',
        priceBookIds: ['eu'],
        entityIds: ['e-eur'],
      },
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
  type Res = 'priced' | 'broken' | 'gap' | undefined;
  function naive(c: Catalog, e: CatalogEntity, t: string): Res {
    const pricing = (books: CatalogBook[]) =>
      books.filter((b) => b.active).flatMap((b) => b.prices.filter((p) => p.eventType === t));
    const own = pricing(c.books.filter((b) => b.entityId === e.id));
    if (own.length > 0) return own.length === 1 && own[0]!.currency === e.currency ? 'priced' : 'broken';
    const organization = pricing(c.books.filter((b) => b.entityId === null));
    if (organization.length === 0) return undefined;
    const regional = organization.filter((p) => p.currency === e.currency);
    if (regional.length === 0) return 'gap';
    return regional.length === 1 ? 'priced' : 'broken';
  }
  /** For an entity on both sides of a write, a regional gap counts as no price. */
  const norm = (r: Res): Res => (r === 'gap' ? undefined : r);

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
            if (!known.has(e.id)) {
              if (a === 'broken' || a === 'gap') expected.add(`${e.id}:${t}`);
              continue;
            }
            const [now, was] = [norm(a), norm(naive(before, e, t))];
            if (now !== 'priced' && (was === 'priced' || (was === undefined && now === 'broken'))) {
              expected.add(`${e.id}:${t}`);
            }
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
            const kind = r === undefined ? undefined : r.kind;
            expect(kind === 'priced' || kind === undefined ? kind : kind === 'not_in_currency' ? 'gap' : 'broken').toBe(
              want,
            );
          }
        }
      }),
    );
  });
});
