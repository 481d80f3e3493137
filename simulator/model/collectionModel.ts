// The reference model of collection (README "Invoices and collection"): every invoice with an amount due is charged
// when it is issued, then again 1, 3 and 7 days after that first attempt; each attempt succeeds unless the entity's
// payment method at that moment declines. Every failure emits invoice.payment_failed; after the last one the invoice
// is past due (invoice.past_due) and the entity suspended (entity.suspended, once, with its active subscriptions
// past_due). Paying a past-due invoice out of band (mark-paid) ends the suspension when no other invoice of the
// entity is past due (entity.reactivated, subscriptions active again).
import type { Dec } from './pricing.js';

export const DUNNING_DAYS = [1, 3, 7];
const DAY_MS = 86_400_000;

export interface Collection {
  /** What the model calls the invoice: `period:<start>` or `one_off:<n>`. */
  ref: string;
  issuedAt: number;
  amountDue: Dec;
  status: 'open' | 'paid' | 'past_due';
  attempts: number;
  nextAttemptAt: number | null;
}

export interface CollectingEntity {
  status: 'active' | 'suspended';
  paymentMethod: 'ok' | 'declined';
  collections: Collection[];
}

export interface CollectionEffects {
  webhook(type: string): void;
  /** The entity was suspended (true) or reactivated (false): its subscriptions follow. */
  suspension(suspended: boolean): void;
}

/** An invoice issued at `at`: paid at once when nothing is due, else its first attempt now. */
export function issue(e: CollectingEntity, ref: string, amountDue: Dec, at: number, fx: CollectionEffects): Collection {
  const collection: Collection = {
    ref,
    issuedAt: at,
    amountDue,
    status: amountDue.greaterThan(0) ? 'open' : 'paid',
    attempts: 0,
    nextAttemptAt: amountDue.greaterThan(0) ? at : null,
  };
  e.collections.push(collection);
  collect(e, at, fx);
  return collection;
}

/** Every attempt due by `now`, in time order. */
export function collect(e: CollectingEntity, now: number, fx: CollectionEffects): void {
  for (;;) {
    const due = e.collections
      .filter((c) => c.status === 'open' && c.nextAttemptAt !== null && c.nextAttemptAt <= now)
      .sort((a, b) => (a.nextAttemptAt as number) - (b.nextAttemptAt as number))[0];
    if (!due) return;
    due.attempts += 1;
    if (e.paymentMethod === 'ok') {
      due.status = 'paid';
      due.nextAttemptAt = null;
      continue;
    }
    fx.webhook('invoice.payment_failed');
    const offset = DUNNING_DAYS[due.attempts - 1];
    if (offset !== undefined) {
      due.nextAttemptAt = due.issuedAt + offset * DAY_MS;
      continue;
    }
    due.status = 'past_due';
    due.nextAttemptAt = null;
    fx.webhook('invoice.past_due');
    if (e.status !== 'suspended') {
      e.status = 'suspended';
      fx.webhook('entity.suspended');
      fx.suspension(true);
    }
  }
}

/** Paid out of band: open or past due becomes paid; the last past-due one paid ends the suspension. */
export function markPaid(e: CollectingEntity, collection: Collection, fx: CollectionEffects): void {
  if (collection.status === 'paid') return;
  collection.status = 'paid';
  collection.nextAttemptAt = null;
  if (e.status === 'suspended' && !e.collections.some((c) => c.status === 'past_due')) {
    e.status = 'active';
    fx.webhook('entity.reactivated');
    fx.suspension(false);
  }
}
