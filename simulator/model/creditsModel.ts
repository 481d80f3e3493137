// The reference model's prepaid credits (README "Metering and credits"): grants drawn soonest-expiring first, then
// by priority, then in the order granted; expiry workflows that send credits.expiring 7 days before expiry (at once
// when granted later) and expire what remains; credits.low and credits.depleted when the balance crosses the
// entity's threshold or reaches zero; transfers that move each drawn leg with its expiry and priority.

import { type ModelEntity, type ModelGrant, recordWebhook } from './modelEntity.js';
import { D, type Dec } from './pricing.js';

const DAY_MS = 86_400_000;
/** Days before expiry the expiry workflow sends credits.expiring. */
const NOTICE_DAYS = 7;

export interface NewGrant {
  id: string;
  /** Order of creation across the model (the last tie-break of the draw order). */
  seq: number;
  amount: Dec;
  expiresAt: number | null;
  priority: number;
}

export function addGrant(e: ModelEntity, g: NewGrant, now: number): ModelGrant {
  const noticeAt = g.expiresAt === null ? null : Math.max(now, g.expiresAt - NOTICE_DAYS * DAY_MS);
  const grant: ModelGrant = {
    id: g.id,
    seq: g.seq,
    remaining: g.amount,
    expiresAt: g.expiresAt,
    priority: g.priority,
    noticeAt,
    phase: 'pending',
  };
  e.grants.push(grant);
  // Expiring within the notice window: its workflow sends the notice at once.
  expireGrants(e, now);
  return grant;
}

export function usableGrants(e: ModelEntity, asOf: number): ModelGrant[] {
  return e.grants
    .filter((g) => g.remaining.greaterThan(0) && (g.expiresAt === null || g.expiresAt > asOf))
    .sort((a, b) => {
      const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
      const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
      if (ea !== eb) return ea - eb;
      if (a.priority !== b.priority) return a.priority - b.priority;
      return a.seq - b.seq;
    });
}

export function balance(e: ModelEntity, asOf: number): Dec {
  return usableGrants(e, asOf).reduce((s, g) => s.plus(g.remaining), new D(0));
}

/**
 * The expiry workflows up to `now`: at the notice moment a grant with credits left sends credits.expiring (one
 * with none left ends there, used up); at expiry what remains is expired (credits.expired when anything was).
 */
export function expireGrants(e: ModelEntity, now: number): void {
  for (const g of e.grants) {
    if (g.expiresAt === null || g.noticeAt === null) continue;
    if (g.phase === 'pending' && g.noticeAt <= now && g.noticeAt < g.expiresAt) {
      g.phase = g.remaining.greaterThan(0) ? 'notified' : 'used_up';
      if (g.phase === 'notified') recordWebhook(e, 'credits.expiring');
    }
    if ((g.phase === 'pending' || g.phase === 'notified') && g.expiresAt <= now) {
      if (g.remaining.greaterThan(0)) recordWebhook(e, 'credits.expired');
      g.remaining = new D(0);
      g.phase = 'expired';
    }
  }
}

/** Draws `amount` in draw order; returns the legs. Caller checks the balance first. */
export function draw(e: ModelEntity, amount: Dec, asOf: number): Array<{ grant: ModelGrant; amount: Dec }> {
  const legs: Array<{ grant: ModelGrant; amount: Dec }> = [];
  let left = amount;
  for (const g of usableGrants(e, asOf)) {
    if (left.isZero()) break;
    const take = D.min(left, g.remaining);
    g.remaining = g.remaining.minus(take);
    left = left.minus(take);
    legs.push({ grant: g, amount: take });
  }
  return legs;
}

/** credits.low when the balance falls below the threshold, credits.depleted when it reaches zero. */
export function crossings(e: ModelEntity, before: Dec, after: Dec): void {
  if (e.threshold.greaterThan(0) && after.lessThan(e.threshold) && before.greaterThanOrEqualTo(e.threshold)) {
    recordWebhook(e, 'credits.low');
  }
  if (after.isZero() && before.greaterThan(0)) recordWebhook(e, 'credits.depleted');
}

/** Moves `amount` from one entity to another, each drawn leg as a new grant of `to`; `nextSeq` numbers them. */
export function transfer(
  from: ModelEntity,
  to: ModelEntity,
  amount: Dec,
  now: number,
  nextSeq: () => number,
): 'ok' | 'INSUFFICIENT_CREDITS' {
  const before = balance(from, now);
  if (before.lessThan(amount)) return 'INSUFFICIENT_CREDITS';
  const toBefore = balance(to, now);
  for (const leg of draw(from, amount, now)) {
    const { expiresAt, priority } = leg.grant;
    addGrant(to, { id: '', seq: nextSeq(), amount: leg.amount, expiresAt, priority }, now);
  }
  crossings(from, before, balance(from, now));
  crossings(to, toBefore, balance(to, now));
  return 'ok';
}
