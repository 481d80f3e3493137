/**
 * Marketplace commission: what the marketplace keeps of a client's payment for work.
 *
 * Plan kinds (an organization's plan is stored as JSON; `parseCommissionPlan` validates it on write):
 * - percentage: `percent` of the payment.
 * - flat: a fixed `amount` per payment (never more than the payment itself).
 * - sliding: graduated tiers over the lifetime billings of one client-freelancer pair, e.g. 20 % of the first 500.00,
 *   10 % up to 10,000.00, 5 % above. `upTo` is an inclusive bound of cumulative billings and the last tier is open;
 *   a payment that crosses an edge is split across the tiers it spans, like graduated pricing.
 * percentage and sliding plans may carry a per-payment `minimum` and `maximum` commission; the minimum never takes
 * more than the payment.
 *
 * Rounding, and why it is this way: the commission of one payment is the difference of the plan's cumulative
 * commission on the pair's billings after and before it, each rounded once to the currency's minor unit,
 * half-up. The pair's commissions therefore always add up to the plan applied once to their total, whatever the
 * order or size of the payments (no cent drifts from splitting a job into milestones), and a tier edge is exact:
 * a payment that ends on an edge pays exactly the tier's rate. Half-up rather than the half-even of invoice lines
 * because half-up moves by exactly one whole unit per whole unit added, so a payment's commission can never exceed
 * the payment. `minimum`/`maximum` clamp each payment on its own, so with them the sum depends on how the
 * work was split: the caller asked for a per-payment bound.
 *
 * Lifetime billings of a pair are the sum of its earlier work payments, gross (a refund does not move the pair
 * back down the tiers: the commission refunded with it is clawed back proportionally instead).
 */
import { Decimal } from 'decimal.js';
import { assertCurrency, minorUnitDigits } from './currencies.js';
import { BillingDomainError } from './errors.js';
import { BillingDecimal, Money, toDecimal } from './money.js';

/** Percent rates carry at most this many decimals (12.3456 %). */
export const PERCENT_SCALE = 4;

export interface CommissionTier {
  /** Inclusive upper bound of the pair's cumulative billings; null for the open last tier. */
  upTo: string | null;
  percent: string;
}

export type CommissionPlanDefinition =
  | { kind: 'percentage'; currency: string; percent: string; minimum?: string | null; maximum?: string | null }
  | { kind: 'flat'; currency: string; amount: string }
  | {
      kind: 'sliding';
      currency: string;
      tiers: readonly CommissionTier[];
      minimum?: string | null;
      maximum?: string | null;
    };

export type CommissionPlanKind = CommissionPlanDefinition['kind'];
export const COMMISSION_PLAN_KINDS: readonly CommissionPlanKind[] = ['percentage', 'flat', 'sliding'];

export class InvalidCommissionPlanError extends BillingDomainError {
  readonly code = 'INVALID_COMMISSION_PLAN' as const;
  constructor(reason: string) {
    super(`Invalid commission plan: ${reason}`, { reason });
  }
}

export class InvalidWorkPaymentError extends BillingDomainError {
  readonly code = 'INVALID_WORK_PAYMENT' as const;
  constructor(reason: string, value?: string) {
    super(`Invalid work payment: ${reason}`, value === undefined ? { reason } : { reason, value });
  }
}

interface CompiledTier {
  from: Decimal;
  upTo: Decimal | null;
  rate: Decimal;
}

/** A validated plan: commission of a payment given the pair's earlier billings. */
export interface CommissionPlan {
  readonly definition: CommissionPlanDefinition;
  readonly currency: string;
  /** Commission of `payment` when the pair has already billed `priorBillings` (both in the plan's currency). */
  commission(payment: Money, priorBillings: Money): Money;
}

/** Parses a percent: 0..100, at most PERCENT_SCALE decimals. Shared with split rules. */
export function parsePercent(value: unknown, what: string, onError: (reason: string) => Error): Decimal {
  if (typeof value !== 'string') throw onError(`${what} must be a decimal string`);
  let d: Decimal;
  try {
    d = toDecimal(value);
  } catch {
    throw onError(`${what} ${JSON.stringify(value)} is not a decimal`);
  }
  if (d.isNegative() || d.greaterThan(100)) throw onError(`${what} ${value} is outside 0..100`);
  if (d.decimalPlaces() > PERCENT_SCALE) throw onError(`${what} ${value} has more than ${PERCENT_SCALE} decimals`);
  return d;
}

function planError(reason: string): InvalidCommissionPlanError {
  return new InvalidCommissionPlanError(reason);
}

function parseAmount(value: unknown, what: string, currency: string): Money {
  if (typeof value !== 'string') throw planError(`${what} must be a decimal string`);
  let amount: Money;
  try {
    amount = Money.of(value, currency);
  } catch {
    throw planError(`${what} ${JSON.stringify(value)} is not a decimal`);
  }
  if (amount.isNegative()) throw planError(`${what} cannot be negative`);
  if (!amount.isRounded()) throw planError(`${what} ${value} has more than ${amount.minorUnitDigits} decimals`);
  return amount;
}

function optionalAmount(value: unknown, what: string, currency: string): Money | null {
  return value === undefined || value === null ? null : parseAmount(value, what, currency);
}

