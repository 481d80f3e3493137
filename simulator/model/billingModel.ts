// The reference model of one organization's billing, in memory: what the platform should have done after every
// operation. It is written from the documented rules (README "Billing periods", "Metering and credits"), not from the
// platform's code, and it never reads the platform's state except where the platform legitimately chooses: the exact
// instant of a close-now (a clock reading), which the model checks lies within the window it was asked in.
import { boundaryAtOrBefore, nextBoundaryAfter } from './calendar.js';
import { type Collection, type CollectionEffects, collect, issue, markPaid } from './collectionModel.js';
import { D, type Dec, lineAmount, type ModelPrice, rateIncrement } from './pricing.js';
import {
  type ChangeOutcome,
  change,
  type ModelPlan,
  type ModelSubscription,
  renew,
  type SubscriptionChangeSpec,
  subscribe,
} from './subscriptionModel.js';

export const MAX_FUTURE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** Days before expiry the expiry workflow sends credits.expiring. */
const NOTICE_DAYS = 7;

export interface ModelPeriod {
  start: number;
  end: number;
  closed: boolean;
}

export interface ModelGrant {
  /** The platform's id, once known. */
  id: string;
  seq: number;
  remaining: Dec;
  expiresAt: number | null;
  priority: number;
  /** When its expiry workflow sends credits.expiring (7 days before expiry, or at once if created later). */
  noticeAt: number | null;
  /** 'pending' until the notice moment; then 'notified', 'used_up' (nothing left then: no expiry) or 'expired'. */
  phase: 'pending' | 'notified' | 'used_up' | 'expired';
}

export interface ModelMember {
  userId: string;
  limit: Dec | null;
  /** Spend by period start. */
  spend: Map<number, Dec>;
  /** Periods (by start) whose limit was reached and not cleared since. */
  limitReached: Set<number>;
}

export interface ModelEvent {
  entity: number;
  key: string;
  userIndex: number;
  type: string;
  quantity: number;
  occurredAt: number;
  outcome: ExpectedOutcome;
}

export type ExpectedOutcome =
  | { status: 'invalid'; code: string }
  | {
      status: 'accepted' | 'rejected';
      code: string | null;
      rated: Dec;
      drawn: Dec;
      billedLater: Dec;
      balanceAfter: Dec;
      periodStart: number;
      billedPeriodStart: number;
      usageBefore: Dec;
    };

export interface ModelEntity {
  index: number;
  id: string;
  anchorDay: number;
  timeZone: string;
  overagePolicy: 'reject' | 'bill';
  threshold: Dec;
  periods: ModelPeriod[];
  grants: ModelGrant[];
  members: ModelMember[];
  /** Tier counters: quantity by `${type}|${periodStart}`. */
  counters: Map<string, Dec>;
  /** Pending invoice items not tied to events: credit purchases, carry-forwards, replay adjustments. */
  pending: PendingItem[];
  /** Expected invoices by period start, once closed. */
  invoices: Map<number, ExpectedInvoice | null>;
  /** Webhook rows the model expects, by type. */
  webhooks: Map<string, number>;
  overageBilled: Set<number>;
  /** The one-off invoices of charge_now subscription changes, in order, with their collection. */
  oneOffs: Collection[];
  status: 'active' | 'suspended';
  paymentMethod: 'ok' | 'declined';
  /** Every invoice issued, period and one-off, as collection sees it. */
  collections: Collection[];
}

export interface PendingItem {
  kind: 'credit_purchase' | 'adjustment' | 'replay' | 'fee' | 'proration';
  amount: Dec;
  /** For replay adjustments: one line per job and event type. */
  group?: string;
}

export interface ExpectedInvoice {
  collection: Collection;
  periodStart: number;
  periodEnd: number;
  /** Usage by `${periodStart}|${type}` (periodStart of the events' own period: late usage differs from the invoice's). */
  usage: Map<string, Dec>;
  creditsApplied: Dec;
  other: Dec[];
  total: Dec;
}

export interface Catalog {
  prices: Map<string, ModelPrice>;
  package: { credits: string; price: string; validityDays: number };
}

const zero = () => new D(0);

export class BillingModel {
  readonly entities: ModelEntity[] = [];
  readonly events: ModelEvent[] = [];
  readonly subscriptions: ModelSubscription[] = [];
  private grantSeq = 0;

  constructor(readonly catalog: Catalog) {}

