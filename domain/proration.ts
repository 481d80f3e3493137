import { type BillingPeriod, periodLengthSeconds } from './billingPeriods.js';
import { ChangeOutsidePeriodError, CurrencyMismatchError, InvalidSubscriptionChangeError } from './errors.js';
import type { InvoiceLineInput } from './invoiceComposition.js';
import { BillingDecimal, Money } from './money.js';
import { describeSeats, isSamePlan, pricePerSeat, type SeatState, stateFee } from './seatPricing.js';
import { formatInstantInZone } from './zonedTime.js';

/**
 * Proration policy.
 *
 * Fraction: a change at instant t inside the period [start, end) affects the remaining time
 * (end - t) / (end - start), counted in whole seconds; t is truncated to its second, so the second in which
 * the change happens counts as remaining. A change at `start` affects the whole period, one at the last second
 * affects 1 / periodSeconds of it; instants outside [start, end) are a ChangeOutsidePeriodError.
 *
 * Lines: every change produces up to two invoice lines, each computed from the same fraction and rounded
 * half-even to the minor unit on its own:
 *   - "Unused time on <old seats × plan> after <local date[ time]>": -(old fee × fraction), a credit;
 *   - "Remaining time on <new seats × plan> after <local date[ time]>": +(new fee × fraction), a charge.
 * The local time is shown when the change is not at the start of a local day ('after 15 Feb 2028 12:00').
 * Pause and immediate cancel produce only the credit, resume only the charge. Because a line depends only on
 * (fee, fraction) and half-even rounding is symmetric (round(-x) = -round(x)), a change and its reversal at the
 * same instant produce lines that cancel to exactly zero, and so do pause+resume at the same instant. A change
 * and its reversal hours apart on the same day net to the extra seats actually held for those hours (to the
 * second, within one minor unit per line): billing is by the second, not by the day.
 *
 * Settlement: the net of the lines decides what happens now.
 *   - net > 0 (seat increase, upgrade, resume): 'charge_now' - the customer starts using more right away, so
 *     the lines go on an invoice of their own, numbered and collected at once (activities/subscriptions/
 *     chargeNowInvoice.ts), not on the next period invoice.
 *   - net < 0 (seat decrease, downgrade, pause, immediate cancel): 'credit_next_invoice' - the lines stay
 *     pending and reduce the next invoice; a credit is never refunded in cash (see invoiceComposition.ts for a
 *     negative total).
 *   - net = 0: 'none'.
 *
 * Changes between plans of different intervals (monthly to yearly) are not prorated here: they end the current
 * subscription period (cancel with its credit) and start a new one, which the subscription layer does.
 * The period passed in must be the subscription's current period for its plan's interval.
 */

export interface ProrationFraction {
  /** Whole seconds of the period affected (remaining after the change, or the span of a segment). */
  seconds: number;
  /** Whole seconds in the period. */
  periodSeconds: number;
}

function toSecond(instant: Date): number {
  return Math.floor(instant.getTime() / 1000);
}

function assertInsidePeriod(period: BillingPeriod, at: Date): void {
  const t = at.getTime();
  if (!Number.isFinite(t) || t < period.start.getTime() || t >= period.end.getTime()) {
    throw new ChangeOutsidePeriodError(at, period.start, period.end);
  }
}

/** The share of `period` left from `at` (inclusive) to its end. */
export function remainingFraction(period: BillingPeriod, at: Date): ProrationFraction {
  assertInsidePeriod(period, at);
  return { seconds: toSecond(period.end) - toSecond(at), periodSeconds: periodLengthSeconds(period) };
}

/** The share of `period` covered by [from, to); `to` defaults to the period's end. */
export function segmentFraction(period: BillingPeriod, from: Date, to: Date = period.end): ProrationFraction {
  assertInsidePeriod(period, from);
  if (to.getTime() !== period.end.getTime()) assertInsidePeriod(period, to);
  if (to.getTime() < from.getTime()) {
    throw new InvalidSubscriptionChangeError('a segment cannot end before it starts');
  }
  return { seconds: toSecond(to) - toSecond(from), periodSeconds: periodLengthSeconds(period) };
}

/** The fraction as a decimal with `digits` places (half-even), as invoices show it: 16/31 -> '0.516129'. */
export function fractionToDecimal(fraction: ProrationFraction, digits = 6): string {
  return new BillingDecimal(fraction.seconds)
    .div(fraction.periodSeconds)
    .toDecimalPlaces(digits, BillingDecimal.ROUND_HALF_EVEN)
    .toFixed(digits);
}

/** A fraction as invoice lines carry it (metadata and API): the decimal shown and the exact seconds behind it. */
export interface FractionJSON {
  value: string;
  seconds: number;
  periodSeconds: number;
}

export function fractionToJSON(fraction: ProrationFraction): FractionJSON {
  return { value: fractionToDecimal(fraction), seconds: fraction.seconds, periodSeconds: fraction.periodSeconds };
}

/** amount × fraction, exact (not rounded). */
export function prorateAmount(amount: Money, fraction: ProrationFraction): Money {
  return amount.multiplyByFraction(fraction.seconds, fraction.periodSeconds);
}

