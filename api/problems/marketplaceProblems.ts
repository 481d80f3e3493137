// Problems of marketplace money: commission plans, split rules, payees, work payments, payouts and their ledger.
import { k, type ProblemKind } from './problemKind.js';

export const MARKETPLACE_PROBLEMS: Record<string, ProblemKind> = {
  INVALID_COMMISSION_PLAN: k(
    422,
    'Invalid commission plan',
    'The plan cannot be applied as written: a percent outside 0..100 or with more than 4 decimals, an amount finer ' +
      "than the currency's minor unit, tiers not increasing or not ending with an open tier, minimum above maximum. " +
      '`detail` names the first problem.',
    'Fix the plan as `detail` says; nothing was written.',
  ),
  INVALID_SPLIT_RULE: k(
    422,
    'Invalid split rule',
    'The shares do not sum to exactly 100, a share is not above 0, a party appears twice, or a payee split names the ' +
      'marketplace.',
    'Fix the shares as `detail` says; nothing was written.',
  ),
  INVALID_SPLIT_WINDOW: k(
    422,
    'Invalid split window',
    'validFrom is not before validUntil.',
    'Give a window that starts before it ends, or leave either end open.',
  ),
  INVALID_WORK_PAYMENT: k(
    422,
    'Invalid work payment',
    "The amount is not in the commission plan's currency, not positive, or finer than the currency's minor unit.",
    "Charge in the plan's currency, in whole minor units, or use a plan of the payment's currency.",
  ),
  UNBALANCED_LEDGER_TRANSACTION: k(
    500,
    'Unbalanced ledger transaction',
    'The platform refused to write a ledger transaction whose postings do not sum to zero; nothing was written.',
    'Report it with the request id: it is a defect of the platform, never of the request.',
  ),
  PAYOUT_DETAILS_INCOMPLETE: k(
    422,
    'Payout details incomplete',
    'A payout token was given without its payout provider, or a provider without a token.',
    'Send payoutProvider and payoutToken together, or neither.',
  ),
  UNKNOWN_PAYEE: k(
    422,
    'Unknown payee',
    "A payee named in the request (the payment's payeeId, or a party of a split rule) is not a payee of this " +
      'organization.',
    'Create the payee first (POST /api/marketplace/payees) and use its id.',
  ),
  UNKNOWN_ENTITY: k(
    422,
    'Unknown entity',
    'The entity named in the body is not an entity of this organization (or was deleted).',
    'Use the id of one of your entities.',
  ),
  UNKNOWN_COMMISSION_PLAN: k(
    422,
    'Unknown commission plan',
    'The commission plan named is not a plan of this organization.',
    'Create the plan first (POST /api/marketplace/commission-plans) and use its id.',
  ),
  UNKNOWN_SPLIT_RULE: k(
    422,
    'Unknown split rule',
    'A split rule named is not a rule of this organization.',
    'Create the rule first (POST /api/marketplace/split-rules) and use its id.',
  ),
  SPLIT_RULE_BASE_MISMATCH: k(
    422,
    'Split rule of the other kind',
    'A commission split was named as the payee split, or a payee split as the commission split.',
    'Name a payee_amount rule as payeeSplitRuleId and a commission rule as commissionSplitRuleId.',
  ),
  SPLIT_RULE_NOT_IN_FORCE: k(
    422,
    'Split rule not in force',
    'The split rule named is outside its validity window now (a referral share that ended, or has not begun).',
    'Leave the rule out, or name one in force.',
  ),
  WORK_PAYMENT_NOT_REFUNDABLE: k(
    409,
    'Work payment not refundable',
    'Only a succeeded work payment has something to refund.',
    'Read the work payment: a failed one took no money.',
  ),
};
