import { Decimal } from 'decimal.js';

export type { Decimal } from 'decimal.js';

import { assertCurrency, type CurrencyCode, isSupportedCurrency, minorUnitDigits } from './currencies.js';
import { CurrencyMismatchError, InvalidAllocationError, InvalidAmountError, InvalidQuantityError } from './errors.js';

/**
 * Exact money.
 *
 * Rounding policy (the one rule, used everywhere in domain/):
 * - Arithmetic is exact. `BillingDecimal` keeps 40 significant digits, twice what NUMERIC(20,6) holds, so sums and
 *   products of stored amounts are exact, and the single division of a proration cannot change a rounded line:
 *   amount (<= 10^14, at most 6 decimals) x seconds / period seconds (< 10^8) is either exact or at least ~10^-33
 *   (relative) away from a rounding tie, while rounding at the 40th digit moves it by at most 10^-39.
 * - Configured unit prices and tier flat fees carry at most `UNIT_PRICE_SCALE` (6) decimals; more is rejected,
 *   never silently rounded, because a price is a contract term.
 * - Intermediate amounts that are stored (a rated event, a credit draw) are kept at `AMOUNT_SCALE` (6) decimals,
 *   the scale of the NUMERIC(20,6) columns; rounding to it, where a fractional quantity makes it necessary, is
 *   half-even and explicit (`roundTo(AMOUNT_SCALE)`), so Postgres never rounds behind our back.
 * - Invoice and proration lines are rounded to the currency's minor unit (JPY 0, USD 2, KWD 3) with
 *   round-half-even (banker's rounding: 0.125 -> 0.12, 0.135 -> 0.14), once per line. Totals are sums of
 *   rounded lines and are therefore exact; nothing is rounded a second time.
 */

export const BillingDecimal: Decimal.Constructor = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  // Never print exponent notation: amounts go into SQL and JSON as plain decimal strings.
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

export const ROUNDING_MODE = Decimal.ROUND_HALF_EVEN;
export const UNIT_PRICE_SCALE = 6;
export const AMOUNT_SCALE = 6;

/** Amounts and prices: decimal strings or Decimal instances, never JS numbers (a float has already lost cents). */
export type DecimalInput = string | Decimal;
/** Quantities and ratios may also be JS numbers: event counts and seat counts are integers in JSON. */
export type QuantityInput = string | number | bigint | Decimal;

const DECIMAL_LITERAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function parseDecimal(value: unknown, onError: (reason: string, shown?: string) => Error): Decimal {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!DECIMAL_LITERAL.test(trimmed)) throw onError('not a finite decimal literal', value);
    return normaliseZero(new BillingDecimal(trimmed));
  }
  if (typeof value === 'bigint') return new BillingDecimal(value.toString());
  // Decimal.isDecimal also recognises instances of other decimal.js copies (Prisma ships its own).
  if (Decimal.isDecimal(value)) {
    const d = new BillingDecimal(value as Decimal);
    if (!d.isFinite()) throw onError('not finite', d.toString());
    return normaliseZero(d);
  }
  throw onError(`unsupported type ${typeof value}`);
}

// decimal.js distinguishes -0 from 0; money must not ("-0.00" on an invoice).
function normaliseZero(d: Decimal): Decimal {
  return d.isZero() && d.isNegative() ? new BillingDecimal(0) : d;
}

/**
 * How Money prints an amount (Money#toString): at least `minorUnitDigits` decimals, more only when the exact value has
 * them, never "-0". For hot loops that already hold a Decimal and know the currency's digits, without building a Money.
 */
export function formatAmount(amount: Decimal, minorUnitDigits: number): string {
  return normaliseZero(amount).toFixed(Math.max(minorUnitDigits, amount.decimalPlaces()));
}

/**
 * A stored amount as the API and webhooks show it: a string with at least the currency's minor-unit digits ("30.00",
 * "137.10", "1200" in JPY), more only when the exact value has them (a rated amount of 6 decimals). An unknown currency
 * code shows two.
 */
export function moneyText(amount: { toString(): string }, currency: string): string {
  const digits = isSupportedCurrency(currency) ? minorUnitDigits(currency) : 2;
  return formatAmount(new BillingDecimal(amount.toString()), digits);
}

/**
 * formatAmount for an amount already printed by Decimal#toFixed() with no argument (plain notation, exactly its own
 * decimals, never "-0"): only pads the decimals, so a hot loop that prints an amount for storage can reuse the text.
 */
export function padAmount(plain: string, minorUnitDigits: number): string {
  const dot = plain.indexOf('.');
  const decimals = dot === -1 ? 0 : plain.length - dot - 1;
  if (decimals >= minorUnitDigits) return plain;
  return (dot === -1 ? `${plain}.` : plain) + '0'.repeat(minorUnitDigits - decimals);
}

