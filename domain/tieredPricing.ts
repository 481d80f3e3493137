import type { Decimal } from 'decimal.js';
import { InvalidAmountError, InvalidPriceDefinitionError, InvalidQuantityError } from './errors.js';
import { BillingDecimal, type QuantityInput, toQuantity, toUnitPrice } from './money.js';

/**
 * Price models for a period's cumulative quantity.
 *
 * - flat: every unit at `unitPrice`.
 * - graduated: each unit is priced by the tier it falls in (units 1..100 at tier 1's price, 101..1000 at tier
 *   2's ...), so the price never jumps down when a tier is crossed.
 * - volume: all units at the price of the tier the total quantity reaches. This is a bulk discount, so the total
 *   can drop when a tier edge is crossed (1000 units at 0.08 < 999 at 0.10), and the increment of one more
 *   event can be negative; it is still exact, and the increments of a period still sum to its total.
 *
 * Tiers: `upTo` is the inclusive upper bound of cumulative quantity (a quantity exactly on an edge belongs to the
 * lower tier), strictly increasing, and the last tier is open (`upTo: null`), so every quantity has a price.
 * A tier's optional `flatFee` is charged once when the quantity enters the tier (quantity > the previous
 * tier's `upTo`); for volume pricing only the reached tier's flat fee is charged. A quantity of zero costs zero,
 * whatever the model, so that pricing the increments of a period from zero adds up to the period's total.
 *
 * Results are exact decimals in the price's currency: no rounding happens here (see money.ts for where it does).
 */

export type PriceModel = 'flat' | 'graduated' | 'volume';

export const PRICE_MODELS: readonly PriceModel[] = ['flat', 'graduated', 'volume'];

/** JSON-serialisable (it lives in a Prisma Json column): decimals are strings. */
export interface Tier {
  /** Inclusive upper bound of cumulative quantity; null for the open last tier. */
  upTo: string | null;
  unitPrice: string;
  flatFee?: string | null;
}

/** What tiered pricing needs of a price definition. */
export interface PricingScheme {
  model: PriceModel;
  /** Required for 'flat', absent for the tiered models. */
  unitPrice?: string | null;
  /** Required for 'graduated' and 'volume', absent for 'flat'. */
  tiers?: readonly Tier[] | null;
}

interface CompiledTier {
  /** Exclusive lower bound: the previous tier's upTo, or 0. */
  from: Decimal;
  /** Inclusive upper bound; null when open. */
  upTo: Decimal | null;
  unitPrice: Decimal;
  flatFee: Decimal;
}

/** One tier's share of a price, for invoice line breakdowns. */
export interface TierCharge {
  /** 0-based position in the tier list (0 for the flat model). */
  tierIndex: number;
  /** Units priced in this tier. */
  quantity: Decimal;
  unitPrice: Decimal;
  flatFee: Decimal;
  /** quantity * unitPrice + flatFee, exact. */
  amount: Decimal;
}

export interface CompiledPricing {
  readonly model: PriceModel;
  /** Price of `quantity` units counted from zero this period. */
  price(quantity: QuantityInput): Decimal;
  /**
   * price() of a quantity the caller already holds as a non-negative Decimal: no parsing and no breakdown objects.
   * The metering hot path prices every event with it.
   */
  amountOf(quantity: Decimal): Decimal;
  /** price(alreadyUsed + quantity) - price(alreadyUsed): the exact price of the next `quantity` units. */
  increment(alreadyUsed: QuantityInput, quantity: QuantityInput): Decimal;
  /** The tiers that make up price(quantity), in tier order, omitting tiers that contribute nothing. */
  breakdown(quantity: QuantityInput): TierCharge[];
}

// A malformed number inside a price is a malformed price: report it with the price's error code.
function wrap<T>(fn: () => T, context: string | undefined): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InvalidAmountError || error instanceof InvalidQuantityError) {
      throw new InvalidPriceDefinitionError(error.message, context);
    }
    throw error;
  }
}

