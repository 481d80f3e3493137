// Cost recommendations for one entity, computed from what its billing already shows: seats bought but not used,
// a credit package that would have cost less than the usage billed beyond credits, members close to their spending
// limit, and prepaid credits that will expire before the current burn rate uses them. Each carries the numbers it
// was computed from, so a reader (ops or the entity's admin) can check it by hand.
//
// Pure: the caller gathers the facts (activities/recommendations/entityRecommendations.ts) and passes the clock.
import { BillingDecimal, type Decimal, Money } from './money.js';

const DAY_MS = 86_400_000;

export interface SeatFacts {
  subscriptionId: string;
  planName: string;
  seatsPurchased: number;
  /** Seats in use at each observation over the last periods (most recent last); at least one. */
  seatsUsed: readonly number[];
  /** Price of one seat for one whole period. */
  seatPrice: string;
}

export interface PackageFacts {
  id: string;
  name: string;
  credits: string;
  price: string;
  currency: string;
  active: boolean;
}

export interface MemberSpendFacts {
  userId: string;
  name: string | null;
  spent: string;
  creditLimit: string | null;
}

export interface GrantFacts {
  id: string;
  remaining: string;
  expiresAt: Date | null;
}

export interface RecommendationFacts {
  currency: string;
  now: Date;
  seats: readonly SeatFacts[];
  /** Usage billed on top of prepaid credits over the last closed period. */
  overageBilled: string;
  packages: readonly PackageFacts[];
  members: readonly MemberSpendFacts[];
  /** Grants with credits left, in draw order (earliest expiry first: the order metering draws them in). */
  grants: readonly GrantFacts[];
  /** Credits consumed per day at the current pace (activities/analytics/creditBurnRate.ts). */
  burnRatePerDay: string;
}

export interface RecommendationOptions {
  /** A member is "near" their limit at this share of it spent (default 0.8). */
  nearLimitShare?: string;
  /** Only grants expiring within this many days are considered (default 90). */
  expiryHorizonDays?: number;
}

export type Recommendation =
  | {
      kind: 'reduce_seats';
      subscriptionId: string;
      summary: string;
      numbers: {
        seatsPurchased: number;
        maxSeatsUsed: number;
        observations: number;
        reduceTo: number;
        seatPrice: string;
        savingPerPeriod: string;
      };
    }
  | {
      kind: 'buy_credit_package';
      packageId: string;
      summary: string;
      numbers: { overageBilled: string; packagePrice: string; packageCredits: string; saving: string };
    }
  | {
      kind: 'user_near_limit';
      userId: string;
      summary: string;
      numbers: { spent: string; creditLimit: string; remaining: string; shareUsed: string };
    }
  | {
      kind: 'credits_expiring_unused';
      grantId: string;
      summary: string;
      numbers: {
        remaining: string;
        expiresAt: string;
        daysUntilExpiry: string;
        burnRatePerDay: string;
        projectedUse: string;
        projectedUnused: string;
      };
    };

export function recommendations(facts: RecommendationFacts, opts: RecommendationOptions = {}): Recommendation[] {
  return [
    ...seatRecommendations(facts),
    ...packageRecommendation(facts),
    ...nearLimitRecommendations(facts, opts.nearLimitShare ?? '0.8'),
    ...expiringCreditRecommendations(facts, opts.expiryHorizonDays ?? 90),
  ];
}

/** Reduce to the most seats used at any observation; the saving is the unused seats at the seat price. */
export function seatRecommendations(facts: Pick<RecommendationFacts, 'currency' | 'seats'>): Recommendation[] {
  return facts.seats.flatMap((s) => {
    if (s.seatsUsed.length === 0) return [];
    const maxUsed = Math.max(...s.seatsUsed);
    if (maxUsed >= s.seatsPurchased) return [];
    const reduceTo = Math.max(maxUsed, 1);
    if (reduceTo >= s.seatsPurchased) return [];
    const price = Money.of(s.seatPrice, facts.currency);
    const saving = price.multiply(s.seatsPurchased - reduceTo).round();
    return [
      {
        kind: 'reduce_seats' as const,
        subscriptionId: s.subscriptionId,
        summary:
          `${s.planName}: ${s.seatsPurchased} seats bought, at most ${maxUsed} used; ` +
          `reduce to ${reduceTo} to save ${saving.toString()} ${facts.currency} a period`,
        numbers: {
          seatsPurchased: s.seatsPurchased,
          maxSeatsUsed: maxUsed,
          observations: s.seatsUsed.length,
          reduceTo,
          seatPrice: price.toString(),
          savingPerPeriod: saving.toString(),
        },
      },
    ];
  });
}

/**
 * The package that covers the overage and saves the most (ties: the cheaper one), when its price is below what the
 * overage was billed at.
 */
