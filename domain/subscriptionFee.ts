import { type BillingPeriod, describePeriod } from './billingPeriods.js';
import type { Money } from './money.js';
import { type ProrationFraction, proratedLineAmount, segmentFraction } from './proration.js';
import { describeSeats, pricePerSeat, type SeatPlan, seatFee } from './seatPricing.js';

/**
 * The in-advance seat fee of a subscription for a span of one of its periods.
 *
 * One computation decides both the amount and the label, so they can never disagree:
 *   fraction = whole seconds of [from, to) / whole seconds of the schedule period `base` the span lies in
 *              (instants truncated to the second, as every proration: see proration.ts);
 *   whole    = the fraction is 1: the full fee (seats × price per seat), labelled with the period;
 *   partial  = the fraction is below 1: the full fee × fraction, rounded half-even to the minor unit, labelled
 *              "(partial period)". It equals the full fee only when the fraction rounds to it (a span a few seconds
 *              short of a month).
 * A span that starts a few milliseconds after the period (a workflow's clock) is therefore a whole period, charged
 * and labelled as one.
 */
export interface SubscriptionFee {
  amount: Money;
  /** Price of one seat for one whole period: the line's unit price. */
  unitAmount: Money;
  fraction: ProrationFraction;
  partial: boolean;
  description: string;
}

export function subscriptionFee(
  plan: SeatPlan,
  seats: number,
  base: BillingPeriod,
  span: BillingPeriod,
  timeZone: string,
): SubscriptionFee {
  const fraction = segmentFraction(base, span.start, span.end);
  const partial = fraction.seconds !== fraction.periodSeconds;
  const full = seatFee(plan, seats);
  const label = `${describeSeats({ plan, seats })}, ${describePeriod(span, timeZone)}`;
  return {
    amount: partial ? proratedLineAmount(full, fraction) : full,
    unitAmount: pricePerSeat(plan),
    fraction,
    partial,
    description: partial ? `${label} (partial period)` : label,
  };
}