function compileTiers(tiers: readonly Tier[], context: string | undefined): CompiledTier[] {
  if (tiers.length === 0) throw new InvalidPriceDefinitionError('tiers cannot be empty', context);
  const compiled: CompiledTier[] = [];
  let from: Decimal = new BillingDecimal(0);
  tiers.forEach((tier, index) => {
    const isLast = index === tiers.length - 1;
    let upTo: Decimal | null = null;
    if (tier.upTo === null || tier.upTo === undefined) {
      if (!isLast) throw new InvalidPriceDefinitionError(`only the last tier can be open (tier ${index + 1})`, context);
    } else {
      if (isLast) throw new InvalidPriceDefinitionError('the last tier must be open (upTo: null)', context);
      const bound = wrap(() => toQuantity(tier.upTo as string), context);
      if (bound.lessThanOrEqualTo(from)) {
        throw new InvalidPriceDefinitionError(
          `tier ${index + 1} upTo must be greater than ${from.toString()}`,
          context,
        );
      }
      upTo = bound;
    }
    const unitPrice = wrap(() => toUnitPrice(tier.unitPrice), context);
    const flatFee =
      tier.flatFee === undefined || tier.flatFee === null
        ? new BillingDecimal(0)
        : wrap(() => toUnitPrice(tier.flatFee as string), context);
    compiled.push({ from, upTo, unitPrice, flatFee });
    if (upTo !== null) from = upTo;
  });
  return compiled;
}

function assertQuantity(value: QuantityInput, what: string): Decimal {
  const q = toQuantity(value);
  if (q.isNegative()) throw new InvalidQuantityError(`${what} cannot be negative`, q.toString());
  return q;
}

function tierReached(tiers: readonly CompiledTier[], quantity: Decimal): CompiledTier & { index: number } {
  for (let index = 0; index < tiers.length; index += 1) {
    const tier = tiers[index] as CompiledTier;
    if (tier.upTo === null || quantity.lessThanOrEqualTo(tier.upTo)) return { ...tier, index };
  }
  // Unreachable: compileTiers guarantees an open last tier.
  throw new InvalidPriceDefinitionError('no tier covers the quantity');
}

function flatBreakdown(unitPrice: Decimal, quantity: Decimal): TierCharge[] {
  if (quantity.isZero()) return [];
  const zero = new BillingDecimal(0);
  return [{ tierIndex: 0, quantity, unitPrice, flatFee: zero, amount: quantity.times(unitPrice) }];
}

function graduatedBreakdown(tiers: readonly CompiledTier[], quantity: Decimal): TierCharge[] {
  const charges: TierCharge[] = [];
  tiers.forEach((tier, tierIndex) => {
    if (quantity.lessThanOrEqualTo(tier.from)) return;
    const top = tier.upTo === null || quantity.lessThan(tier.upTo) ? quantity : tier.upTo;
    const units = top.minus(tier.from);
    charges.push({
      tierIndex,
      quantity: units,
      unitPrice: tier.unitPrice,
      flatFee: tier.flatFee,
      amount: units.times(tier.unitPrice).plus(tier.flatFee),
    });
  });
  return charges;
}

function volumeBreakdown(tiers: readonly CompiledTier[], quantity: Decimal): TierCharge[] {
  if (quantity.isZero()) return [];
  const tier = tierReached(tiers, quantity);
  return [
    {
      tierIndex: tier.index,
      quantity,
      unitPrice: tier.unitPrice,
      flatFee: tier.flatFee,
      amount: quantity.times(tier.unitPrice).plus(tier.flatFee),
    },
  ];
}

// What the breakdowns above add up to, without building them (the same terms, added in the same order).
function graduatedAmount(tiers: readonly CompiledTier[], quantity: Decimal): Decimal {
  let total: Decimal = new BillingDecimal(0);
  for (const tier of tiers) {
    if (quantity.lessThanOrEqualTo(tier.from)) break;
    const top = tier.upTo === null || quantity.lessThan(tier.upTo) ? quantity : tier.upTo;
    total = total.plus(top.minus(tier.from).times(tier.unitPrice).plus(tier.flatFee));
  }
  return total;
}

