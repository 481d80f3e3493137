// The reference model's seat subscriptions, from the rules in README "Subscriptions and seats" and "Billing periods":
//   - a monthly plan's periods follow the entity's schedule (anchor day, time zone) as it stands at each renewal; a
//     yearly plan's year starts on the anchor day of the month its period starts in;
//   - fees in advance: a new subscription pays the rest of its first period; each renewal writes the next period's
//     fee (whole, or the share of the schedule period it covers when a moved anchor made it a stub), billed on the
//     next period invoice; a paused subscription renews without a fee; cancel at period end stops at the end;
//   - a change at t prorates over (end - t) / (end - start) in whole seconds: a credit line for the old state, a
//     charge line for the new one, each rounded half-even; a positive net is invoiced at once on an invoice of its
//     own, anything else stays pending for the next period invoice.
import { localMonth, schedulePeriod } from './calendar.js';
import { D, type Dec, lineAmount } from './pricing.js';

export interface ModelPlan {
  id: string;
  name: string;
  interval: 'month' | 'year';
  price: string;
}

export interface ModelSubscription {
  id: string;
  entity: number;
  plan: ModelPlan;
  seats: number;
  status: 'active' | 'paused' | 'past_due' | 'canceled';
  start: number;
  end: number;
  cancelAtPeriodEnd: boolean;
}

export interface EntityCalendar {
  anchorDay: number;
  timeZone: string;
}

const sec = (t: number) => Math.floor(t / 1000);

function scheduleOf(e: EntityCalendar, interval: 'month' | 'year', periodStart: number) {
  return {
    interval,
    anchorDay: e.anchorDay,
    timeZone: e.timeZone,
    ...(interval === 'year' ? { anchorMonth: localMonth(periodStart, e.timeZone) } : {}),
  };
}

/** The fee for [from, periodEnd): whole, or the share (in whole seconds) of the schedule period `from` lies in. */
function fee(
  e: EntityCalendar,
  plan: ModelPlan,
  seats: number,
  periodStart: number,
  from: number,
  periodEnd: number,
): Dec {
  const base = schedulePeriod(from, scheduleOf(e, plan.interval, periodStart));
  const end = Math.min(periodEnd, base.end);
  const seconds = sec(end) - sec(from);
  const periodSeconds = sec(base.end) - sec(base.start);
  const full = new D(plan.price).times(seats);
  return seconds === periodSeconds ? full : lineAmount(full.times(seconds).dividedBy(periodSeconds));
}

/** A new subscription at `at`: its first period and the fee for the rest of it. */
export function subscribe(
  e: EntityCalendar & { index: number },
  id: string,
  plan: ModelPlan,
  seats: number,
  at: number,
): { subscription: ModelSubscription; fee: Dec } {
  const month = schedulePeriod(at, scheduleOf(e, 'month', at));
  const period = schedulePeriod(at, scheduleOf(e, plan.interval, month.start));
  const subscription: ModelSubscription = {
    id,
    entity: e.index,
    plan,
    seats,
    status: 'active',
    start: period.start,
    end: period.end,
    cancelAtPeriodEnd: false,
  };
  return { subscription, fee: fee(e, plan, seats, period.start, at, period.end) };
}

/** Renewals up to `upTo`: the fee of each period begun (none while paused); cancel at period end. */
export function renew(e: EntityCalendar, sub: ModelSubscription, upTo: number): Dec[] {
  const fees: Dec[] = [];
  for (let guard = 0; guard < 100 && sub.status !== 'canceled' && sub.end <= upTo; guard++) {
    if (sub.cancelAtPeriodEnd) {
      sub.status = 'canceled';
      break;
    }
    const start = sub.end;
    const end = schedulePeriod(start, scheduleOf(e, sub.plan.interval, start)).end;
    sub.start = start;
    sub.end = end;
    if (sub.status === 'active' || sub.status === 'past_due') fees.push(fee(e, sub.plan, sub.seats, start, start, end));
  }
  return fees;
}

export type SubscriptionChangeSpec =
  | { kind: 'seats'; seats: number }
  | { kind: 'plan'; plan: ModelPlan }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel'; atPeriodEnd: boolean };

export type ChangeOutcome =
  | { error: string }
  | { lines: Dec[]; net: Dec; settlement: 'charge_now' | 'credit_next_invoice' | 'none' };

/** Applies a change at `at` (the subscription renewed up to `at` first), returning its proration or its refusal. */
export function change(sub: ModelSubscription, spec: SubscriptionChangeSpec, at: number): ChangeOutcome {
  if (sub.status === 'canceled') return { error: 'SUBSCRIPTION_CANCELED' };
  const fraction = { seconds: sec(sub.end) - sec(at), periodSeconds: sec(sub.end) - sec(sub.start) };
  const share = (plan: ModelPlan, seats: number) =>
    lineAmount(new D(plan.price).times(seats).times(fraction.seconds).dividedBy(fraction.periodSeconds));
  const lines: Dec[] = [];
  switch (spec.kind) {
    case 'seats':
      if (sub.status === 'paused') return { error: 'SUBSCRIPTION_PAUSED' };
      if (spec.seats !== sub.seats) lines.push(share(sub.plan, sub.seats).negated(), share(sub.plan, spec.seats));
      sub.seats = spec.seats;
      break;
    case 'plan':
      if (sub.status === 'paused') return { error: 'SUBSCRIPTION_PAUSED' };
      if (spec.plan.id !== sub.plan.id) lines.push(share(sub.plan, sub.seats).negated(), share(spec.plan, sub.seats));
      sub.plan = spec.plan;
      break;
    case 'pause':
      if (sub.status === 'paused') return { error: 'SUBSCRIPTION_PAUSED' };
      lines.push(share(sub.plan, sub.seats).negated());
      sub.status = 'paused';
      break;
    case 'resume':
      if (sub.status !== 'paused') return { error: 'SUBSCRIPTION_NOT_PAUSED' };
      lines.push(share(sub.plan, sub.seats));
      sub.status = 'active';
      break;
    case 'cancel':
      if (spec.atPeriodEnd) {
        sub.cancelAtPeriodEnd = true;
        break;
      }
      if (sub.status !== 'paused') lines.push(share(sub.plan, sub.seats).negated());
      sub.status = 'canceled';
      sub.cancelAtPeriodEnd = false;
      break;
  }
  const net = lines.reduce((s, l) => s.plus(l), new D(0));
  return {
    lines,
    net,
    settlement: net.greaterThan(0) ? 'charge_now' : net.lessThan(0) ? 'credit_next_invoice' : 'none',
  };
}
