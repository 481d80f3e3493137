/**
 * The rule of the marketplace's double-entry ledger: a transaction's postings (debits positive, credits negative) are
 * in one currency, each a whole number of its minor units and not zero, and sum to exactly zero. The write path
 * (activities/marketplace/ledgerTransactions.ts) refuses anything else before it writes a row; the invariant checker
 * proves it of what was written.
 */
import { BillingDomainError } from './errors.js';
import { Money } from './money.js';

export class UnbalancedLedgerTransactionError extends BillingDomainError {
  readonly code = 'UNBALANCED_LEDGER_TRANSACTION' as const;
  constructor(reason: string) {
    super(`Unbalanced ledger transaction: ${reason}`, { reason });
  }
}

export interface Posting<A> {
  account: A;
  amount: Money;
}

/** The postings without zero amounts, after checking they balance; throws UnbalancedLedgerTransactionError. */
export function balancedPostings<A>(currency: string, postings: readonly Posting<A>[]): Posting<A>[] {
  const kept = postings.filter((p) => !p.amount.isZero());
  if (kept.length < 2) throw new UnbalancedLedgerTransactionError('a transaction needs two non-zero postings');
  for (const posting of kept) {
    if (posting.amount.currency !== currency) {
      throw new UnbalancedLedgerTransactionError(`a ${posting.amount.currency} posting in a ${currency} transaction`);
    }
    if (!posting.amount.isRounded()) {
      throw new UnbalancedLedgerTransactionError(`${posting.amount.toDisplayString()} is not whole minor units`);
    }
  }
  const sum = Money.sum(
    kept.map((p) => p.amount),
    currency,
  );
  if (!sum.isZero()) throw new UnbalancedLedgerTransactionError(`postings sum to ${sum.toDisplayString()}, not zero`);
  return kept;
}
