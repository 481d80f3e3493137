/**
 * Where a client's payment for work goes: the marketplace's commission (by its commission plan), the referrer's
 * part of that commission (a `commission` split rule), and the rest to the payees (a `payee_amount` split rule, or
 * the freelancer alone). Every part is a whole number of minor units and the parts sum to the payment exactly:
 *   payment = marketplace revenue + sum(payee lines).
 *
 * A refund claws back the same proportions: `clawBack` spreads what has been refunded so far over the original lines
 * (largest remainder, revenueShare.ts's rule for ties) and takes the difference from what earlier refunds took, so a
 * payment refunded in several steps is clawed back to exactly its original lines once fully refunded.
 */
import type { CommissionPlan } from './commissionPlans.js';
import { InvalidWorkPaymentError } from './commissionPlans.js';
import { Money } from './money.js';
import { MARKETPLACE_PARTY, type SplitRuleDefinition, splitAmount } from './revenueShare.js';

export type AllocationLineKind = 'marketplace_revenue' | 'payee_earnings' | 'referral_share';

export interface AllocationLine {
  kind: AllocationLineKind;
  /** The payee's id; MARKETPLACE_PARTY for the marketplace's revenue. */
  party: string;
  amount: Money;
}

export interface WorkPaymentAllocation {
  payment: Money;
  commission: Money;
  lines: AllocationLine[];
}

export interface WorkPaymentTerms {
  payment: Money;
  /** The pair's earlier billings (gross), which place the payment on a sliding plan's tiers. */
  priorBillings: Money;
  plan: CommissionPlan;
  /** The freelancer paid when there is no payee split. */
  freelancerPayeeId: string;
  payeeSplit?: SplitRuleDefinition | null;
  commissionSplit?: SplitRuleDefinition | null;
}

export function allocateWorkPayment(terms: WorkPaymentTerms): WorkPaymentAllocation {
  const { payment } = terms;
  const commission = terms.plan.commission(payment, terms.priorBillings);
  const toPayees = payment.subtract(commission);
  const lines: AllocationLine[] = [];

  const commissionParts = terms.commissionSplit
    ? splitAmount(commission, assertBase(terms.commissionSplit, 'commission'))
    : [{ party: MARKETPLACE_PARTY, amount: commission }];
  const revenue = commissionParts.find((p) => p.party === MARKETPLACE_PARTY)?.amount ?? Money.zero(payment.currency);
  lines.push({ kind: 'marketplace_revenue', party: MARKETPLACE_PARTY, amount: revenue });

  const payeeParts = terms.payeeSplit
    ? splitAmount(toPayees, assertBase(terms.payeeSplit, 'payee_amount'))
    : [{ party: terms.freelancerPayeeId, amount: toPayees }];
  for (const part of payeeParts) lines.push({ kind: 'payee_earnings', party: part.party, amount: part.amount });
  for (const part of commissionParts) {
    if (part.party !== MARKETPLACE_PARTY)
      lines.push({ kind: 'referral_share', party: part.party, amount: part.amount });
  }
  return { payment, commission, lines };
}

function assertBase(rule: SplitRuleDefinition, base: SplitRuleDefinition['appliesTo']): SplitRuleDefinition {
  if (rule.appliesTo !== base) {
    throw new InvalidWorkPaymentError(`a split rule for ${rule.appliesTo} was given where one for ${base} belongs`);
  }
  return rule;
}

/**
 * What a refund takes back from each line: the lines' share of everything refunded so far (`refundedBefore` +
 * `refund`) minus their share of what was refunded before. Same order as `allocation.lines`; sums to `refund`.
 */
export function clawBack(allocation: WorkPaymentAllocation, refundedBefore: Money, refund: Money): Money[] {
  const after = refundedBefore.add(refund);
  if (!refund.isPositive() || refundedBefore.isNegative() || after.greaterThan(allocation.payment)) {
    throw new InvalidWorkPaymentError(
      `a refund is positive and all refunds together at most the payment ${allocation.payment.toDisplayString()}`,
      refund.toString(),
    );
  }
  const ratios = allocation.lines.map((line) => line.amount.amount.toString());
  const share = (total: Money) =>
    total.isZero() ? allocation.lines.map(() => Money.zero(total.currency)) : total.allocate(ratios);
  const before = share(refundedBefore);
  return share(after).map((part, index) => part.subtract(before[index] as Money));
}
