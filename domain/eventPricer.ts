import type { Decimal } from 'decimal.js';
import { assertCurrency, type CurrencyCode } from './currencies.js';
import { CurrencyMismatchError, InvalidPriceDefinitionError, UnknownEventTypeError } from './errors.js';
import { AMOUNT_SCALE, BillingDecimal, Money, type QuantityInput, ROUNDING_MODE, toQuantity } from './money.js';
import { type CompiledPricing, compilePricing, type PricingScheme } from './tieredPricing.js';

/**
 * Pay-as-you-go rating: event type -> price definition -> amount.
 *
 * Resolution: an entity's override for an event type replaces the organization's price book entry for it
 * entirely (no merging of tiers); event types with neither are an UnknownEventTypeError (UNKNOWN_EVENT_TYPE).
 * Regional pricing: given the entity's currency, only the organization's definitions in that currency are seen (one
 * price book per currency; a EUR and a USD price of one event type are two regions, not a duplicate), while an
 * override in another currency is a CurrencyMismatchError (an entity's own book is in its currency).
 *
 * Rating is incremental against the period's usage counter: the amount of an event of quantity q when `used`
 * units were already counted this period is P(used + q) - P(used), where P is the tiered price rounded half-even
 * to AMOUNT_SCALE (6) decimals. Rounding P rather than the difference makes the increments telescope: the amounts
 * of all events in a period sum exactly to P(total), whatever their order or grouping. With integer quantities
 * and prices of at most 6 decimals nothing is ever actually rounded.
 */

/** Zero as Money stores it (never -0). Decimals are immutable, so one instance serves every caller. */
const ZERO = new BillingDecimal(0);

export interface EventPriceDefinition extends PricingScheme {
  eventType: string;
  currency: CurrencyCode;
  /** The stored price this definition came from (EventPrice.id), recorded on each event it rates. */
  priceId?: string;
}

export interface PriceBook {
  /** The organization's price book. */
  organizationPrices: readonly EventPriceDefinition[];
  /** The entity's overrides, which win over the organization's entries. */
  entityOverrides?: readonly EventPriceDefinition[];
}

export type PriceSource = 'entity' | 'organization';

export interface ResolvedEventPrice {
  definition: EventPriceDefinition;
  source: PriceSource;
}

export interface RatedUsage {
  eventType: string;
  source: PriceSource;
  /** Quantity of this event, normalised decimal string. */
  quantity: string;
  /** Quantity counted this period before this event. */
  alreadyUsed: string;
  /** P(alreadyUsed + quantity) - P(alreadyUsed), at AMOUNT_SCALE. Negative only for volume pricing. */
  amount: Money;
  /** P(alreadyUsed + quantity): what the period's usage costs so far, at AMOUNT_SCALE. */
  cumulativeAmount: Money;
}

function indexByEventType(definitions: readonly EventPriceDefinition[]): {
  byType: Map<string, EventPriceDefinition>;
  duplicates: Set<string>;
} {
  const byType = new Map<string, EventPriceDefinition>();
  const duplicates = new Set<string>();
  for (const definition of definitions) {
    if (byType.has(definition.eventType)) duplicates.add(definition.eventType);
    byType.set(definition.eventType, definition);
  }
  return { byType, duplicates };
}

interface CompiledEventPrice extends ResolvedEventPrice {
  pricing: CompiledPricing;
}

/**
 * Rates events of one entity. Definitions are validated lazily, per event type, so one malformed entry in a
 * price book rejects only the events of its own type.
 */
export class EventPricer {
  private readonly organization: ReturnType<typeof indexByEventType>;
  private readonly entity: ReturnType<typeof indexByEventType>;
  private readonly currency: CurrencyCode | undefined;
  private readonly compiled = new Map<string, CompiledEventPrice>();