/** Parses an amount or price. Rejects JS numbers, NaN, Infinity and non-decimal strings. */
export function toDecimal(value: DecimalInput): Decimal {
  return parseDecimal(value, (reason, shown) => new InvalidAmountError(reason, shown));
}

/** Parses a quantity or ratio; finite JS numbers are accepted (and read by their shortest decimal spelling). */
export function toQuantity(value: QuantityInput): Decimal {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidQuantityError('not finite', String(value));
    return normaliseZero(new BillingDecimal(value));
  }
  return parseDecimal(value, (reason, shown) => new InvalidQuantityError(reason, shown));
}

/** Parses a configured unit price or flat fee: non-negative, at most UNIT_PRICE_SCALE decimals. */
export function toUnitPrice(value: DecimalInput): Decimal {
  const d = toDecimal(value);
  if (d.isNegative()) throw new InvalidAmountError('a price cannot be negative', d.toString());
  if (d.decimalPlaces() > UNIT_PRICE_SCALE) {
    throw new InvalidAmountError(`a price has at most ${UNIT_PRICE_SCALE} decimals`, d.toString());
  }
  return d;
}

export interface MoneyJSON {
  amount: string;
  currency: CurrencyCode;
}

export class Money {
  readonly amount: Decimal;
  readonly currency: CurrencyCode;

  private constructor(amount: Decimal, currency: CurrencyCode) {
    this.amount = normaliseZero(amount);
    this.currency = currency;
    Object.freeze(this);
  }

  /** `Money.of('12.50', 'USD')`. The amount is kept exactly as given; nothing is rounded. */
  static of(amount: DecimalInput, currency: string): Money {
    return new Money(toDecimal(amount), assertCurrency(currency));
  }

  static zero(currency: string): Money {
    return new Money(new BillingDecimal(0), assertCurrency(currency));
  }

  /** From an integer count of minor units (cents for USD, yen for JPY), as payment providers report them. */
  static fromMinorUnits(units: bigint | string, currency: string): Money {
    const code = assertCurrency(currency);
    const d = toDecimal(typeof units === 'bigint' ? units.toString() : units);
    if (!d.isInteger()) throw new InvalidAmountError('minor units must be an integer', d.toString());
    return new Money(d.div(new BillingDecimal(10).pow(minorUnitDigits(code))), code);
  }

  static fromJSON(json: MoneyJSON): Money {
    return Money.of(json.amount, json.currency);
  }

  /** Sum of a possibly empty list; the currency is required so that an empty sum still has one. */
  static sum(items: readonly Money[], currency: string): Money {
    let total = Money.zero(currency);
    for (const item of items) total = total.add(item);
    return total;
  }

  static max(a: Money, b: Money): Money {
    return a.compare(b) >= 0 ? a : b;
  }

  static min(a: Money, b: Money): Money {
    return a.compare(b) <= 0 ? a : b;
  }

  static isMoney(value: unknown): value is Money {
    return value instanceof Money;
  }