function compileTiers(tiers: unknown, currency: string): CompiledTier[] {
  if (!Array.isArray(tiers) || tiers.length === 0) throw planError('a sliding plan needs at least one tier');
  const compiled: CompiledTier[] = [];
  let from = new BillingDecimal(0);
  tiers.forEach((entry: unknown, index) => {
    const tier = (entry ?? {}) as CommissionTier;
    const last = index === tiers.length - 1;
    const rate = parsePercent(tier.percent, `tier ${index + 1} percent`, planError).div(100);
    if (last) {
      if (tier.upTo !== null) throw planError('the last tier is open (upTo: null)');
      compiled.push({ from, upTo: null, rate });
      return;
    }
    if (tier.upTo === null) throw planError(`only the last tier is open; tier ${index + 1} needs upTo`);
    const upTo = parseAmount(tier.upTo, `tier ${index + 1} upTo`, currency).amount;
    if (!upTo.greaterThan(from)) throw planError(`tier ${index + 1} upTo must be above the previous tier's`);
    compiled.push({ from, upTo, rate });
    from = upTo;
  });
  return compiled;
}

/** The plan's exact (unrounded) commission on cumulative billings `x`. */
function cumulative(tiers: readonly CompiledTier[], x: Decimal): Decimal {
  let total = new BillingDecimal(0);
  for (const tier of tiers) {
    if (!x.greaterThan(tier.from)) break;
    const top = tier.upTo === null ? x : BillingDecimal.min(x, tier.upTo);
    total = total.plus(top.minus(tier.from).times(tier.rate));
  }
  return total;
}

function assertPaymentInputs(currency: string, payment: Money, priorBillings: Money): void {
  if (payment.currency !== currency || priorBillings.currency !== currency) {
    throw new InvalidWorkPaymentError(
      `the plan is in ${currency}, the payment in ${payment.currency}`,
      payment.toDisplayString(),
    );
  }
  if (!payment.isPositive()) throw new InvalidWorkPaymentError('a payment is positive', payment.toString());
  if (!payment.isRounded()) {
    throw new InvalidWorkPaymentError(`${currency} has ${payment.minorUnitDigits} decimals`, payment.toString());
  }
  if (priorBillings.isNegative() || !priorBillings.isRounded()) {
    throw new InvalidWorkPaymentError('prior billings are a non-negative rounded amount', priorBillings.toString());
  }
}

/**
 * Validates a plan as stored (JSON) and compiles it. Throws InvalidCommissionPlanError naming the first problem:
 * unknown kind or currency, a percent outside 0..100 or with more than 4 decimals, amounts that are negative or
 * finer than the currency's minor unit, tiers out of order or not ending open, minimum above maximum.
 */
export function parseCommissionPlan(input: unknown): CommissionPlan {
  if (typeof input !== 'object' || input === null) throw planError('a plan is an object');
  const raw = input as Record<string, unknown>;
  let currency: string;
  try {
    currency = assertCurrency(String(raw.currency));
  } catch {
    throw planError(`unknown currency ${JSON.stringify(raw.currency)}`);
  }
  const digits = minorUnitDigits(currency);
  const round = (d: Decimal) => d.toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);

  if (raw.kind === 'flat') {
    if (raw.minimum != null || raw.maximum != null) throw planError('a flat plan has no minimum or maximum');
    const amount = parseAmount(raw.amount, 'amount', currency);
    const definition: CommissionPlanDefinition = { kind: 'flat', currency, amount: amount.toString() };
    return {
      definition,
      currency,
      commission(payment, priorBillings) {
        assertPaymentInputs(currency, payment, priorBillings);
        return Money.min(amount, payment);
      },
    };
  }

  let tiers: CompiledTier[];
  let definition: CommissionPlanDefinition;
  const minimum = optionalAmount(raw.minimum, 'minimum', currency);
  const maximum = optionalAmount(raw.maximum, 'maximum', currency);
  if (minimum && maximum && minimum.greaterThan(maximum)) throw planError('minimum is above maximum');
  const bounds = { minimum: minimum?.toString() ?? null, maximum: maximum?.toString() ?? null };
  if (raw.kind === 'percentage') {
    const percent = parsePercent(raw.percent, 'percent', planError);
    tiers = [{ from: new BillingDecimal(0), upTo: null, rate: percent.div(100) }];
    definition = { kind: 'percentage', currency, percent: percent.toString(), ...bounds };
  } else if (raw.kind === 'sliding') {
    tiers = compileTiers(raw.tiers, currency);
    definition = {
      kind: 'sliding',
      currency,
      tiers: (raw.tiers as CommissionTier[]).map((t) => ({
        upTo: t.upTo === null ? null : Money.of(t.upTo, currency).toString(),
        percent: toDecimal(t.percent).toString(),
      })),
      ...bounds,
    };
  } else {
    throw planError(`unknown kind ${JSON.stringify(raw.kind)} (one of ${COMMISSION_PLAN_KINDS.join(', ')})`);
  }

  return {
    definition,
    currency,
    commission(payment, priorBillings) {
      assertPaymentInputs(currency, payment, priorBillings);
      const before = round(cumulative(tiers, priorBillings.amount));
      const after = round(cumulative(tiers, priorBillings.amount.plus(payment.amount)));
      let commission = Money.of(after.minus(before), currency);
      if (minimum) commission = Money.max(commission, minimum);
      if (maximum) commission = Money.min(commission, maximum);
      return Money.min(commission, payment);
    },
  };
}
