/**
 * Revenue-share split rules: several parties share an amount by percent.
 *
 * A rule applies either to the payee side of a work payment (`payee_amount`: an agency and its freelancer share what
 * the marketplace passes on) or to the marketplace's commission (`commission`: a referrer's share, the rest kept by the
 * marketplace, named by the party `MARKETPLACE_PARTY`). Shares are positive percents with at most 4 decimals and sum
 * to exactly 100; a party appears once.
 *
 * Remainder cents: each share is the amount times its percent, cut to the currency's minor unit; the cents left over
 * go one each to the shares with the largest cut-off remainders (largest-remainder method). Ties go to the larger
 * percent, then to the party whose id sorts first (plain code-unit order), so the result depends only on the set of
 * shares, not on the order a rule lists them, and the parts always sum to the amount exactly.
 */

import { parsePercent } from './commissionPlans.js';
import { BillingDomainError } from './errors.js';
import { BillingDecimal, type Money } from './money.js';

/** The marketplace itself as a party of a commission split. */
export const MARKETPLACE_PARTY = 'marketplace';

export type SplitBase = 'payee_amount' | 'commission';
export const SPLIT_BASES: readonly SplitBase[] = ['payee_amount', 'commission'];

export interface SplitShare {
  party: string;
  percent: string;
}

export interface SplitRuleDefinition {
  appliesTo: SplitBase;
  shares: readonly SplitShare[];
}

export class InvalidSplitRuleError extends BillingDomainError {
  readonly code = 'INVALID_SPLIT_RULE' as const;
  constructor(reason: string) {
    super(`Invalid split rule: ${reason}`, { reason });
  }
}

export interface SplitPart {
  party: string;
  amount: Money;
}

function splitError(reason: string): InvalidSplitRuleError {
  return new InvalidSplitRuleError(reason);
}

/** Validates a rule as stored and returns it normalised (percents as canonical decimal strings). */
export function parseSplitRule(input: unknown): SplitRuleDefinition {
  if (typeof input !== 'object' || input === null) throw splitError('a split rule is an object');
  const raw = input as Record<string, unknown>;
  if (!SPLIT_BASES.includes(raw.appliesTo as SplitBase)) {
    throw splitError(`appliesTo must be one of ${SPLIT_BASES.join(', ')}`);
  }
  const appliesTo = raw.appliesTo as SplitBase;
  if (!Array.isArray(raw.shares) || raw.shares.length === 0) throw splitError('a split rule needs at least one share');
  const seen = new Set<string>();
  let total = new BillingDecimal(0);
  const shares = (raw.shares as unknown[]).map((share, index) => {
    const { party, percent } = (share ?? {}) as Record<string, unknown>;
    if (typeof party !== 'string' || party.length === 0) throw splitError(`share ${index + 1} names no party`);
    if (seen.has(party)) throw splitError(`${party} has more than one share`);
    if (party === MARKETPLACE_PARTY && appliesTo !== 'commission') {
      throw splitError('only a commission split may name the marketplace');
    }
    seen.add(party);
    const value = parsePercent(percent, `share ${index + 1} percent`, splitError);
    if (!value.greaterThan(0)) throw splitError(`share ${index + 1} percent must be above 0`);
    total = total.plus(value);
    return { party, percent: value.toString() };
  });
  if (!total.equals(100)) throw splitError(`shares sum to ${total.toString()} %, not exactly 100 %`);
  return { appliesTo, shares };
}

/** Splits `amount` (a whole number of minor units, any sign) by the rule's shares; the parts sum to it exactly. */
export function splitAmount(amount: Money, rule: SplitRuleDefinition): SplitPart[] {
  const ordered = [...rule.shares].sort((a, b) => {
    const byPercent = parsePercent(b.percent, 'percent', splitError).comparedTo(
      parsePercent(a.percent, 'percent', splitError),
    );
    if (byPercent !== 0) return byPercent;
    return a.party < b.party ? -1 : a.party > b.party ? 1 : 0;
  });
  const parts = amount.allocate(ordered.map((share) => share.percent));
  const byParty = new Map(ordered.map((share, index) => [share.party, parts[index] as Money]));
  return rule.shares.map((share) => ({ party: share.party, amount: byParty.get(share.party) as Money }));
}