  addEntity(
    e: Omit<
      ModelEntity,
      | 'periods'
      | 'grants'
      | 'counters'
      | 'pending'
      | 'invoices'
      | 'webhooks'
      | 'overageBilled'
      | 'oneOffs'
      | 'status'
      | 'paymentMethod'
      | 'collections'
    >,
  ) {
    const entity: ModelEntity = {
      ...e,
      periods: [],
      grants: [],
      counters: new Map(),
      pending: [],
      invoices: new Map(),
      webhooks: new Map(),
      overageBilled: new Set(),
      oneOffs: [],
      status: 'active',
      paymentMethod: 'ok',
      collections: [],
    };
    this.entities.push(entity);
    return entity;
  }

  /** What the scenario exercised, for the run's summary. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (key: string, n = 1) => {
      out[key] = (out[key] ?? 0) + n;
    };
    for (const ev of this.events) {
      if (ev.outcome.status === 'invalid') continue;
      add(`events ${ev.outcome.status}`);
      if (ev.outcome.periodStart !== ev.outcome.billedPeriodStart) add('late events');
    }
    for (const e of this.entities) {
      add('periods closed', e.periods.filter((p) => p.closed).length);
      add('period invoices', [...e.invoices.values()].filter(Boolean).length);
      add('one-off invoices', e.oneOffs.length);
      add('grants', e.grants.length);
      for (const [type, n] of e.webhooks) add(type, n);
    }
    add('subscriptions', this.subscriptions.length);
    return out;
  }

  // ───────────── periods ─────────────

  /** The first period, opened by the billing workflow when it starts at `now`. */
  openFirstPeriod(e: ModelEntity, now: number): void {
    if (e.periods.length > 0) return;
    const start = boundaryAtOrBefore(now, e.anchorDay, e.timeZone);
    e.periods.push({ start, end: nextBoundaryAfter(start, e.anchorDay, e.timeZone), closed: false });
  }

  private appendUntil(e: ModelEntity, t: number): void {
    for (let last = e.periods.at(-1) as ModelPeriod; last.end <= t; last = e.periods.at(-1) as ModelPeriod) {
      e.periods.push({ start: last.end, end: nextBoundaryAfter(last.end, e.anchorDay, e.timeZone), closed: false });
    }
  }

  private periodHolding(e: ModelEntity, t: number): ModelPeriod | null {
    return e.periods.find((p) => p.start <= t && t < p.end) ?? null;
  }

  /** The clock reached `now`: every period ended by then is closed, in order, and the next one opened. */
  advanceTo(now: number): void {
    for (const e of this.entities) {
      this.expireGrants(e, now);
      for (;;) {
        const open = e.periods.find((p) => !p.closed) ?? null;
        if (!open || open.end > now) {
          if (!open) this.appendUntil(e, now);
          break;
        }
        this.close(e, open, open.end);
        this.appendUntil(e, open.end);
      }
      // The subscription workflows renew at their own boundaries; the fees wait for the next period invoice.
      this.renewSubscriptions(e, now);
      collect(e, now, this.effects(e));
    }
  }

  /** What collection changes besides invoices: webhooks, and the subscriptions of a suspended entity. */
  private effects(e: ModelEntity): CollectionEffects {
    return {
      webhook: (type) => this.webhook(e, type),
      suspension: (suspended) => {
        for (const sub of this.subscriptions) {
          if (sub.entity !== e.index) continue;
          if (suspended && sub.status === 'active') sub.status = 'past_due';
          if (!suspended && sub.status === 'past_due') sub.status = 'active';
        }
      },
    };
  }

  /** An invoice paid out of band (mark-paid). */
  markPaid(e: ModelEntity, collection: Collection): void {
    markPaid(e, collection, this.effects(e));
  }

  private renewSubscriptions(e: ModelEntity, upTo: number): void {
    for (const sub of this.subscriptions) {
      if (sub.entity !== e.index) continue;
      for (const amount of renew(e, sub, upTo)) e.pending.push({ kind: 'fee', amount });
    }
  }

  subscribe(e: ModelEntity, id: string, plan: ModelPlan, seats: number, at: number): ModelSubscription {
    const created = subscribe(e, id, plan, seats, at);
    this.subscriptions.push(created.subscription);
    e.pending.push({ kind: 'fee', amount: created.fee });
    return created.subscription;
  }