/** amount × fraction rounded half-even to the minor unit: the value of one proration line. */
export function proratedLineAmount(amount: Money, fraction: ProrationFraction): Money {
  return prorateAmount(amount, fraction).round();
}

export type SubscriptionChange =
  /** Seats and/or plan change (upgrade, downgrade, seat increase or decrease). */
  | { kind: 'update'; from: SeatState; to: SeatState }
  | { kind: 'pause'; state: SeatState }
  | { kind: 'resume'; state: SeatState }
  /** Immediate cancel; cancel at period end needs no proration. */
  | { kind: 'cancel'; state: SeatState };

export type ProrationReason =
  | 'seat_increase'
  | 'seat_decrease'
  | 'upgrade'
  | 'downgrade'
  | 'plan_change'
  | 'no_change'
  | 'pause'
  | 'resume'
  | 'cancel';

export type ProrationSettlement = 'charge_now' | 'credit_next_invoice' | 'none';

export interface ProrationLine extends InvoiceLineInput {
  kind: 'proration';
  /** Rounded to the minor unit. */
  amount: Money;
  direction: 'credit' | 'charge';
  /** Price of one seat for the whole period, of the plan the line is about. */
  unitAmount: Money;
  seats: number;
  planName: string;
  /** Start of the span the line covers: the change instant, truncated to the second. */
  periodStart: Date;
  periodEnd: Date;
}

export interface Proration {
  reason: ProrationReason;
  at: Date;
  period: BillingPeriod;
  fraction: ProrationFraction;
  currency: string;
  lines: ProrationLine[];
  /** Sum of the (rounded) lines. */
  net: Money;
  settlement: ProrationSettlement;
}

export interface ProrationContext {
  /** The subscription's current period. */
  period: BillingPeriod;
  /** When the change takes effect; the caller passes "now" (domain code never reads the clock). */
  at: Date;
  /** The entity's IANA time zone, for line descriptions. */
  timeZone: string;
}

function classify(change: SubscriptionChange): ProrationReason {
  if (change.kind !== 'update') return change.kind;
  const { from, to } = change;
  if (isSamePlan(from.plan, to.plan)) {
    if (to.seats === from.seats) return 'no_change';
    return to.seats > from.seats ? 'seat_increase' : 'seat_decrease';
  }
  const c = stateFee(to).compare(stateFee(from));
  return c > 0 ? 'upgrade' : c < 0 ? 'downgrade' : 'plan_change';
}

const SUFFIX: Partial<Record<ProrationReason, string>> = {
  pause: ' (paused)',
  resume: ' (resumed)',
  cancel: ' (canceled)',
};

/** The proration lines a subscription change causes, with the policy documented at the top of this file. */
export function prorateChange(change: SubscriptionChange, context: ProrationContext): Proration {
  const { period, at, timeZone } = context;
  const before = change.kind === 'update' ? change.from : change.kind === 'resume' ? null : change.state;
  const after = change.kind === 'update' ? change.to : change.kind === 'resume' ? change.state : null;

  const currency = (before ?? after)?.plan.currency;
  if (currency === undefined) throw new InvalidSubscriptionChangeError('a change needs a subscription state');
  if (before !== null && after !== null) {
    if (before.plan.currency !== after.plan.currency) {
      throw new CurrencyMismatchError(before.plan.currency, after.plan.currency);
    }
    if (before.plan.interval !== after.plan.interval) {
      throw new InvalidSubscriptionChangeError(
        `cannot prorate a change from a ${before.plan.interval}ly to a ${after.plan.interval}ly plan; start a new period`,
      );
    }
  }

  const fraction = remainingFraction(period, at);
  const reason = classify(change);
  const effective = new Date(toSecond(at) * 1000);
  // The local date, and the time too when the change is not at the start of a day: the line says what was billed.
  const when = formatInstantInZone(at, timeZone);
  const suffix = SUFFIX[reason] ?? '';

  const lines: ProrationLine[] = [];
  if (reason !== 'no_change') {
    if (before !== null) {
      lines.push({
        kind: 'proration',
        direction: 'credit',
        description: `Unused time on ${describeSeats(before)} after ${when}${suffix}`,
        amount: proratedLineAmount(stateFee(before), fraction).negate(),
        unitAmount: pricePerSeat(before.plan),
        quantity: String(before.seats),
        seats: before.seats,
        planName: before.plan.name,
        periodStart: effective,
        periodEnd: period.end,
      });
    }
    if (after !== null) {
      lines.push({
        kind: 'proration',
        direction: 'charge',
        description: `Remaining time on ${describeSeats(after)} after ${when}${suffix}`,
        amount: proratedLineAmount(stateFee(after), fraction),
        unitAmount: pricePerSeat(after.plan),
        quantity: String(after.seats),
        seats: after.seats,
        planName: after.plan.name,
        periodStart: effective,
        periodEnd: period.end,
      });
    }
  }

  const net = Money.sum(
    lines.map((line) => line.amount),
    currency,
  );
  const settlement: ProrationSettlement = net.isPositive()
    ? 'charge_now'
    : net.isNegative()
      ? 'credit_next_invoice'
      : 'none';
  return { reason, at, period, fraction, currency, lines, net, settlement };
}
