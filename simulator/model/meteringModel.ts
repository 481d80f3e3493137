// The reference model's metering (README "Metering and credits"): the outcome of each event from the documented
// rules. An event belongs to the period holding its occurredAt and is billed on that period's invoice, or on the
// earliest open one when its period is closed (late usage). In order: a suspended entity rejects it; the price rates
// it incrementally against the period's counter for its type; a user over their limit is refused; credits cover
// what they can and the rest is refused or billed later per the overage policy; a negative increment (volume tiers)
// is billed later. A repeated key returns the stored outcome, or IDEMPOTENCY_KEY_CONFLICT when anything differs.
import { balance, crossings, draw } from './creditsModel.js';
import {
  type Catalog,
  type ExpectedOutcome,
  type ModelEntity,
  type ModelEvent,
  type ModelEventInput,
  type ModelMember,
  type ModelPeriod,
  recordWebhook,
} from './modelEntity.js';
import { appendUntil, periodHolding } from './periodModel.js';
import { D, type Dec, type ModelPrice, rateIncrement } from './pricing.js';

const MAX_FUTURE_MS = 5 * 60_000;

const zero = () => new D(0);

/** The outcome of `ev` sent at `now`; a new rated event is appended to `events`. */
export function meter(
  events: ModelEvent[],
  catalog: Catalog,
  e: ModelEntity,
  ev: ModelEventInput,
  now: number,
): ExpectedOutcome {
  const stored = events.find((x) => x.entity === e.index && x.key === ev.key);
  if (stored) {
    const same =
      stored.userIndex === ev.userIndex &&
      stored.type === ev.type &&
      stored.quantity === ev.quantity &&
      stored.occurredAt === ev.occurredAt;
    return same ? stored.outcome : { status: 'invalid', code: 'IDEMPOTENCY_KEY_CONFLICT' };
  }
  const outcome = rate(catalog, e, ev, now);
  if (outcome.status !== 'invalid') events.push({ entity: e.index, ...ev, outcome });
  return outcome;
}

function rate(catalog: Catalog, e: ModelEntity, ev: Omit<ModelEventInput, 'key'>, now: number): ExpectedOutcome {
  if (ev.occurredAt > now + MAX_FUTURE_MS) return { status: 'invalid', code: 'OCCURRED_AT_IN_FUTURE' };
  const price = catalog.prices.get(ev.type);
  if (!price) return { status: 'invalid', code: 'UNKNOWN_EVENT_TYPE' };
  const member = e.members[ev.userIndex] as ModelMember;
  appendUntil(e, Math.max(now, ev.occurredAt));
  const period = periodHolding(e, ev.occurredAt);
  if (!period) return { status: 'invalid', code: 'BEFORE_FIRST_PERIOD' };
  const billedIn = period.closed ? (e.periods.find((p) => !p.closed) as ModelPeriod) : period;
  if (e.status === 'suspended') {
    return {
      status: 'rejected',
      code: 'ENTITY_SUSPENDED',
      rated: zero(),
      drawn: zero(),
      billedLater: zero(),
      balanceAfter: balance(e, Math.max(now, ev.occurredAt)),
      periodStart: period.start,
      billedPeriodStart: billedIn.start,
      usageBefore: e.counters.get(`${ev.type}|${period.start}`) ?? zero(),
    };
  }

  const asOf = Math.max(now, ev.occurredAt);
  const balanceBefore = balance(e, asOf);
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
    limitReached(e, member, period.start);
    return reject('USER_CREDIT_LIMIT_EXCEEDED', rated);
  }
  let drawn = zero();
  let billedLater = zero();
  if (rated.greaterThan(0)) {
    const covered = D.min(rated, balanceBefore);
    if (covered.lessThan(rated) && e.overagePolicy === 'reject') return reject('INSUFFICIENT_CREDITS', rated);
    draw(e, covered, asOf);
    drawn = covered;
    billedLater = rated.minus(covered);
  } else if (rated.lessThan(0)) {
    billedLater = rated;
  }
  e.counters.set(counterKey, used.plus(q));
  const spentAfter = spent.plus(rated);
  member.spend.set(period.start, spentAfter);
  if (member.limit !== null && spentAfter.greaterThanOrEqualTo(member.limit)) limitReached(e, member, period.start);
  if (billedLater.greaterThan(0) && !e.overageBilled.has(period.start)) {
    e.overageBilled.add(period.start);
    recordWebhook(e, 'billing.overage');
  }
  const balanceAfter = balanceBefore.minus(drawn);
  crossings(e, balanceBefore, balanceAfter);
  return { status: 'accepted', code: null, rated, drawn, billedLater, balanceAfter, ...base };
}

function limitReached(e: ModelEntity, member: ModelMember, periodStart: number): void {
  if (member.limitReached.has(periodStart)) return;
  member.limitReached.add(periodStart);
  recordWebhook(e, 'user.credit_limit_reached');
}

/** A new limit clears "reached" for every period whose spend is now below it; removing the limit clears all. */
export function setLimit(member: ModelMember, limit: Dec | null): void {
  member.limit = limit;
  for (const start of [...member.limitReached]) {
    const spent = member.spend.get(start) ?? zero();
    if (limit === null || spent.lessThan(limit)) member.limitReached.delete(start);
  }
}

/**
 * Re-rating [from, to) with the current prices: each event at the tier position it was rated at; the difference to
 * what it was charged so far (`charged`, by key, updated) is a pending replay adjustment, one line per job and type.
 */
export function replay(
  events: ModelEvent[],
  catalog: Catalog,
  e: ModelEntity,
  range: { jobId: string; from: number; to: number },
  charged: Map<string, Dec>,
): void {
  for (const ev of events) {
    const o = ev.outcome;
    if (ev.entity !== e.index || o.status !== 'accepted' || ev.occurredAt < range.from || ev.occurredAt >= range.to)
      continue;
    const price = catalog.prices.get(ev.type) as ModelPrice;
    const current = rateIncrement(price, o.usageBefore, new D(ev.quantity));
    const previous = charged.get(ev.key) ?? o.rated;
    const diff = current.minus(previous);
    if (diff.isZero()) continue;
    charged.set(ev.key, current);
    e.pending.push({ kind: 'replay', amount: diff, group: `${range.jobId}|${ev.type}` });
  }
}
