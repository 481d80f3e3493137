/**
 * What metering needs from an organization's price books, checked before a write instead of discovered per event.
 *
 * Regional pricing is one price book per currency: an organization-level book has one currency, and an entity is
 * rated in its own currency, always, by the organization's books in that currency (books in other currencies are
 * invisible to it). Resolution is EventPricer's (eventPricer.ts): for an entity and an event type, the prices of the
 * entity's own active books win (they are in the entity's currency); without one, the organization's active books
 * in the entity's currency price it; without either the type is unknown. A level that prices the type twice in one
 * currency (two active organization books of that currency, or two of one entity) fails every event of that type
 * (INVALID_PRICE_DEFINITION); the same type priced by a EUR book and a USD book is two regions, not a conflict.
 *
 * catalogViolations(before, after) lists what a write would break, comparing the resolution of every entity before
 * and after it:
 *   - in use: an entity resolves an event type now through a price the write removes (a deleted or deactivated book,
 *     a deleted event price), and after it the entity no longer resolves that type to a price in its currency;
 *   - conflict: the write makes an entity resolve an event type twice (it resolved it properly, or not at all,
 *     before), or prices an event type twice in one currency at the organization level;
 *   - a new entity in a currency whose books miss an event type the organization prices in another currency
 *     (reason wrong_currency): it could not rate those events. For an existing entity the same gap is not the
 *     write's doing to refuse (a type is priced one region at a time), so it is reported only for a created entity.
 * A problem the catalog already had before the write is not the write's doing and does not refuse it; a book no
 * entity resolves through, or whose event types another active book takes over, can go.
 */

export interface CatalogPrice {
  eventType: string;
  currency: string;
}

export interface CatalogBook {
  id: string;
  /** Set: the book overrides the organization's prices for this entity. */
  entityId: string | null;
  active: boolean;
  prices: readonly CatalogPrice[];
}

export interface CatalogEntity {
  id: string;
  currency: string;
}

/** An organization's live (not deleted) books and entities. */
export interface Catalog {
  books: readonly CatalogBook[];
  entities: readonly CatalogEntity[];
}

export type PriceLevel = 'entity' | 'organization';

export type Resolution =
  | { kind: 'priced'; level: PriceLevel; bookId: string; currency: string }
  | { kind: 'priced_twice'; level: PriceLevel; bookIds: string[] }
  | { kind: 'wrong_currency'; level: PriceLevel; bookId: string; currency: string }
  /** The organization prices the type, but only in other currencies than the entity's (their books listed). */
  | { kind: 'not_in_currency'; level: 'organization'; bookIds: string[] };

export type ViolationCode = 'PRICE_BOOK_CONFLICT' | 'PRICE_BOOK_IN_USE';

export interface CatalogViolation {
  code: ViolationCode;
  eventType: string;
  /** What resolving the event type would run into after the write. */
  reason: 'priced_twice' | 'wrong_currency' | 'no_price';
  /** The books involved: the book in use, or the books that conflict. */
  priceBookIds: string[];
  /** Entities whose events of this type would fail (sorted); empty when none resolves through the level yet. */
  entityIds: string[];
}

type Index = Map<string, Array<{ bookId: string; currency: string }>>;

function indexPrices(books: readonly CatalogBook[]): Index {
  const index: Index = new Map();
  for (const book of books) {
    if (!book.active) continue;
    for (const price of book.prices) {
      const list = index.get(price.eventType) ?? [];
      list.push({ bookId: book.id, currency: price.currency });
      index.set(price.eventType, list);
    }
  }
  return index;
}

/**
 * The catalog as metering sees it: the organization's prices, and each entity's own. Entities without own prices
 * resolve alike per currency, so they are grouped (`currency:<code>`) rather than resolved one by one.
 */
