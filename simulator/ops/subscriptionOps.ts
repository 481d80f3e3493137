// Simulator operations on seat subscriptions: subscribing an entity to a plan, and changing a subscription (seats,
// plan, pause, resume, cancel now or at period end). The platform's workflow picks the instant a change takes effect;
// the model applies the change at that instant once it is checked to lie within the request's window, and compares
// the refusal code, or the net amount and settlement, with the API's answer.
import type { Db } from '../../activities/db.js';
import { Divergence } from '../checks.js';
import type { ModelPlan, ModelSubscription, SubscriptionChangeSpec } from '../model/subscriptionModel.js';
import type { Op } from '../scenario.js';
import type { ScenarioContext } from './scenarioContext.js';

export async function subscribe(ctx: ScenarioContext, op: Extract<Op, { kind: 'subscribe' }>): Promise<string> {
  const e = ctx.entity(op.entity);
  const plan = ctx.ids.plans[op.plan % ctx.ids.plans.length] as ModelPlan;
  const before = await ctx.now();
  const created = await ctx.apiOk('POST', '/api/billing/subscriptions', {
    entityId: e.id,
    planId: plan.id,
    seats: op.seats,
  });
  const at = await effectiveAt(ctx.db, created.id as string, 'create', before, await ctx.now());
  ctx.model.subscribe(e, created.id as string, plan, op.seats, at);
  return `subscribe entity ${e.index} to ${op.seats} × ${plan.name}`;
}

export async function changeSubscription(
  ctx: ScenarioContext,
  op: Extract<Op, { kind: 'subChange' }>,
): Promise<string> {
  const subs = ctx.model.subscriptions;
  if (subs.length === 0) return 'subscription change (none yet)';
  const sub = subs[op.which % subs.length] as ModelSubscription;
  const monthly = ctx.ids.plans.filter((p) => p.interval === sub.plan.interval && p.id !== sub.plan.id);
  const plan = monthly[op.plan % Math.max(1, monthly.length)] ?? sub.plan;
  const [path, body, spec]: [string, unknown, SubscriptionChangeSpec] =
    op.change === 'seats'
      ? ['seats', { seats: op.seats }, { kind: 'seats', seats: op.seats }]
      : op.change === 'plan'
        ? ['plan', { planId: plan.id }, { kind: 'plan', plan }]
        : op.change === 'pause'
          ? ['pause', {}, { kind: 'pause' }]
          : op.change === 'resume'
            ? ['resume', {}, { kind: 'resume' }]
            : [
                'cancel',
                { atPeriodEnd: op.change === 'cancelAtEnd' },
                { kind: 'cancel', atPeriodEnd: op.change === 'cancelAtEnd' },
              ];
  const before = await ctx.now();
  const res = await ctx.api('POST', `/api/billing/subscriptions/${sub.id}/${path}`, body);
  const after = await ctx.now();
  const label = `${op.change} of subscription ${subs.indexOf(sub)} (${sub.seats} × ${sub.plan.name}, ${sub.status})`;
  if (res.status !== 200) {
    const expected = ctx.model.changeSubscription(sub, spec, before);
    const code = res.body.code;
    if (!('error' in expected) || expected.error !== code) {
      throw new Divergence(`${label}: answered ${res.status} ${String(code)}`, { expected, body: res.body });
    }
    return `${label}: refused ${String(code)}`;
  }
  const at = await effectiveAt(ctx.db, sub.id, res.body.changeId as string, before, after);
  const expected = ctx.model.changeSubscription(sub, spec, at);
  if ('error' in expected) throw new Divergence(`${label}: accepted`, { expected });
  if (!expected.net.equals(String(res.body.net)) || expected.settlement !== res.body.settlement) {
    throw new Divergence(`${label}: net ${String(res.body.net)} (${String(res.body.settlement)})`, {
      expected: { net: expected.net.toFixed(), settlement: expected.settlement },
      lines: res.body.lines,
    });
  }
  return `${label}: net ${expected.net.toFixed()}`;
}

/** The instant the platform applied a subscription change at: its workflow's clock, checked against the window. */
async function effectiveAt(db: Db, subscriptionId: string, changeId: string, before: number, after: number) {
  const row = await db.subscriptionChange.findUnique({
    where: { subscriptionId_changeId: { subscriptionId, changeId } },
  });
  if (!row) throw new Divergence(`no change ${changeId} recorded for subscription ${subscriptionId}`, {});
  const at = row.effectiveAt.getTime();
  if (at < before || at > after) {
    throw new Divergence(`subscription change ${changeId} took effect at ${row.effectiveAt.toISOString()}`, {
      expectedBetween: [new Date(before).toISOString(), new Date(after).toISOString()],
    });
  }
  return at;
}
