// The one place the price-book override rule is applied: an entity's event price is its own price book's entry for
// the event type if it has one, else its organization's in the entity's currency (active, not deleted books only;
// one book per currency is regional pricing, domain/priceCatalog.ts). Used uncached by event
// replays and cached per process by the metering path (metering/meteringContext.ts).
import { type EventPriceDefinition, EventPricer } from '../../domain/eventPricer.js';
import type { Tier } from '../../domain/tieredPricing.js';
import type { Db } from '../db.js';

export interface PricedEntity {
  id: string;
  organizationId: string;
  currency: string;
}

interface StoredPrice {
  id: string;
  eventType: string;
  currency: string;
  model: 'flat' | 'graduated' | 'volume';
  unitPrice: { toString(): string } | null;
  tiers: unknown;
}

function toDefinition(price: StoredPrice): EventPriceDefinition {
  return {
    priceId: price.id,
    eventType: price.eventType,
    currency: price.currency,
    model: price.model,
    unitPrice: price.unitPrice === null ? null : price.unitPrice.toString(),
    tiers: (price.tiers as Tier[] | null) ?? null,
  };
}

/** The entity's pricer as the price books stand now. */
export async function loadEntityPricer(db: Db, entity: PricedEntity): Promise<EventPricer> {
  const books = await db.priceBook.findMany({
    where: {
      organizationId: entity.organizationId,
      active: true,
      deletedAt: null,
      // Books in other currencies price other regions: an entity never sees them (nor could a duplicate there stop it).
      OR: [{ entityId: null, currency: entity.currency }, { entityId: entity.id }],
    },
    include: { prices: true },
  });
  const organizationPrices = books.filter((b) => b.entityId === null).flatMap((b) => b.prices.map(toDefinition));
  const entityOverrides = books.filter((b) => b.entityId !== null).flatMap((b) => b.prices.map(toDefinition));
  return new EventPricer({ organizationPrices, entityOverrides }, { currency: entity.currency });
}