class Resolver {
  readonly organization: Index;
  private readonly own = new Map<string, Index>();
  /** Resolution key (entity id, or currency:<code>) -> entities. */
  readonly groups = new Map<string, { currency: string; entityIds: string[] }>();
  readonly keyOf = new Map<string, string>();

  constructor(catalog: Catalog, ownKeys: ReadonlySet<string>) {
    const live = new Set(catalog.entities.map((e) => e.id));
    this.organization = indexPrices(catalog.books.filter((b) => b.entityId === null));
    for (const entityId of new Set(catalog.books.map((b) => b.entityId))) {
      if (entityId === null || !live.has(entityId)) continue;
      this.own.set(entityId, indexPrices(catalog.books.filter((b) => b.entityId === entityId)));
    }
    for (const e of catalog.entities) {
      const key = ownKeys.has(e.id) ? e.id : `currency:${e.currency}`;
      this.keyOf.set(e.id, key);
      const group = this.groups.get(key) ?? { currency: e.currency, entityIds: [] };
      group.entityIds.push(e.id);
      this.groups.set(key, group);
    }
  }

  /** Entities with prices of their own (active or not: any book of theirs may change how they resolve). */
  static ownKeys(catalog: Catalog): Set<string> {
    return new Set(catalog.books.flatMap((b) => (b.entityId === null ? [] : [b.entityId])));
  }

  eventTypes(key: string): Set<string> {
    return new Set([...this.organization.keys(), ...(this.own.get(key)?.keys() ?? [])]);
  }

  resolve(key: string, currency: string, eventType: string): Resolution | undefined {
    const own = this.own.get(key)?.get(eventType);
    if (own?.length) return single('entity', own, currency);
    const all = this.organization.get(eventType);
    if (!all?.length) return undefined;
    const regional = all.filter((p) => p.currency === currency);
    if (regional.length === 0) {
      return { kind: 'not_in_currency', level: 'organization', bookIds: [...new Set(all.map((p) => p.bookId))].sort() };
    }
    return single('organization', regional, currency);
  }
}

function single(level: PriceLevel, prices: Array<{ bookId: string; currency: string }>, currency: string): Resolution {
  if (prices.length > 1) return { kind: 'priced_twice', level, bookIds: prices.map((p) => p.bookId).sort() };
  const [p] = prices as [{ bookId: string; currency: string }];
  return p.currency === currency
    ? { kind: 'priced', level, bookId: p.bookId, currency }
    : { kind: 'wrong_currency', level, bookId: p.bookId, currency: p.currency };
}

/** How every live entity resolves every event type it can see: entity id -> event type -> resolution. */
export function resolveCatalog(catalog: Catalog): Map<string, Map<string, Resolution>> {
  const r = new Resolver(catalog, Resolver.ownKeys(catalog));
  const out = new Map<string, Map<string, Resolution>>();
  for (const e of catalog.entities) {
    const key = r.keyOf.get(e.id)!;
    const byType = new Map<string, Resolution>();
    for (const t of r.eventTypes(key)) {
      const res = r.resolve(key, e.currency, t);
      if (res) byType.set(t, res);
    }
    out.set(e.id, byType);
  }
  return out;
}

type Broken = Exclude<Resolution, { kind: 'priced' | 'not_in_currency' }>;

const booksOf = (res: Broken): string[] => (res.kind === 'priced_twice' ? res.bookIds : [res.bookId]);

/** For an entity that exists on both sides, a regional gap is as good as no price (see the module comment). */
const gapAsUnpriced = (res: Resolution | undefined): Exclude<Resolution, { kind: 'not_in_currency' }> | undefined =>
  res?.kind === 'not_in_currency' ? undefined : res;

/** Whether a price of `bookId` for `eventType` is active in the catalog. */
function pricesActively(catalog: Catalog, bookId: string, eventType: string): boolean {
  const book = catalog.books.find((b) => b.id === bookId);
  return book?.active === true && book.prices.some((p) => p.eventType === eventType);
}

