// The reference model's prices, written from the documented rules, not from domain/tieredPricing.ts:
//   flat       every unit at the unit price
//   graduated  each unit at the price of the tier it falls in (tier bounds inclusive upper)
//   volume     every unit at the price of the tier the total reaches
// An event's amount is P(used + q) - P(used) for the period's used quantity before it, P rounded half-even to 6
// decimals.
import { Decimal } from 'decimal.js';

export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = InstanceType<typeof D>;

export interface ModelTier {
  upTo: number | null;
  unitPrice: string;
}

export type ModelPrice = { model: 'flat'; unitPrice: string } | { model: 'graduated' | 'volume'; tiers: ModelTier[] };

export function periodPrice(price: ModelPrice, quantity: Dec): Dec {
  if (quantity.isZero()) return new D(0);
  if (price.model === 'flat') return quantity.times(price.unitPrice);
  if (price.model === 'volume') {
    const tier = price.tiers.find((t) => t.upTo === null || quantity.lessThanOrEqualTo(t.upTo)) as ModelTier;
    return quantity.times(tier.unitPrice);
  }
  let total = new D(0);
  let from = new D(0);
  for (const tier of price.tiers) {
    const to = tier.upTo === null ? quantity : D.min(quantity, tier.upTo);
    if (to.greaterThan(from)) total = total.plus(to.minus(from).times(tier.unitPrice));
    if (tier.upTo === null || quantity.lessThanOrEqualTo(tier.upTo)) break;
    from = new D(tier.upTo);
  }
  return total;
}

export function rateIncrement(price: ModelPrice, used: Dec, quantity: Dec): Dec {
  const p = (q: Dec) => periodPrice(price, q).toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN);
  return p(used.plus(quantity)).minus(p(used));
}

/** An amount rounded for an invoice line: half-even to the currency's 2 minor digits. */
export const lineAmount = (amount: Dec) => amount.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