export function packageRecommendation(
  facts: Pick<RecommendationFacts, 'currency' | 'overageBilled' | 'packages'>,
): Recommendation[] {
  const overage = Money.of(facts.overageBilled, facts.currency);
  if (!overage.isPositive()) return [];
  const candidates = facts.packages
    .filter((p) => p.active && p.currency === facts.currency)
    .map((p) => ({ p, price: Money.of(p.price, facts.currency), credits: Money.of(p.credits, facts.currency) }))
    .filter((c) => c.credits.greaterThanOrEqual(overage) && c.price.lessThan(overage))
    .sort((a, b) => a.price.compare(b.price) || a.p.id.localeCompare(b.p.id));
  const best = candidates[0];
  if (!best) return [];
  const saving = overage.subtract(best.price);
  return [
    {
      kind: 'buy_credit_package',
      packageId: best.p.id,
      summary:
        `${overage.toString()} ${facts.currency} of usage was billed beyond credits last period; ` +
        `"${best.p.name}" (${best.credits.toString()} credits for ${best.price.toString()}) would have saved ` +
        `${saving.toString()} ${facts.currency}`,
      numbers: {
        overageBilled: overage.toString(),
        packagePrice: best.price.toString(),
        packageCredits: best.credits.toString(),
        saving: saving.toString(),
      },
    },
  ];
}

export function nearLimitRecommendations(
  facts: Pick<RecommendationFacts, 'currency' | 'members'>,
  nearLimitShare: string,
): Recommendation[] {
  const threshold = new BillingDecimal(nearLimitShare);
  return facts.members.flatMap((m) => {
    if (m.creditLimit === null) return [];
    const limit = Money.of(m.creditLimit, facts.currency);
    if (!limit.isPositive()) return [];
    const spent = Money.of(m.spent, facts.currency);
    const share = spent.amount.div(limit.amount);
    if (share.lessThan(threshold)) return [];
    const remaining = Money.max(limit.subtract(spent), Money.zero(facts.currency));
    const percent = share.times(100).toDecimalPlaces(0, BillingDecimal.ROUND_DOWN).toFixed(0);
    return [
      {
        kind: 'user_near_limit' as const,
        userId: m.userId,
        summary:
          `${m.name ?? m.userId} has spent ${spent.toString()} of a ${limit.toString()} ${facts.currency} limit ` +
          `(${percent}%); raise the limit or expect their events to be refused`,
        numbers: {
          spent: spent.toString(),
          creditLimit: limit.toString(),
          remaining: remaining.toString(),
          shareUsed: share.toDecimalPlaces(4, BillingDecimal.ROUND_HALF_EVEN).toFixed(4),
        },
      },
    ];
  });
}

/**
 * Walks the grants in draw order at the current burn rate: by a grant's expiry, the entity will have consumed
 * rate × days in all, of which the earlier grants took their share first; what is left of this grant then expires.
 */
export function expiringCreditRecommendations(
  facts: Pick<RecommendationFacts, 'currency' | 'now' | 'grants' | 'burnRatePerDay'>,
  horizonDays: number,
): Recommendation[] {
  const rate = new BillingDecimal(facts.burnRatePerDay);
  const horizon = facts.now.getTime() + horizonDays * DAY_MS;
  let drawnBefore: Decimal = new BillingDecimal(0);
  const out: Recommendation[] = [];
  for (const g of facts.grants) {
    const remaining = new BillingDecimal(g.remaining);
    // A grant without expiry is drawn last and never expires unused.
    if (g.expiresAt === null || g.expiresAt.getTime() <= facts.now.getTime()) continue;
    const days = new BillingDecimal(g.expiresAt.getTime() - facts.now.getTime()).div(DAY_MS);
    const consumedByExpiry = rate.times(days);
    const capacity = BillingDecimal.max(consumedByExpiry.minus(drawnBefore), 0);
    const used = BillingDecimal.min(capacity, remaining);
    drawnBefore = drawnBefore.plus(used);
    const unused = Money.of(remaining.minus(used), facts.currency).round();
    if (g.expiresAt.getTime() > horizon || !unused.isPositive()) continue;
    const m = (d: Decimal) => Money.of(d, facts.currency).round().toString();
    out.push({
      kind: 'credits_expiring_unused',
      grantId: g.id,
      summary:
        `${unused.toString()} ${facts.currency} of credits expire on ${g.expiresAt.toISOString().slice(0, 10)} ` +
        `unused at the current pace (${m(rate)} a day); use them or move them to another entity`,
      numbers: {
        remaining: m(remaining),
        expiresAt: g.expiresAt.toISOString(),
        daysUntilExpiry: days.toDecimalPlaces(2, BillingDecimal.ROUND_HALF_EVEN).toFixed(2),
        burnRatePerDay: m(rate),
        projectedUse: m(used),
        projectedUnused: unused.toString(),
      },
    });
  }
  return out;
}
