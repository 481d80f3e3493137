// The exchange rate in force for a pair at an instant, from the organization's rates table: the pair's latest rate at
// or before the instant, else the inverse of the reverse pair's, else a cross rate through EUR (the rule is
// domain/currencyConversion.ts rateInForce; this reads only the at most six rows it can use). No rate: 422
// NO_EXCHANGE_RATE, before anything is written.
import { type AppliedRate, type ExchangeRate, PIVOT_CURRENCY, rateInForce } from '../../domain/currencyConversion.js';
import { isBillingDomainError } from '../../domain/errors.js';
import type { Db, Prisma } from '../db.js';
import { UnprocessableError } from '../resourceErrors.js';

type Tx = Prisma.TransactionClient;

function pairsFor(base: string, quote: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    [base, quote],
    [quote, base],
  ];
  if (base !== PIVOT_CURRENCY && quote !== PIVOT_CURRENCY) {
    pairs.push([base, PIVOT_CURRENCY], [PIVOT_CURRENCY, base], [PIVOT_CURRENCY, quote], [quote, PIVOT_CURRENCY]);
  }
  return pairs;
}

/** The latest stored rate of each pair the conversion base -> quote could use, at or before `at`. */
export async function candidateRates(
  db: Db | Tx,
  organizationId: string,
  base: string,
  quote: string,
  at: Date,
): Promise<ExchangeRate[]> {
  const rates: ExchangeRate[] = [];
  if (base === quote) return rates;
  for (const [b, q] of pairsFor(base, quote)) {
    const row = await db.exchangeRate.findFirst({
      where: { organizationId, base: b, quote: q, effectiveAt: { lte: at } },
      orderBy: { effectiveAt: 'desc' },
    });
    if (row) {
      rates.push({
        id: row.id,
        base: row.base,
        quote: row.quote,
        rate: row.rate.toString(),
        effectiveAt: row.effectiveAt,
        source: row.source,
      });
    }
  }
  return rates;
}

/** The rate base -> quote in force at `at`, or 422 NO_EXCHANGE_RATE (UNKNOWN_CURRENCY for an unknown code). */
export async function loadRateInForce(
  db: Db | Tx,
  organizationId: string,
  base: string,
  quote: string,
  at: Date,
): Promise<AppliedRate> {
  const rates = await candidateRates(db, organizationId, base, quote, at);
  try {
    return rateInForce(rates, base, quote, at);
  } catch (err) {
    if (isBillingDomainError(err)) throw new UnprocessableError(err.code, err.message);
    throw err;
  }
}

/** A given rate (from a request) as an applied one: validated like a posted rate, recorded as source "request". */
export function requestRate(base: string, quote: string, rate: string, at: Date): AppliedRate {
  return rateInForce([{ base, quote, rate, effectiveAt: at, source: 'request' }], base, quote, at);
}