function volumeAmount(tiers: readonly CompiledTier[], quantity: Decimal): Decimal {
  if (quantity.isZero()) return new BillingDecimal(0);
  const tier = tierReached(tiers, quantity);
  return quantity.times(tier.unitPrice).plus(tier.flatFee);
}

/**
 * Validates a scheme once and returns fast pricing functions (the metering hot path prices every event).
 * Throws InvalidPriceDefinitionError for a malformed scheme; `context` (e.g. the event type) names it.
 */
export function compilePricing(scheme: PricingScheme, context?: string): CompiledPricing {
  const hasTiers = scheme.tiers !== undefined && scheme.tiers !== null;
  const hasUnitPrice = scheme.unitPrice !== undefined && scheme.unitPrice !== null;
  let breakdown: (quantity: Decimal) => TierCharge[];
  let amountOf: (quantity: Decimal) => Decimal;

  switch (scheme.model) {
    case 'flat': {
      if (!hasUnitPrice) throw new InvalidPriceDefinitionError('the flat model needs a unitPrice', context);
      if (hasTiers && (scheme.tiers?.length ?? 0) > 0) {
        throw new InvalidPriceDefinitionError('the flat model takes no tiers', context);
      }
      const unitPrice = wrap(() => toUnitPrice(scheme.unitPrice as string), context);
      breakdown = (quantity) => flatBreakdown(unitPrice, quantity);
      amountOf = (quantity) => (quantity.isZero() ? new BillingDecimal(0) : quantity.times(unitPrice));
      break;
    }
    case 'graduated':
    case 'volume': {
      if (!hasTiers) throw new InvalidPriceDefinitionError(`the ${scheme.model} model needs tiers`, context);
      if (hasUnitPrice) {
        throw new InvalidPriceDefinitionError(`the ${scheme.model} model takes tiers, not a unitPrice`, context);
      }
      const tiers = compileTiers(scheme.tiers as readonly Tier[], context);
      const graduated = scheme.model === 'graduated';
      breakdown = graduated
        ? (quantity) => graduatedBreakdown(tiers, quantity)
        : (quantity) => volumeBreakdown(tiers, quantity);
      amountOf = graduated
        ? (quantity) => graduatedAmount(tiers, quantity)
        : (quantity) => volumeAmount(tiers, quantity);
      break;
    }
    default:
      throw new InvalidPriceDefinitionError(`unknown price model ${JSON.stringify(scheme.model)}`, context);
  }

  const price = (quantity: QuantityInput): Decimal => amountOf(assertQuantity(quantity, 'quantity'));
  return {
    model: scheme.model,
    price,
    amountOf,
    increment(alreadyUsed, quantity) {
      const used = assertQuantity(alreadyUsed, 'quantity already used');
      const q = assertQuantity(quantity, 'quantity');
      return price(used.plus(q)).minus(price(used));
    },
    breakdown: (quantity) => breakdown(assertQuantity(quantity, 'quantity')),
  };
}

/** Validates a scheme without pricing anything; throws InvalidPriceDefinitionError. */
export function validatePricingScheme(scheme: PricingScheme, context?: string): void {
  compilePricing(scheme, context);
}

/** Exact price of `quantity` units counted from zero. */
export function priceForQuantity(scheme: PricingScheme, quantity: QuantityInput): Decimal {
  return compilePricing(scheme).price(quantity);
}

/** Exact price of the next `quantity` units after `alreadyUsed` this period. */
export function incrementalPrice(scheme: PricingScheme, alreadyUsed: QuantityInput, quantity: QuantityInput): Decimal {
  return compilePricing(scheme).increment(alreadyUsed, quantity);
}