  /** A subscription change at `at`: a charge is invoiced at once (one-off invoice), anything else waits. */
  changeSubscription(sub: ModelSubscription, spec: SubscriptionChangeSpec, at: number): ChangeOutcome {
    const e = this.entities[sub.entity] as ModelEntity;
    this.renewSubscriptions(e, at);
    const outcome = change(sub, spec, at);
    if ('error' in outcome) return outcome;
    if (outcome.settlement === 'charge_now') {
      e.oneOffs.push(issue(e, `one_off:${e.oneOffs.length}`, outcome.net, at, this.effects(e)));
    } else for (const amount of outcome.lines) e.pending.push({ kind: 'proration', amount });
    return outcome;
  }

  /**
   * Close now: the earliest open period ends at `at` (never before an event it holds) if it is the latest one.
   * Returns the earliest and latest allowed end for the platform's choice of instant in [from, to].
   */
  closeNowWindow(e: ModelEntity, from: number, to: number): { min: number; max: number } {
    const open = e.periods.find((p) => !p.closed) as ModelPeriod;
    const latest = e.periods.at(-1) === open;
    if (!latest || from >= open.end) return { min: open.end, max: open.end };
    const floor = Math.max(open.start + 1, this.lastEventAt(e, open.start) + 1);
    return { min: Math.min(open.end, Math.max(from, floor)), max: Math.min(open.end, Math.max(to, floor)) };
  }

  closeNow(e: ModelEntity, end: number): void {
    const open = e.periods.find((p) => !p.closed) as ModelPeriod;
    open.end = end;
    this.close(e, open, end);
    if (e.periods.at(-1) === open) this.appendUntil(e, end);
  }

  /** Anchor-day change at `at`: the latest period, if still running, ends at the new schedule's next boundary. */
  changeAnchor(e: ModelEntity, anchorDay: number, at: number): void {
    e.anchorDay = anchorDay;
    const latest = e.periods.at(-1) as ModelPeriod;
    if (latest.closed || latest.end <= at) return;
    const from = Math.max(at, latest.start, this.lastEventAt(e, latest.start));
    latest.end = nextBoundaryAfter(from, anchorDay, e.timeZone);
  }

  private lastEventAt(e: ModelEntity, periodStart: number): number {
    let last = Number.NEGATIVE_INFINITY;
    for (const ev of this.events) {
      if (ev.entity !== e.index || ev.outcome.status === 'invalid') continue;
      if (ev.outcome.periodStart === periodStart) last = Math.max(last, ev.occurredAt);
    }
    return last;
  }

  // ───────────── invoices ─────────────

  private close(e: ModelEntity, period: ModelPeriod, end: number): void {
    // The close renews every subscription up to the period's end first: the fee of a period beginning there is
    // billed in advance on this invoice.
    this.renewSubscriptions(e, end);
    period.closed = true;
    period.end = end;
    const usage = new Map<string, Dec>();
    let credits = zero();
    for (const ev of this.events) {
      const o = ev.outcome;
      if (ev.entity !== e.index || o.status !== 'accepted' || o.billedPeriodStart !== period.start) continue;
      const key = `${o.periodStart}|${ev.type}`;
      usage.set(key, (usage.get(key) ?? zero()).plus(o.rated));
      credits = credits.plus(o.drawn);
    }
    const other: Dec[] = [];
    const replayGroups = new Map<string, Dec>();
    for (const item of e.pending) {
      if (item.kind === 'replay')
        replayGroups.set(item.group ?? '', (replayGroups.get(item.group ?? '') ?? zero()).plus(item.amount));
      else other.push(lineAmount(item.amount));
    }
    for (const amount of replayGroups.values()) other.push(lineAmount(amount));
    e.pending = [];
    let total = lineAmount(credits).negated();
    for (const amount of usage.values()) total = total.plus(lineAmount(amount));
    for (const amount of other) total = total.plus(amount);
    const empty = usage.size === 0 && credits.isZero() && other.length === 0;
    if (empty) {
      e.invoices.set(period.start, null);
      return;
    }
    const collection = issue(e, `period:${period.start}`, total.greaterThan(0) ? total : zero(), end, this.effects(e));
    e.invoices.set(period.start, {
      collection,
      periodStart: period.start,
      periodEnd: end,
      usage,
      creditsApplied: credits,
      other,
      total,
    });
    // A negative total is carried to the next invoice, never refunded.
    if (total.isNegative()) e.pending.push({ kind: 'adjustment', amount: total });
  }

  // ───────────── credits ─────────────

