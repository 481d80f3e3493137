/**
 * When a payee's money may be paid out, and how much.
 *
 * - Security hold: each credit to the payee (its share of a work payment) is pending for the organization's hold
 *   (e.g. 5 days) after it was posted, then available. A credit posted exactly `holdDays` ago is available.
 * - available = balance - pending. The balance already carries every claw-back (a refund after a payout leaves it
 *   negative), so a negative balance is netted against the next credits as they become available: nothing is paid
 *   until the balance's available part is positive again.
 * - Schedule: weekly payouts on Mondays 00:00 UTC, monthly on the 1st 00:00 UTC, on_demand only when asked.
 * - Minimum: nothing is paid below the payee's minimum (or when nothing is available).
 */
import { Money } from './money.js';

export type PayoutScheduleKind = 'on_demand' | 'weekly' | 'monthly';

const DAY_MS = 86_400_000;

export interface PostedCredit {
  amount: Money;
  postedAt: Date;
}

export interface PayeeFunds {
  pending: Money;
  available: Money;
  /** When the earliest pending credit becomes available; null when none is pending. */
  nextReleaseAt: Date | null;
}

/** Splits `balance` (what the payee is owed) into what is still on hold at `at` and what is available. */
export function payeeFunds(balance: Money, credits: readonly PostedCredit[], at: Date, holdDays: number): PayeeFunds {
  let pending = Money.zero(balance.currency);
  let nextReleaseAt: number | null = null;
  for (const credit of credits) {
    const releaseAt = credit.postedAt.getTime() + holdDays * DAY_MS;
    if (releaseAt <= at.getTime() || !credit.amount.isPositive()) continue;
    pending = pending.add(credit.amount);
    nextReleaseAt = nextReleaseAt === null ? releaseAt : Math.min(nextReleaseAt, releaseAt);
  }
  return {
    pending,
    available: balance.subtract(pending),
    nextReleaseAt: nextReleaseAt === null ? null : new Date(nextReleaseAt),
  };
}

/** The first scheduled payout strictly after `after`; null for on_demand. */
export function nextScheduledPayout(schedule: PayoutScheduleKind, after: Date): Date | null {
  if (schedule === 'on_demand') return null;
  const y = after.getUTCFullYear();
  const m = after.getUTCMonth();
  const d = after.getUTCDate();
  if (schedule === 'monthly') return new Date(Date.UTC(y, m + 1, 1));
  // Days to the next Monday (getUTCDay: Sunday 0, Monday 1), a whole week when `after` is a Monday midnight or later.
  const daysAhead = (8 - after.getUTCDay()) % 7 || 7;
  return new Date(Date.UTC(y, m, d + daysAhead));
}

export type PayoutDecision =
  | { kind: 'pay'; amount: Money }
  | { kind: 'hold'; reason: 'nothing_available' | 'below_minimum' };

/** Pays everything available when it is positive and at least the minimum. */
export function payoutDecision(available: Money, minimum: Money): PayoutDecision {
  if (!available.isPositive()) return { kind: 'hold', reason: 'nothing_available' };
  if (available.lessThan(minimum)) return { kind: 'hold', reason: 'below_minimum' };
  return { kind: 'pay', amount: available };
}
