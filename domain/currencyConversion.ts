import type { Decimal } from 'decimal.js';
import { assertCurrency, type CurrencyCode } from './currencies.js';
import { CurrencyMismatchError, InvalidExchangeRateError, NoExchangeRateError } from './errors.js';
import { BillingDecimal, type DecimalInput, Money, toDecimal } from './money.js';

/**
 * Converting money between currencies with exchange rates the platform holds (never fetched while billing).
 *
 * A rate says how many units of `quote` one unit of `base` buys: base EUR, quote USD, rate 1.0842 means
 * 1 EUR = 1.0842 USD. Rates are positive decimals with at most `RATE_SCALE` (10) decimals and at most
 * `RATE_INTEGER_DIGITS` (10) integer digits (the NUMERIC(20,10) column); more is refused, never rounded.
 *
 * The rounding rule (one rule, the same as every invoice line's, domain/money.ts): the converted amount is
 * amount x rate computed exactly, then rounded once, half-even (banker's), to the quote currency's minor unit
 * (JPY 0, USD 2, KWD 3). Nothing else is rounded: an inverse rate (1 / rate) and a cross rate through a pivot
 * currency are kept at BillingDecimal's 40 significant digits until that single rounding.
 *
 * So a conversion never creates or loses more value than half a minor unit of the currency converted into,
 * and a round trip A -> B -> A at the rate and its inverse comes back within uA/2 + uB/(2 x rate) of the start
 * (uA, uB: one minor unit of A and of B), that is within one minor unit of whichever currency's minor unit is
 * worth more (test/domain/currencyConversionProperties.test.ts).
 *
 * Which rate applies at an instant: the freshest one the rates held can give. Of each pair's rates, the one with
 * the latest `effectiveAt` at or before the instant counts (a rate is in force from its effective time until the
 * next one of the same pair). The candidates are the direct pair (base -> quote), the inverse of the reverse pair
 * (quote -> base), and a cross rate through EUR (the reference currency of ECB files), whose freshness is that of
 * its older leg; the one with the latest effective time applies, a tie going to direct, then inverse, then cross.
 * So a daily EUR -> USD import is not overruled by a USD -> EUR rate someone posted months ago. Each leg of a cross
 * rate is chosen by the same rule; no rate at all is NoExchangeRateError (NO_EXCHANGE_RATE).
 */

export const RATE_SCALE = 10;
export const RATE_INTEGER_DIGITS = 10;
/** Cross rates go through this currency, the one ECB reference rates are quoted against. */
export const PIVOT_CURRENCY = 'EUR';

export interface ExchangeRate {
  base: CurrencyCode;
  quote: CurrencyCode;
  /** Decimal string: units of quote per unit of base. */
  rate: string;
  effectiveAt: Date;
  source: string;
  /** The stored rate's id, when it came from the rates table. */
  id?: string;
}

/** The rate that converts base into quote at an instant, and the stored rates it was made of. */
export interface AppliedRate {
  base: CurrencyCode;
  quote: CurrencyCode;
  /** Exact (up to 40 significant digits) units of quote per unit of base. */
  rate: Decimal;
  /** 'identity' (same currency), 'direct', 'inverse' (1 / the reverse pair) or 'cross' (through PIVOT_CURRENCY). */
  method: 'identity' | 'direct' | 'inverse' | 'cross';
  /** The stored rates used, in the order applied (empty for identity). */
  legs: ExchangeRate[];
}

/** Parses a rate: a positive decimal of at most RATE_INTEGER_DIGITS integer and RATE_SCALE decimal digits. */
export function parseRate(value: DecimalInput): Decimal {
  let d: Decimal;
  try {
    d = toDecimal(value);
  } catch {
    throw new InvalidExchangeRateError('not a decimal', String(value));
  }
  if (!d.isPositive() || d.isZero()) throw new InvalidExchangeRateError('a rate must be positive', d.toFixed());
  if (d.decimalPlaces() > RATE_SCALE) {
    throw new InvalidExchangeRateError(`a rate has at most ${RATE_SCALE} decimals`, d.toFixed());
  }
  if (d.greaterThanOrEqualTo(new BillingDecimal(10).pow(RATE_INTEGER_DIGITS))) {
    throw new InvalidExchangeRateError(`a rate is below 10^${RATE_INTEGER_DIGITS}`, d.toFixed());
  }
  return d;
}

/** Checks one rate as stored: known currencies, two different ones, a valid rate. Returns it normalised. */
export function validateExchangeRate(rate: ExchangeRate): ExchangeRate {
  const base = assertCurrency(rate.base);
  const quote = assertCurrency(rate.quote);
  if (base === quote) throw new InvalidExchangeRateError('base and quote are the same currency', base);
  if (Number.isNaN(rate.effectiveAt.getTime())) throw new InvalidExchangeRateError('effectiveAt is not a time');
  return { ...rate, base, quote, rate: parseRate(rate.rate).toFixed() };
}

