import type { Decimal } from 'decimal.js';
import type { CreditDraw, DrawdownPlan } from './creditDrawdown.js';
import { BillingDecimal } from './money.js';

/**
 * What happens to one metered event, once it is known to be valid (a member, a priced event type): the billing
 * policy of the metering path, in the order it is applied.
 *
 *   1. the entity is suspended               -> rejected ENTITY_SUSPENDED (not rated: nothing is drawn or counted)
 *   2. the event is rated (incrementally, against the period's tier counter; by the caller)
 *   3. a positive amount would take the member's spend this period over their credit limit
 *                                            -> rejected USER_CREDIT_LIMIT_EXCEEDED (the limit is reached)
 *   4. a positive amount is drawn from the usable credit grants; a shortfall under overage policy `reject`
 *                                            -> rejected INSUFFICIENT_CREDITS (nothing drawn)
 *      under policy `bill` the credits cover what they can and the shortfall is billed later
 *   5. a negative amount (a volume-tier crossing lowers the period's total) is credited on the next invoice;
 *      credits already drawn are not refunded
 *
 * Accepted events always satisfy rated = drawn + billedLater.
 */

export type MeteringRejection = 'ENTITY_SUSPENDED' | 'USER_CREDIT_LIMIT_EXCEEDED' | 'INSUFFICIENT_CREDITS';

export interface MeteringDecisionInput {
  entityStatus: 'active' | 'suspended';
  overagePolicy: 'reject' | 'bill';
  /** The event's incremental amount; called only when the entity is not suspended. */
  rate: () => Decimal;
  /** The member's limit per period, null for none. */
  creditLimit: Decimal | null;
  /** What the member spent in the event's period before this event. */
  spent: Decimal;
  /** The draw-down plan for an amount from the entity's usable grants (not applied: the caller applies it). */
  planDraw: (amount: Decimal) => DrawdownPlan;
}

export type MeteringDecision =
  | {
      status: 'rejected';
      code: MeteringRejection;
      /** What the event would have cost (zero when not rated). */
      rated: Decimal;
      /** True when this rejection means the member reached their limit (user.credit_limit_reached). */
      limitReached: boolean;
    }
  | {
      status: 'accepted';
      rated: Decimal;
      /** The plan to apply to the grants, null when nothing is drawn. */
      plan: DrawdownPlan | null;
      draws: CreditDraw[];
      drawn: Decimal;
      /** Billed on the next invoice: the shortfall (policy bill), or a negative volume-tier credit. */
      billedLater: Decimal;
      /** True when the member's spend reaches their limit with this event. */
      limitReached: boolean;
    };

const ZERO = new BillingDecimal(0);

export function decideMeteredEvent(input: MeteringDecisionInput): MeteringDecision {
  if (input.entityStatus === 'suspended') {
    return { status: 'rejected', code: 'ENTITY_SUSPENDED', rated: ZERO, limitReached: false };
  }
  const rated = input.rate();
  const limit = input.creditLimit;
  if (limit !== null && rated.greaterThan(0) && input.spent.plus(rated).greaterThan(limit)) {
    return { status: 'rejected', code: 'USER_CREDIT_LIMIT_EXCEEDED', rated, limitReached: true };
  }
  const reachesLimit = limit !== null && input.spent.plus(rated).greaterThanOrEqualTo(limit);
  if (rated.greaterThan(0)) {
    const plan = input.planDraw(rated);
    if (plan.shortfall.greaterThan(0) && input.overagePolicy === 'reject') {
      return { status: 'rejected', code: 'INSUFFICIENT_CREDITS', rated, limitReached: false };
    }
    return {
      status: 'accepted',
      rated,
      plan,
      draws: plan.draws,
      drawn: plan.drawn,
      billedLater: plan.shortfall,
      limitReached: reachesLimit,
    };
  }
  return {
    status: 'accepted',
    rated,
    plan: null,
    draws: [],
    drawn: ZERO,
    billedLater: rated.lessThan(0) ? rated : ZERO,
    limitReached: reachesLimit,
  };
}