  get minorUnitDigits(): number {
    return minorUnitDigits(this.currency);
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount.plus(other.amount), this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount.minus(other.amount), this.currency);
  }

  /** Multiplies by a quantity or a ratio. Exact for any finite decimal factor. */
  multiply(factor: QuantityInput): Money {
    return new Money(this.amount.times(toQuantity(factor)), this.currency);
  }

  /**
   * this * numerator / denominator with a single division at the end, so a time fraction (remaining seconds
   * over period seconds) is applied without first rounding the fraction itself.
   */
  multiplyByFraction(numerator: QuantityInput, denominator: QuantityInput): Money {
    const den = toQuantity(denominator);
    if (den.isZero()) throw new InvalidQuantityError('denominator is zero');
    return new Money(this.amount.times(toQuantity(numerator)).div(den), this.currency);
  }

  negate(): Money {
    return new Money(this.amount.negated(), this.currency);
  }

  abs(): Money {
    return new Money(this.amount.abs(), this.currency);
  }

  /** Rounds to the currency's minor unit, half-even: the rounding every invoice line gets. */
  round(): Money {
    return this.roundTo(this.minorUnitDigits);
  }

  /** Rounds half-even to `decimals` places; used for AMOUNT_SCALE storage rounding. */
  roundTo(decimals: number): Money {
    return new Money(this.amount.toDecimalPlaces(decimals, ROUNDING_MODE), this.currency);
  }

  /** True when the amount is a whole number of minor units. */
  isRounded(): boolean {
    return this.amount.decimalPlaces() <= this.minorUnitDigits;
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    const c = this.amount.comparedTo(other.amount);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }

  /** Same currency and same value (12.5 equals 12.50). Different currencies are simply not equal. */
  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount.equals(other.amount);
  }

  lessThan(other: Money): boolean {
    return this.compare(other) < 0;
  }

  lessThanOrEqual(other: Money): boolean {
    return this.compare(other) <= 0;
  }

  greaterThan(other: Money): boolean {
    return this.compare(other) > 0;
  }

  greaterThanOrEqual(other: Money): boolean {
    return this.compare(other) >= 0;
  }

  isZero(): boolean {
    return this.amount.isZero();
  }

  isPositive(): boolean {
    return this.amount.greaterThan(0);
  }

  isNegative(): boolean {
    return this.amount.lessThan(0);
  }

  /**
   * Splits this amount into parts proportional to `ratios` that sum to it exactly (largest-remainder method).
   * Parts are whole multiples of 10^-scale (scale defaults to the currency's minor unit); the leftover units go
   * one each to the parts with the largest remainders, ties to the earlier part, so the result is deterministic.
   * The amount itself must already be a whole number of those units: allocation never rounds.
   */
  allocate(ratios: readonly QuantityInput[], scale: number = this.minorUnitDigits): Money[] {
    if (ratios.length === 0) throw new InvalidAllocationError('no ratios');
    if (!Number.isInteger(scale) || scale < 0) throw new InvalidAllocationError('scale must be a natural number');
    const parsed = ratios.map((r) => toQuantity(r));
    if (parsed.some((r) => r.isNegative())) throw new InvalidAllocationError('ratios cannot be negative');
    if (this.amount.decimalPlaces() > scale) {
      throw new InvalidAllocationError(`amount ${this.toString()} has more than ${scale} decimals; round it first`);
    }

    // Exact integer arithmetic: ratios scaled to integers, the amount counted in units of 10^-scale.
    const ratioScale = Math.max(0, ...parsed.map((r) => r.decimalPlaces()));
    const weights = parsed.map((r) => BigInt(r.times(new BillingDecimal(10).pow(ratioScale)).toFixed(0)));
    const totalWeight = weights.reduce((a, b) => a + b, 0n);
    if (totalWeight === 0n) throw new InvalidAllocationError('ratios sum to zero');

    const unitSize = new BillingDecimal(10).pow(scale);
    const negative = this.amount.isNegative();
    const units = BigInt(this.amount.abs().times(unitSize).toFixed(0));

    const shares = weights.map((w) => (units * w) / totalWeight);
    const remainders = weights.map((w, i) => units * w - (shares[i] ?? 0n) * totalWeight);
    let leftover = units - shares.reduce((a, b) => a + b, 0n);
    const order = remainders
      .map((remainder, index) => ({ remainder, index }))
      .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
    for (const { index } of order) {
      if (leftover === 0n) break;
      shares[index] = (shares[index] ?? 0n) + 1n;
      leftover -= 1n;
    }

    return shares.map((share) => {
      const value = new BillingDecimal(share.toString()).div(unitSize);
      return new Money(negative ? value.negated() : value, this.currency);
    });
  }

  /** Splits into `parts` near-equal parts that sum exactly; earlier parts get the extra minor units. */
  allocateEvenly(parts: number): Money[] {
    if (!Number.isInteger(parts) || parts < 1) throw new InvalidAllocationError('parts must be a positive integer');
    return this.allocate(Array.from({ length: parts }, () => 1));
  }

  /** Integer minor units; only for amounts already rounded to the minor unit. */
  toMinorUnits(): bigint {
    if (!this.isRounded()) {
      throw new InvalidAmountError(`${this.toString()} ${this.currency} is not a whole number of minor units`);
    }
    return BigInt(this.amount.times(new BillingDecimal(10).pow(this.minorUnitDigits)).toFixed(0));
  }

  /**
   * Plain decimal string with at least the currency's minor-unit decimals ('12.50', '100' for JPY) and more only
   * when the exact value has them ('0.123456'); never exponent notation.
   */
  toString(): string {
    return formatAmount(this.amount, this.minorUnitDigits);
  }

  /** Fixed number of decimals, half-even: for NUMERIC(20,6) columns use `toFixed(AMOUNT_SCALE)`. */
  toFixed(decimals: number): string {
    return this.amount.toFixed(decimals, ROUNDING_MODE);
  }

  /** '12.50 USD': for logs and messages, not for customer-facing formatting. */
  toDisplayString(): string {
    return `${this.toString()} ${this.currency}`;
  }

  /** The JSON form in Temporal payloads and API bodies; `Money.fromJSON` reverses it exactly. */
  toJSON(): MoneyJSON {
    return { amount: this.toString(), currency: this.currency };
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) throw new CurrencyMismatchError(this.currency, other.currency);
  }
}
