/**
 * Refund rules. What may be returned on an invoice is what was paid on it minus what was already refunded (pending
 * refunds included: the provider may still pay them out). A refund is a positive whole number of the currency's minor
 * units, never more than that.
 *
 * A downgrade's credit refunded in cash (the organization's `refund` policy) is spread over the entity's paid invoices,
 * newest first, each up to what is still refundable on it; what no invoice can take stays a credit carried forward.
 */
import { BillingDomainError, InvalidAmountError } from './errors.js';
import { Money } from './money.js';

export class RefundExceedsPaidError extends BillingDomainError {
  readonly code = 'REFUND_EXCEEDS_PAID' as const;
  constructor(requested: Money, refundable: Money) {
    super(
      `A refund of ${requested.toDisplayString()} is more than the ${refundable.toDisplayString()} still refundable`,
      { requested: requested.toString(), refundable: refundable.toString(), currency: requested.currency },
    );
  }
}

/** What is still refundable: paid - refunded, never below zero. */
export function refundableAmount(paid: Money, refunded: Money): Money {
  return Money.max(paid.subtract(refunded), Money.zero(paid.currency));
}

/**
 * The amount a refund request returns: the whole refundable amount when none is asked for, else the request, which
 * must be positive, in whole minor units and no more than what is refundable.
 */
export function refundAmount(requested: Money | null, paid: Money, refunded: Money): Money {
  const refundable = refundableAmount(paid, refunded);
  const amount = requested ?? refundable;
  if (!amount.isPositive()) {
    throw new InvalidAmountError(
      requested ? 'a refund must be positive' : 'nothing is left to refund',
      amount.toString(),
    );
  }
  if (!amount.isRounded()) {
    throw new InvalidAmountError(`${amount.currency} has ${amount.minorUnitDigits} decimals`, amount.toString());
  }
  if (amount.greaterThan(refundable)) throw new RefundExceedsPaidError(amount, refundable);
  return amount;
}

export interface RefundTarget {
  id: string;
  refundable: Money;
}

export interface CreditAllocation {
  parts: Array<{ id: string; amount: Money }>;
  /** What no target could take (carried forward instead). */
  remainder: Money;
}

/** Spreads `credit` (positive, rounded) over `targets` in the given order (newest first), each up to its refundable. */
export function allocateCreditRefund(credit: Money, targets: readonly RefundTarget[]): CreditAllocation {
  if (credit.isNegative() || !credit.isRounded()) {
    throw new InvalidAmountError('a credit to refund is positive and rounded to the minor unit', credit.toString());
  }
  const parts: CreditAllocation['parts'] = [];
  let left = credit;
  for (const target of targets) {
    if (!left.isPositive()) break;
    const take = Money.min(left, Money.max(target.refundable, Money.zero(credit.currency)));
    if (!take.isPositive()) continue;
    parts.push({ id: target.id, amount: take });
    left = left.subtract(take);
  }
  return { parts, remainder: left };
}