/** What a write that turns `before` into `after` would break (see the module comment); empty: nothing. */
export function catalogViolations(before: Catalog, after: Catalog): CatalogViolation[] {
  // Entities with own prices on either side are resolved one by one on both, so their results compare.
  const ownKeys = new Set([...Resolver.ownKeys(before), ...Resolver.ownKeys(after)]);
  const was = new Resolver(before, ownKeys);
  const now = new Resolver(after, ownKeys);
  const found = new Map<string, CatalogViolation>();
  const add = (v: Omit<CatalogViolation, 'entityIds'>, entityIds: readonly string[]) => {
    const id = `${v.code}|${v.eventType}|${v.reason}|${v.priceBookIds.join(',')}`;
    const existing = found.get(id);
    if (existing) existing.entityIds.push(...entityIds);
    else found.set(id, { ...v, entityIds: [...entityIds] });
  };

  for (const [key, group] of now.groups) {
    // A key absent before (an entity the write creates, alone or in a new currency) resolved nothing then.
    const existed = was.groups.has(key);
    const created = group.entityIds.filter((id) => !was.keyOf.has(id));
    for (const eventType of new Set([...now.eventTypes(key), ...(existed ? was.eventTypes(key) : [])])) {
      const resolved = now.resolve(key, group.currency, eventType);
      if (resolved?.kind === 'priced') continue;
      if (resolved?.kind === 'not_in_currency' && created.length > 0) {
        add(
          { code: 'PRICE_BOOK_CONFLICT', eventType, reason: 'wrong_currency', priceBookIds: resolved.bookIds },
          created,
        );
      }
      const a = gapAsUnpriced(resolved) as Broken | undefined;
      const b = existed ? gapAsUnpriced(was.resolve(key, group.currency, eventType)) : undefined;
      if (b?.kind === 'priced') {
        const removed = !pricesActively(after, b.bookId, eventType);
        add(
          {
            code: removed ? 'PRICE_BOOK_IN_USE' : 'PRICE_BOOK_CONFLICT',
            eventType,
            reason: a === undefined ? 'no_price' : a.kind,
            priceBookIds: removed || a === undefined ? [b.bookId] : booksOf(a),
          },
          // An entity the write creates resolved nothing before: only a broken price is news to it.
          a === undefined ? group.entityIds.filter((id) => was.keyOf.has(id)) : group.entityIds,
        );
      } else if (a !== undefined) {
        // Broken where it resolved nothing: the write's doing. Broken already: only entities it creates are new.
        const affected = b === undefined ? group.entityIds : created;
        if (affected.length > 0) {
          add({ code: 'PRICE_BOOK_CONFLICT', eventType, reason: a.kind, priceBookIds: booksOf(a) }, affected);
        }
      }
    }
  }

  // Twice in one currency at the organization level even where no entity resolves through it (none yet, or all
  // override it).
  const byCurrency = (index: Index, eventType: string) => {
    const out = new Map<string, string[]>();
    for (const p of index.get(eventType) ?? []) out.set(p.currency, [...(out.get(p.currency) ?? []), p.bookId]);
    return out;
  };
  for (const eventType of now.organization.keys()) {
    const wasByCurrency = byCurrency(was.organization, eventType);
    for (const [currency, bookIds] of byCurrency(now.organization, eventType)) {
      if (bookIds.length < 2 || (wasByCurrency.get(currency)?.length ?? 0) > 1) continue;
      add({ code: 'PRICE_BOOK_CONFLICT', eventType, reason: 'priced_twice', priceBookIds: bookIds.sort() }, []);
    }
  }

  return [...found.values()]
    .map((v) => ({ ...v, entityIds: [...new Set(v.entityIds)].sort() }))
    .sort((x, y) =>
      x.code === y.code ? x.eventType.localeCompare(y.eventType) : x.code === 'PRICE_BOOK_IN_USE' ? -1 : 1,
    );
}
