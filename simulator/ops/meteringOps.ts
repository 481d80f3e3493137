// Simulator operations on metering: events now, in batches, late (into a closed period), repeated (same key, same
// or conflicting content); a price change; the entity's overage policy; an event replay job re-rating a range.
// Events go through the metering activity with the simulated clock's `now` (the API would read the wall clock), and
// each outcome is compared with the model's.
import type { EventOutcome, IngestEventInput } from '../../activities/metering/ingestEvents.js';
import { ingestEvents } from '../../activities/metering/ingestEvents.js';
import { clearMeteringCache } from '../../activities/metering/meteringContext.js';
import { compareOutcome, Divergence } from '../checks.js';
import type { ExpectedOutcome } from '../model/modelEntity.js';
import type { EventSpec, Op } from '../scenario.js';
import { DAY, type ScenarioContext, type SentEvent, waitFor } from './scenarioContext.js';

interface EventToSend {
  entity: number;
  key: string;
  userIndex: number;
  type: string;
  quantity: number;
  occurredAt: number;
}

export async function meter(ctx: ScenarioContext, specs: EventSpec[]): Promise<string> {
  const now = await ctx.now();
  return send(
    ctx,
    specs.map((s) => ({
      entity: s.entity % ctx.model.entities.length,
      key: s.key,
      userIndex: s.user,
      type: s.type,
      quantity: s.quantity,
      occurredAt: now - s.offsetMs,
    })),
    now,
  );
}

export async function late(ctx: ScenarioContext, op: Extract<Op, { kind: 'late' }>): Promise<string> {
  const e = ctx.entity(op.entity);
  const closed = e.periods.filter((p) => p.closed);
  const now = await ctx.now();
  const period = closed[Math.max(0, closed.length - op.back)];
  const occurredAt = period ? period.start + Math.floor(op.at * (period.end - period.start)) : now - DAY;
  return send(
    ctx,
    [{ entity: e.index, key: op.key, userIndex: op.user, type: op.type, quantity: op.quantity, occurredAt }],
    now,
    'late ',
  );
}

export async function repeat(ctx: ScenarioContext, which: number, conflict: boolean): Promise<string> {
  if (ctx.sent.length === 0) return 'repeat (nothing sent yet)';
  const original = ctx.sent[which % ctx.sent.length] as SentEvent;
  const now = await ctx.now();
  const spec = { ...original.spec, quantity: conflict ? original.spec.quantity + 1 : original.spec.quantity };
  return send(ctx, [{ entity: original.entity, ...spec }], now, conflict ? 'conflicting repeat ' : 'repeat ');
}

async function send(ctx: ScenarioContext, events: EventToSend[], now: number, label = ''): Promise<string> {
  const { ids } = ctx;
  const inputs: IngestEventInput[] = events.map((e) => ({
    entityId: ids.entityIds[e.entity] as string,
    userId: ids.userIds[e.userIndex] as string,
    eventType: e.type,
    quantity: e.quantity,
    occurredAt: new Date(e.occurredAt).toISOString(),
    idempotencyKey: e.key,
    properties: {},
  }));
  const { outcomes, webhookEventIds } = await ingestEvents(ctx.db, ids.organizationId, inputs, {
    now: new Date(now),
  });
  // What the API does after its metering transaction commits.
  await ctx.dispatch(webhookEventIds);
  events.forEach((e, i) => {
    const expected: ExpectedOutcome = ctx.model.meter(ctx.entity(e.entity), e, now);
    compareOutcome(`event ${e.key}`, expected, outcomes[i] as EventOutcome);
    if (!ctx.sent.some((s) => s.spec.key === e.key && s.entity === e.entity) && expected.status !== 'invalid') {
      ctx.sent.push({ entity: e.entity, input: inputs[i] as IngestEventInput, spec: e });
    }
  });
  const first = events[0];
  return `${label}${events.length === 1 && first ? `event ${first.type} x${first.quantity} at ${new Date(first.occurredAt).toISOString()} on entity ${first.entity}` : `batch of ${events.length}`}`;
}

export async function price(ctx: ScenarioContext, unitPrice: string): Promise<string> {
  await ctx.apiOk('PUT', `/api/billing/price-books/${ctx.ids.priceBookId}/prices/${ctx.ids.flatPriceId}`, {
    model: 'flat',
    unitPrice,
  });
  // Prices are cached per process for a few seconds (README): the simulated clock does not move the wall clock.
  clearMeteringCache();
  ctx.model.catalog.prices.set('flat.a', { model: 'flat', unitPrice });
  return `price of flat.a to ${unitPrice}`;
}

export async function overage(ctx: ScenarioContext, i: number, policy: 'reject' | 'bill'): Promise<string> {
  const e = ctx.entity(i);
  await ctx.apiOk('PATCH', `/api/entities/${e.id}`, { overagePolicy: policy });
  e.overagePolicy = policy;
  return `overage policy of entity ${i} to ${policy}`;
}

export async function replay(ctx: ScenarioContext, i: number, back: number): Promise<string> {
  const e = ctx.entity(i);
  const now = await ctx.now();
  const closed = e.periods.filter((p) => p.closed);
  const from = (closed[Math.max(0, closed.length - back)] ?? e.periods[0])?.start ?? now - DAY;
  const to = now + 1;
  if (from >= to) return 'replay (empty range)';
  const job = await ctx.apiOk('POST', '/api/billing/jobs/replays', {
    entityId: e.id,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
  });
  await waitFor(`replay job ${String(job.id)}`, async () => {
    const row = await ctx.db.billingJob.findUnique({ where: { id: job.id as string } });
    if (row?.status === 'failed') throw new Divergence('the replay job failed', { error: row.error });
    return row?.status === 'completed' ? row : null;
  });
  ctx.model.replay(e, job.id as string, from, to, ctx.charged);
  return `replay of entity ${i} from ${new Date(from).toISOString()}`;
}
