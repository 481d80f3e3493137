// Simulator operations on credits: a promotional grant, a package purchase (invoiced), a transfer between two
// entities, a user's credit limit. Each is applied to the platform (through the activity with the simulated clock's
// `now`, or the API) and to the model; a transfer's outcome and legs are compared on the spot.
import { randomUUID } from 'node:crypto';
import { grantPromotionalCredits } from '../../activities/credits/grantPromotionalCredits.js';
import { purchaseCreditPackage } from '../../activities/credits/purchaseCreditPackage.js';
import { transferCredits } from '../../activities/credits/transferCredits.js';
import { Divergence } from '../checks.js';
import { D } from '../model/pricing.js';
import type { Op } from '../scenario.js';
import { DAY, type ScenarioContext } from './scenarioContext.js';
import { PACKAGE } from './setUp.js';

export async function grant(ctx: ScenarioContext, op: Extract<Op, { kind: 'grant' }>): Promise<string> {
  const e = ctx.entity(op.entity);
  const now = await ctx.now();
  const expiresAt = op.expiresInDays === null ? null : now + op.expiresInDays * DAY;
  const { grant, webhookEventIds } = await grantPromotionalCredits(
    ctx.db,
    ctx.ids.organizationId,
    {
      entityId: e.id,
      amount: op.amount,
      expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
      priority: op.priority,
      idempotencyKey: randomUUID(),
    },
    new Date(now),
  );
  ctx.model.addGrant(e, grant.id, new D(op.amount), expiresAt, op.priority, now);
  await ctx.dispatch(webhookEventIds);
  await ctx.startGrantWorkflow(e, grant.id);
  return `grant ${op.amount} to entity ${e.index}${expiresAt ? ` expiring ${new Date(expiresAt).toISOString()}` : ''}`;
}

export async function purchase(ctx: ScenarioContext, i: number): Promise<string> {
  const e = ctx.entity(i);
  const now = await ctx.now();
  const result = await purchaseCreditPackage(
    ctx.db,
    ctx.ids.organizationId,
    { entityId: e.id, packageId: ctx.ids.packageId, idempotencyKey: randomUUID(), payment: 'invoice' },
    { now: new Date(now) },
  );
  ctx.model.addGrant(e, result.grant.id, new D(PACKAGE.credits), now + PACKAGE.validityDays * DAY, 0, now);
  await ctx.dispatch(result.webhookEventIds);
  e.pending.push({ kind: 'credit_purchase', amount: new D(PACKAGE.price) });
  await ctx.startGrantWorkflow(e, result.grant.id);
  return `purchase of a package by entity ${i}`;
}

export async function transfer(ctx: ScenarioContext, op: Extract<Op, { kind: 'transfer' }>): Promise<string> {
  const from = ctx.entity(op.from);
  const to = ctx.entity(op.to);
  if (from === to) return 'transfer (one entity)';
  const now = await ctx.now();
  const expected = ctx.model.balance(from, now).greaterThanOrEqualTo(op.amount) ? 'ok' : 'INSUFFICIENT_CREDITS';
  let actual: string;
  let legs: Array<{ targetGrantId: string | null }> = [];
  try {
    const result = await transferCredits(
      ctx.db,
      ctx.ids.organizationId,
      { fromEntityId: from.id, toEntityId: to.id, amount: op.amount, idempotencyKey: randomUUID() },
      { now: new Date(now) },
    );
    actual = 'ok';
    legs = result.result.legs;
    await ctx.dispatch(result.webhookEventIds);
  } catch (error) {
    actual = (error as { code?: string }).code ?? String(error);
  }
  if (actual !== expected) throw new Divergence(`transfer of ${op.amount}: ${actual}`, { expected });
  if (expected === 'ok') {
    const before = to.grants.length;
    ctx.model.transfer(from, to, new D(op.amount), now);
    const created = to.grants.slice(before);
    if (created.length !== legs.length)
      throw new Divergence('transfer legs', { expected: created.length, actual: legs.length });
    created.forEach((g, k) => {
      g.id = legs[k]?.targetGrantId as string;
    });
    for (const g of created) if (g.expiresAt !== null) await ctx.startGrantWorkflow(to, g.id);
  }
  return `transfer of ${op.amount} from entity ${from.index} to ${to.index}: ${actual}`;
}

export async function limit(ctx: ScenarioContext, op: Extract<Op, { kind: 'limit' }>): Promise<string> {
  const e = ctx.entity(op.entity);
  const member = e.members[op.user % e.members.length];
  if (!member) return 'limit (no member)';
  await ctx.apiOk('PUT', `/api/entities/${e.id}/user-limits/${member.userId}`, { creditLimit: op.limit });
  ctx.model.setLimit(member, op.limit === null ? null : new D(op.limit));
  return `limit of user ${op.user} in entity ${e.index} to ${op.limit}`;
}
