import { type BillingInterval, type BillingPeriod, describePeriod } from './billingPeriods.js';
import { assertCurrency, type CurrencyCode } from './currencies.js';
import { InvalidAmountError, InvalidPriceDefinitionError, InvalidQuantityError } from './errors.js';
import type { InvoiceLineInput } from './invoiceComposition.js';
import { Money, toUnitPrice } from './money.js';

/**
 * Seat subscriptions: a plan's price per seat per billing interval, times the number of seats.
 * Subscription fees are charged in advance for the whole period; mid-period changes go through proration.ts.
 * The fee returned here is exact; the invoice line that carries it is rounded by invoice composition.
 */

export interface SeatPlan {
  /** Stable identity of the plan (the SeatPlan row id); compared to tell a plan change from a seat change. */
  id?: string;
  /** Shown on invoice lines, e.g. 'Pro'. */
  name: string;
  interval: BillingInterval;
  /** Price of one seat for one whole interval, at most 6 decimals. */
  pricePerSeat: string;
  currency: CurrencyCode;
}

export interface SeatState {
  plan: SeatPlan;
  /** Non-negative integer. */
  seats: number;
}

export function assertSeats(seats: number): number {
  if (!Number.isSafeInteger(seats) || seats < 0) {
    throw new InvalidQuantityError('seats must be a non-negative integer', String(seats));
  }
  return seats;
}

/** The price of one seat for one whole period, as Money (validated). */
export function pricePerSeat(plan: SeatPlan): Money {
  try {
    return Money.of(toUnitPrice(plan.pricePerSeat), assertCurrency(plan.currency));
  } catch (error) {
    if (error instanceof InvalidAmountError) throw new InvalidPriceDefinitionError(error.message, plan.name);
    throw error;
  }
}

/** Fee for `seats` seats for one whole period of the plan's interval. Exact (at most 6 decimals). */
export function seatFee(plan: SeatPlan, seats: number): Money {
  return pricePerSeat(plan).multiply(assertSeats(seats));
}

export function stateFee(state: SeatState): Money {
  return seatFee(state.plan, state.seats);
}

export function intervalAdjective(interval: BillingInterval): string {
  return interval === 'month' ? 'monthly' : 'yearly';
}

/** '12 × Pro (monthly)' */
export function describeSeats(state: SeatState): string {
  return `${assertSeats(state.seats)} × ${state.plan.name} (${intervalAdjective(state.plan.interval)})`;
}

/**
 * Whether two plan states differ only in seats. Ids decide identity when both have one, but a price, interval or
 * currency difference always counts as a plan change, so a re-priced plan version is never silently ignored.
 */
export function isSamePlan(a: SeatPlan, b: SeatPlan): boolean {
  const sameIdentity = a.id !== undefined && b.id !== undefined ? a.id === b.id : a.name === b.name;
  return (
    sameIdentity && a.interval === b.interval && a.currency === b.currency && pricePerSeat(a).equals(pricePerSeat(b))
  );
}

/** The in-advance fee line for a whole period: '12 × Pro (monthly), 1 Mar 2026 – 31 Mar 2026'. */
export function subscriptionFeeLine(state: SeatState, period: BillingPeriod, timeZone: string): InvoiceLineInput {
  return {
    kind: 'subscription_fee',
    description: `${describeSeats(state)}, ${describePeriod(period, timeZone)}`,
    amount: stateFee(state),
    quantity: String(state.seats),
    periodStart: period.start,
    periodEnd: period.end,
  };
}