  addGrant(
    e: ModelEntity,
    id: string,
    amount: Dec,
    expiresAt: number | null,
    priority: number,
    now: number,
  ): ModelGrant {
    const noticeAt = expiresAt === null ? null : Math.max(now, expiresAt - NOTICE_DAYS * DAY_MS);
    const grant: ModelGrant = {
      id,
      seq: this.grantSeq++,
      remaining: amount,
      expiresAt,
      priority,
      noticeAt,
      phase: 'pending',
    };
    e.grants.push(grant);
    // Expiring within the notice window: its workflow sends the notice at once.
    this.expireGrants(e, now);
    return grant;
  }

  usableGrants(e: ModelEntity, asOf: number): ModelGrant[] {
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

  balance(e: ModelEntity, asOf: number): Dec {
    return this.usableGrants(e, asOf).reduce((s, g) => s.plus(g.remaining), zero());
  }

  /**
   * The expiry workflows up to `now`: at the notice moment a grant with credits left sends credits.expiring (one
   * with none left ends there, used up); at expiry what remains is expired (credits.expired when anything was).
   */
  private expireGrants(e: ModelEntity, now: number): void {
    for (const g of e.grants) {
      if (g.expiresAt === null || g.noticeAt === null) continue;
      if (g.phase === 'pending' && g.noticeAt <= now && g.noticeAt < g.expiresAt) {
        g.phase = g.remaining.greaterThan(0) ? 'notified' : 'used_up';
        if (g.phase === 'notified') this.webhook(e, 'credits.expiring');
      }
      if ((g.phase === 'pending' || g.phase === 'notified') && g.expiresAt <= now) {
        if (g.remaining.greaterThan(0)) this.webhook(e, 'credits.expired');
        g.remaining = zero();
        g.phase = 'expired';
      }
    }
  }

  /** Draws `amount` in draw order; returns the legs. Caller checks the balance first. */
  draw(e: ModelEntity, amount: Dec, asOf: number): Array<{ grant: ModelGrant; amount: Dec }> {
    const legs: Array<{ grant: ModelGrant; amount: Dec }> = [];
    let left = amount;
    for (const g of this.usableGrants(e, asOf)) {
      if (left.isZero()) break;
      const take = D.min(left, g.remaining);
      g.remaining = g.remaining.minus(take);
      left = left.minus(take);
      legs.push({ grant: g, amount: take });
    }
    return legs;
  }

  private webhook(e: ModelEntity, type: string): void {
    e.webhooks.set(type, (e.webhooks.get(type) ?? 0) + 1);
  }

  private crossings(e: ModelEntity, before: Dec, after: Dec): void {
    if (e.threshold.greaterThan(0) && after.lessThan(e.threshold) && before.greaterThanOrEqualTo(e.threshold)) {
      this.webhook(e, 'credits.low');
    }
    if (after.isZero() && before.greaterThan(0)) this.webhook(e, 'credits.depleted');
  }

  transfer(from: ModelEntity, to: ModelEntity, amount: Dec, now: number): 'ok' | 'INSUFFICIENT_CREDITS' {
    const before = this.balance(from, now);
    if (before.lessThan(amount)) return 'INSUFFICIENT_CREDITS';
    const toBefore = this.balance(to, now);
    for (const leg of this.draw(from, amount, now)) {
      this.addGrant(to, '', leg.amount, leg.grant.expiresAt, leg.grant.priority, now);
    }
    this.crossings(from, before, this.balance(from, now));
    this.crossings(to, toBefore, this.balance(to, now));
    return 'ok';
  }

  // ───────────── metering ─────────────

  meter(
    e: ModelEntity,
    ev: { key: string; userIndex: number; type: string; quantity: number; occurredAt: number },
    now: number,
  ): ExpectedOutcome {
    const stored = this.events.find((x) => x.entity === e.index && x.key === ev.key);
    if (stored) {
      const same =
        stored.userIndex === ev.userIndex &&
        stored.type === ev.type &&
        stored.quantity === ev.quantity &&
        stored.occurredAt === ev.occurredAt;
      return same ? stored.outcome : { status: 'invalid', code: 'IDEMPOTENCY_KEY_CONFLICT' };
    }
    const outcome = this.rate(e, ev, now);
    if (outcome.status !== 'invalid') this.events.push({ entity: e.index, ...ev, outcome });
    return outcome;
  }

  private rate(
    e: ModelEntity,
    ev: { userIndex: number; type: string; quantity: number; occurredAt: number },
    now: number,
  ): ExpectedOutcome {
    if (ev.occurredAt > now + MAX_FUTURE_MS) return { status: 'invalid', code: 'OCCURRED_AT_IN_FUTURE' };
    const price = this.catalog.prices.get(ev.type);
    if (!price) return { status: 'invalid', code: 'UNKNOWN_EVENT_TYPE' };
    const member = e.members[ev.userIndex] as ModelMember;
    this.appendUntil(e, Math.max(now, ev.occurredAt));
    const period = this.periodHolding(e, ev.occurredAt);
    if (!period) return { status: 'invalid', code: 'BEFORE_FIRST_PERIOD' };
    const billedIn = period.closed ? (e.periods.find((p) => !p.closed) as ModelPeriod) : period;
    if (e.status === 'suspended') {
      return {
        status: 'rejected',
        code: 'ENTITY_SUSPENDED',
        rated: zero(),
        drawn: zero(),
        billedLater: zero(),
        balanceAfter: this.balance(e, Math.max(now, ev.occurredAt)),
        periodStart: period.start,
        billedPeriodStart: billedIn.start,
        usageBefore: e.counters.get(`${ev.type}|${period.start}`) ?? zero(),
      };
    }

    const asOf = Math.max(now, ev.occurredAt);
    const balanceBefore = this.balance(e, asOf);
    const counterKey = `${ev.type}|${period.start}`;
    const used = e.counters.get(counterKey) ?? zero();
    const q = new D(ev.quantity);
    const spent = member.spend.get(period.start) ?? zero();
    const base = { periodStart: period.start, billedPeriodStart: billedIn.start, usageBefore: used };
    const reject = (code: string, rated: Dec) =>
      ({
        status: 'rejected',
        code,
        rated,
        drawn: zero(),
        billedLater: zero(),
        balanceAfter: balanceBefore,
        ...base,
      }) as const;

    const rated = rateIncrement(price, used, q);
    if (member.limit !== null && rated.greaterThan(0) && spent.plus(rated).greaterThan(member.limit)) {
      this.limitReached(e, member, period.start);
      return reject('USER_CREDIT_LIMIT_EXCEEDED', rated);
    }
    let drawn = zero();
    let billedLater = zero();
    if (rated.greaterThan(0)) {
      const covered = D.min(rated, balanceBefore);
      if (covered.lessThan(rated) && e.overagePolicy === 'reject') return reject('INSUFFICIENT_CREDITS', rated);
      this.draw(e, covered, asOf);
      drawn = covered;
      billedLater = rated.minus(covered);
    } else if (rated.lessThan(0)) {
      billedLater = rated;
    }
    e.counters.set(counterKey, used.plus(q));
    const spentAfter = spent.plus(rated);
    member.spend.set(period.start, spentAfter);
    if (member.limit !== null && spentAfter.greaterThanOrEqualTo(member.limit))
      this.limitReached(e, member, period.start);
    if (billedLater.greaterThan(0) && !e.overageBilled.has(period.start)) {
      e.overageBilled.add(period.start);
      this.webhook(e, 'billing.overage');
    }
    const balanceAfter = balanceBefore.minus(drawn);
    this.crossings(e, balanceBefore, balanceAfter);
    return { status: 'accepted', code: null, rated, drawn, billedLater, balanceAfter, ...base };
  }

  private limitReached(e: ModelEntity, member: ModelMember, periodStart: number): void {
    if (member.limitReached.has(periodStart)) return;
    member.limitReached.add(periodStart);
    this.webhook(e, 'user.credit_limit_reached');
  }

  /** A new limit clears "reached" for every period whose spend is now below it; removing the limit clears all. */
  setLimit(member: ModelMember, limit: Dec | null): void {
    member.limit = limit;
    for (const start of [...member.limitReached]) {
      const spent = member.spend.get(start) ?? zero();
      if (limit === null || spent.lessThan(limit)) member.limitReached.delete(start);
    }
  }

  /** Re-rating [from, to) with the current prices: each event at the tier position it was rated at. */
  replay(e: ModelEntity, jobId: string, from: number, to: number, charged: Map<string, Dec>): void {
    for (const ev of this.events) {
      const o = ev.outcome;
      if (ev.entity !== e.index || o.status !== 'accepted' || ev.occurredAt < from || ev.occurredAt >= to) continue;
      const price = this.catalog.prices.get(ev.type) as ModelPrice;
      const current = rateIncrement(price, o.usageBefore, new D(ev.quantity));
      const previous = charged.get(ev.key) ?? o.rated;
      const diff = current.minus(previous);
      if (diff.isZero()) continue;
      charged.set(ev.key, current);
      e.pending.push({ kind: 'replay', amount: diff, group: `${jobId}|${ev.type}` });
    }
  }
}