/**
 * amount x rate, rounded half-even to the minor unit of `to` (the module's one rounding rule). The amount must be
 * in `rate.base` and `to` must be `rate.quote`.
 */
export function convert(amount: Money, applied: Pick<AppliedRate, 'base' | 'quote' | 'rate'>): Money {
  if (amount.currency !== applied.base) throw new CurrencyMismatchError(applied.base, amount.currency);
  if (applied.base === applied.quote) return amount.round();
  return Money.of(amount.amount.times(applied.rate), applied.quote).round();
}

/** convert() at a literal rate: `convertAt(Money.of('10.00','EUR'), 'USD', '1.0842')` is 10.84 USD. */
export function convertAt(amount: Money, to: string, rate: DecimalInput): Money {
  return convert(amount, { base: amount.currency, quote: assertCurrency(to), rate: parseRate(rate) });
}

/** The latest rate of the pair with effectiveAt at or before `at` (the table holds one rate per pair and instant). */
function latestOf(rates: readonly ExchangeRate[], base: string, quote: string, at: Date): ExchangeRate | undefined {
  let best: ExchangeRate | undefined;
  for (const r of rates) {
    if (r.base !== base || r.quote !== quote || r.effectiveAt.getTime() > at.getTime()) continue;
    if (best === undefined || r.effectiveAt.getTime() > best.effectiveAt.getTime()) best = r;
  }
  return best;
}

const ONE = new BillingDecimal(1);

/** The fresher of the direct and the inverted reverse rate of one leg (a tie: direct); `asOf` is its effective time. */
function legRate(rates: readonly ExchangeRate[], from: string, to: string, at: Date) {
  const direct = latestOf(rates, from, to, at);
  const reverse = latestOf(rates, to, from, at);
  if (direct && (!reverse || direct.effectiveAt.getTime() >= reverse.effectiveAt.getTime())) {
    return {
      rate: new BillingDecimal(direct.rate),
      legs: [direct],
      inverse: false,
      asOf: direct.effectiveAt.getTime(),
    };
  }
  if (reverse) {
    const rate = ONE.div(new BillingDecimal(reverse.rate));
    return { rate, legs: [reverse], inverse: true, asOf: reverse.effectiveAt.getTime() };
  }
  return undefined;
}

/**
 * The rate in force for base -> quote at `at` among `rates` (see the module comment for the rule), or
 * NoExchangeRateError. `rates` may hold any pairs and times; only those of the pair (or its legs) are considered.
 */
export function rateInForce(rates: readonly ExchangeRate[], base: string, quote: string, at: Date): AppliedRate {
  const from = assertCurrency(base);
  const to = assertCurrency(quote);
  if (from === to) return { base: from, quote: to, rate: ONE, method: 'identity', legs: [] };
  const one = legRate(rates, from, to, at);
  const viaPivot = from !== PIVOT_CURRENCY && to !== PIVOT_CURRENCY;
  const toPivot = viaPivot ? legRate(rates, from, PIVOT_CURRENCY, at) : undefined;
  const fromPivot = viaPivot ? legRate(rates, PIVOT_CURRENCY, to, at) : undefined;
  const crossAsOf = toPivot && fromPivot ? Math.min(toPivot.asOf, fromPivot.asOf) : undefined;
  if (one && (crossAsOf === undefined || one.asOf >= crossAsOf)) {
    return { base: from, quote: to, rate: one.rate, method: one.inverse ? 'inverse' : 'direct', legs: one.legs };
  }
  if (toPivot && fromPivot) {
    return {
      base: from,
      quote: to,
      rate: toPivot.rate.times(fromPivot.rate),
      method: 'cross',
      legs: [...toPivot.legs, ...fromPivot.legs],
    };
  }
  throw new NoExchangeRateError(from, to, at.toISOString());
}

/** An applied rate as the API shows it next to a converted figure. */
export interface AppliedRateJSON {
  base: string;
  quote: string;
  /** The rate applied, at RATE_SCALE + 6 decimals (an inverse or cross rate is not a short decimal). */
  rate: string;
  method: AppliedRate['method'];
  legs: Array<{ id: string | null; base: string; quote: string; rate: string; effectiveAt: string; source: string }>;
}

export function appliedRateToJSON(applied: AppliedRate): AppliedRateJSON {
  return {
    base: applied.base,
    quote: applied.quote,
    rate: applied.rate.toDecimalPlaces(RATE_SCALE + 6, BillingDecimal.ROUND_HALF_EVEN).toFixed(),
    method: applied.method,
    legs: applied.legs.map((l) => ({
      id: l.id ?? null,
      base: l.base,
      quote: l.quote,
      rate: new BillingDecimal(l.rate).toFixed(),
      effectiveAt: l.effectiveAt.toISOString(),
      source: l.source,
    })),
  };
}