  /**
   * `options.currency` (the entity's currency) keeps the organization's definitions in that currency only, and makes
   * an override in another currency a CurrencyMismatchError.
   */
  constructor(book: PriceBook, options: { currency?: string } = {}) {
    this.currency = options.currency === undefined ? undefined : assertCurrency(options.currency);
    const currency = this.currency;
    this.organization = indexByEventType(
      currency === undefined ? book.organizationPrices : book.organizationPrices.filter((d) => d.currency === currency),
    );
    this.entity = indexByEventType(book.entityOverrides ?? []);
  }

  has(eventType: string): boolean {
    return this.entity.byType.has(eventType) || this.organization.byType.has(eventType);
  }

  resolve(eventType: string): ResolvedEventPrice {
    const { definition, source } = this.compile(eventType);
    return { definition, source };
  }

  /** Prices `quantity` units of `eventType` given `alreadyUsed` units this period (the usage counter). */
  rate(eventType: string, quantity: QuantityInput, alreadyUsed: QuantityInput = 0): RatedUsage {
    const { definition, source, pricing } = this.compile(eventType);
    const q = toQuantity(quantity);
    const used = toQuantity(alreadyUsed);
    // Validates both quantities (non-negative) before anything is rounded.
    pricing.increment(used, q);
    const before = Money.of(pricing.price(used), definition.currency).roundTo(AMOUNT_SCALE);
    const after = Money.of(pricing.price(used.plus(q)), definition.currency).roundTo(AMOUNT_SCALE);
    return {
      eventType,
      source,
      quantity: q.toFixed(),
      alreadyUsed: used.toFixed(),
      amount: after.subtract(before),
      cumulativeAmount: after,
    };
  }

  /** The period's usage charge for `totalQuantity` units, at AMOUNT_SCALE: equals the sum of `rate` increments. */
  priceForPeriod(eventType: string, totalQuantity: QuantityInput): Money {
    const { definition, pricing } = this.compile(eventType);
    return Money.of(pricing.price(totalQuantity), definition.currency).roundTo(AMOUNT_SCALE);
  }

  /**
   * priceForPeriod(...).amount for a quantity the caller already holds as a non-negative Decimal (a usage counter):
   * the metering hot path calls it for every event, so it skips parsing and the Money wrapper.
   */
  periodAmount(eventType: string, totalQuantity: Decimal): Decimal {
    const amount = this.compile(eventType).pricing.amountOf(totalQuantity).toDecimalPlaces(AMOUNT_SCALE, ROUNDING_MODE);
    return amount.isZero() ? ZERO : amount;
  }

  private compile(eventType: string): CompiledEventPrice {
    const cached = this.compiled.get(eventType);
    if (cached !== undefined) return cached;

    const layer = this.entity.byType.has(eventType) ? this.entity : this.organization;
    const source: PriceSource = layer === this.entity ? 'entity' : 'organization';
    const definition = layer.byType.get(eventType);
    if (definition === undefined) throw new UnknownEventTypeError(eventType);
    if (layer.duplicates.has(eventType)) {
      throw new InvalidPriceDefinitionError(`defined more than once in the ${source} price book`, eventType);
    }
    let currency: CurrencyCode;
    try {
      currency = assertCurrency(definition.currency);
    } catch {
      throw new InvalidPriceDefinitionError(`unknown currency ${JSON.stringify(definition.currency)}`, eventType);
    }
    if (this.currency !== undefined && currency !== this.currency) {
      throw new CurrencyMismatchError(this.currency, currency);
    }
    const entry: CompiledEventPrice = { definition, source, pricing: compilePricing(definition, eventType) };
    this.compiled.set(eventType, entry);
    return entry;
  }
}

/** One-off resolution: the entity override if any, else the organization's entry, else UnknownEventTypeError. */
export function resolveEventPrice(eventType: string, book: PriceBook): ResolvedEventPrice {
  return new EventPricer(book).resolve(eventType);
}

/** One-off rating of a single definition (see EventPricer.rate for the rounding rule). */
export function rateEvent(
  definition: EventPriceDefinition,
  quantity: QuantityInput,
  alreadyUsed: QuantityInput = 0,
): RatedUsage {
  return new EventPricer({ organizationPrices: [definition] }).rate(definition.eventType, quantity, alreadyUsed);
}
