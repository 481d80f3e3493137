// /api/billing/subscriptions: seat subscriptions. Creating one starts subscription:<id> (Update-with-Start: the
// response is the created subscription); every change goes through the workflow as an Update and answers with the
// proration it wrote. The Idempotency-Key header, when given, is also the Update id, so a retried request applies
// its change once.

import { randomBytes } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../activities/db.js';
import { validateNewSubscription } from '../../activities/subscriptions/subscriptionLifecycle.js';
import {
  findSubscription,
  listSubscriptions,
  subscriptionUtilization,
} from '../../activities/subscriptions/subscriptionRecords.js';
import { SUBSCRIPTION_ERRORS } from '../../activities/subscriptions/subscriptionSnapshot.js';
import { subscriptionWorkflowId } from '../../temporal/workflowIds.js';
import { subscriptionCreation } from '../../temporal/workflowStarts.js';
import {
  awaitCreatedUpdate,
  cancelUpdate,
  changePlanUpdate,
  changeSeatsUpdate,
  pauseUpdate,
  resumeUpdate,
  subscriptionStateQuery,
  type subscriptionWorkflow,
} from '../../workflows/subscriptionWorkflow.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, idParam, isoDateTime, json, jsonBody, money } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const Subscription = z
  .object({
    id: z.uuid(),
    entityId: z.uuid(),
    planId: z.uuid(),
    planName: z.string(),
    interval: z.enum(['month', 'year']),
    pricePerSeat: z.string().openapi({ example: '10.00' }),
    currency: z.string(),
    seats: z.number().int(),
    status: z.enum(['active', 'paused', 'past_due', 'canceled']),
    currentPeriodStart: z.string(),
    currentPeriodEnd: z.string(),
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: z.string().nullable(),
    pausedAt: z.string().nullable(),
    resumeAt: z.string().nullable(),
  })
  .openapi('Subscription');

const SubscriptionDetail = Subscription.extend({
  workflowId: z.string(),
  workflow: z
    .object({ changesApplied: z.number().int(), running: z.boolean() })
    .openapi({ description: "What the subscription's workflow reports (its `state` query)" }),
}).openapi('SubscriptionDetail');

const ChargedInvoice = z
  .object({
    invoiceId: z.uuid(),
    number: z.number().int().nullable().openapi({ example: 42 }),
    status: z.enum(['open', 'paid', 'void']),
    total: z.string().openapi({ example: '20.32' }),
    amountDue: z.string().openapi({ example: '20.32' }),
    currency: z.string().openapi({ example: 'USD' }),
  })
  .openapi('ChargeNowInvoice');

const ChangeResult = z
  .object({
    changeId: z.string(),
    kind: z.string(),
    reason: z.string().openapi({ example: 'seat_increase' }),
    settlement: z.enum(['charge_now', 'credit_next_invoice', 'none']),
    net: z.string().openapi({
      description:
        'Net of the lines. Positive (settlement charge_now): invoiced at once on `invoice`, whose collection has ' +
        'started. Negative (credit_next_invoice): credited to the next period invoice.',
      example: '20.32',
    }),
    currency: z.string(),
    lines: z.array(z.object({ description: z.string(), amount: z.string() })),
    subscription: Subscription,
    invoice: ChargedInvoice.nullable()
      .optional()
      .openapi({ description: 'charge_now: the invoice of this change alone, numbered and being collected' }),
  })
  .openapi('SubscriptionChangeResult');

const Utilization = z
  .object({
    subscriptionId: z.uuid(),
    entityId: z.uuid(),
    seatsPurchased: z.number().int(),
    seatsAssigned: z.number().int(),
    seatsAvailable: z.number().int(),
    utilization: z.number(),
  })
  .openapi('SeatUtilization');

const NewSubscription = z
  .strictObject({ entityId: z.uuid(), planId: z.uuid(), seats: z.number().int().min(1).max(1_000_000) })
  .openapi('NewSubscription');

const tags = ['Subscriptions'];
const base = '/api/billing/subscriptions';
const Params = idParam('subscriptionId');

const createSub = apiRoute({
  method: 'post',
  path: base,
  tags,
  summary: 'Subscribe an entity to a seat plan (starts subscription:<id>; the first, partial period is charged)',
  middleware: [requireScope('admin')] as const,
  request: { body: jsonBody(NewSubscription) },
  responses: { 201: json(Subscription, 'Created') },
});
const listSubs = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: 'List subscriptions',
  middleware: [requireScope('read')] as const,
  request: { query: ListQuery.extend({ entityId: z.uuid().optional() }) },
  responses: { 200: json(listSchema(Subscription, 'SubscriptionList'), 'A page of subscriptions') },
});
const readSub = apiRoute({
  method: 'get',
  path: `${base}/{subscriptionId}`,
  tags,
  summary: 'A subscription (database) with its workflow state',
  middleware: [requireScope('read')] as const,
  request: { params: Params },
  responses: { 200: json(SubscriptionDetail, 'The subscription') },
});
const utilization = apiRoute({
  method: 'get',
  path: `${base}/{subscriptionId}/utilization`,
  tags,
  summary: 'Seats bought vs members with a seat assigned',
  middleware: [requireScope('read')] as const,
  request: { params: Params },
  responses: { 200: json(Utilization, 'Seat utilization') },
});

const changeRoute = <B extends z.ZodType>(path: string, summary: string, body: B) =>
  apiRoute({
    method: 'post',
    path: `${base}/{subscriptionId}/${path}`,
    tags,
    summary,
    middleware: [requireScope('admin')] as const,
    request: { params: Params, body: jsonBody(body) },
    responses: { 200: json(ChangeResult, 'The change and the proration it caused') },
  });

const seatsRoute = changeRoute(
  'seats',
  'Change the number of seats (prorated)',
  z.strictObject({ seats: z.number().int().min(1).max(1_000_000) }).openapi('SeatChange'),
);
const planRoute = changeRoute(
  'plan',
  'Change the plan (same currency and interval; prorated)',
  z.strictObject({ planId: z.uuid() }).openapi('PlanChange'),
);
const pauseRoute = changeRoute(
  'pause',
  'Pause now (unused time credited), optionally resuming automatically at resumeAt',
  z.strictObject({ resumeAt: isoDateTime().nullable().optional() }).openapi('PauseRequest'),
);
const resumeRoute = changeRoute(
  'resume',
  'Resume now (remaining time charged)',
  z.strictObject({}).openapi('ResumeRequest'),
);
const cancelRoute = changeRoute(
  'cancel',
  'Cancel now (unused time credited) or at the end of the current period',
  z.strictObject({ atPeriodEnd: z.boolean().default(false) }).openapi('CancelRequest'),
);

/** Money as the API shows it everywhere (at least the currency's minor units); the workflow reports plain decimals. */
const presentSubscription = <S extends { pricePerSeat: string; currency: string }>(s: S) => ({
  ...s,
  pricePerSeat: money(s.pricePerSeat, s.currency),
});

interface ChangeOutcome {
  net: string;
  currency: string;
  lines: Array<{ description: string; amount: string }>;
  subscription: { pricePerSeat: string; currency: string };
  invoice?: { total: string; amountDue: string; currency: string } | null | undefined;
}

const presentChange = <C extends ChangeOutcome>(r: C) => ({
  ...r,
  net: money(r.net, r.currency),
  lines: r.lines.map((l) => ({ ...l, amount: money(l.amount, r.currency) })),
  subscription: presentSubscription(r.subscription),
  ...(r.invoice
    ? {
        invoice: {
          ...r.invoice,
          total: money(r.invoice.total, r.invoice.currency),
          amountDue: money(r.invoice.amountDue, r.invoice.currency),
        },
      }
    : {}),
});

/** UUIDv7 (time-ordered, like the database's ids), so the subscription's id exists before its workflow does. */
function uuidv7(): string {
  const bytes = randomBytes(16);
  const ts = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ts >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const CONFLICT_CODES = new Set<string>([
  SUBSCRIPTION_ERRORS.CANCELED,
  SUBSCRIPTION_ERRORS.PAUSED,
  SUBSCRIPTION_ERRORS.NOT_PAUSED,
]);

/** An Update's failure as problem+json: our codes as they are, a validator's rejection as 409. */
function updateProblem(err: unknown): ProblemError {
  let cause: unknown = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    let inner: unknown = cause;
    while (inner instanceof ApplicationFailure && inner.cause instanceof ApplicationFailure) inner = inner.cause;
    const failure = inner as ApplicationFailure;
    const code = failure.type && failure.type !== 'Error' ? failure.type : 'INVALID_SUBSCRIPTION_CHANGE';
    const status = code === 'INVALID_SUBSCRIPTION_CHANGE' || CONFLICT_CODES.has(code) ? 409 : 422;
    return new ProblemError(status, code, 'Subscription change rejected', failure.message);
  }
  throw err;
}

export function subscriptionRoutes(deps: RouteDeps) {
  const find = async (db: Db, organizationId: string, id: string) => {
    const sub = await findSubscription(db, organizationId, id);
    if (!sub) throw notFound('subscription');
    return sub;
  };
  const handleFor = (id: string) =>
    deps.temporal.workflow.getHandle<typeof subscriptionWorkflow>(subscriptionWorkflowId(id));
  const updateId = (header: string | undefined) => (header ? `idem:${header}` : undefined);
  const change = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new ProblemError(
          409,
          SUBSCRIPTION_ERRORS.CANCELED,
          'Subscription change rejected',
          'the subscription has ended',
        );
      }
      throw updateProblem(err);
    }
  };

  return new OpenAPIHono<AuthEnv>()
    .openapi(createSub, async (c) => {
      const body = c.req.valid('json');
      const organizationId = c.var.auth.organizationId;
      const invalid = await validateNewSubscription(c.var.db, { ...body, organizationId });
      if (invalid?.code === 'NOT_FOUND') throw notFound('entity');
      if (invalid) {
        throw new ProblemError(422, invalid.code, 'Invalid subscription', `${invalid.path} is not usable`, [
          { path: invalid.path, message: invalid.code },
        ]);
      }
      const subscriptionId = uuidv7();
      const start = await subscriptionCreation(deps, {
        subscriptionId,
        organizationId,
        entityId: body.entityId,
        planId: body.planId,
        seats: body.seats,
        actor: actorOf(c),
      });
      const created = await change(() =>
        deps.temporal.workflow.executeUpdateWithStart(awaitCreatedUpdate, { startWorkflowOperation: start }),
      );
      return c.json(presentSubscription(created), 201);
    })
    .openapi(listSubs, async (c) => {
      const q = c.req.valid('query');
      const page = await listSubscriptions(c.var.db, c.var.auth.organizationId, pageRequest(q), {
        entityId: q.entityId,
      });
      return c.json(listResponse(page, presentSubscription), 200);
    })
    .openapi(readSub, async (c) => {
      const sub = await find(c.var.db, c.var.auth.organizationId, c.req.valid('param').subscriptionId);
      let workflow = { changesApplied: 0, running: false };
      try {
        const handle = handleFor(sub.id);
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') {
          const state = await handle.query(subscriptionStateQuery);
          workflow = { changesApplied: state.changesApplied, running: true };
        }
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      return c.json({ ...presentSubscription(sub), workflowId: subscriptionWorkflowId(sub.id), workflow }, 200);
    })
    .openapi(utilization, async (c) => {
      const result = await subscriptionUtilization(
        c.var.db,
        c.var.auth.organizationId,
        c.req.valid('param').subscriptionId,
      );
      if (!result) throw notFound('subscription');
      return c.json(result, 200);
    })
    .openapi(seatsRoute, async (c) => {
      const sub = await find(c.var.db, c.var.auth.organizationId, c.req.valid('param').subscriptionId);
      const { seats } = c.req.valid('json');
      const id = updateId(c.req.header('idempotency-key'));
      const result = await change(() =>
        handleFor(sub.id).executeUpdate(changeSeatsUpdate, {
          args: [{ seats, actor: actorOf(c) }],
          ...(id ? { updateId: id } : {}),
        }),
      );
      return c.json(presentChange(result), 200);
    })
    .openapi(planRoute, async (c) => {
      const sub = await find(c.var.db, c.var.auth.organizationId, c.req.valid('param').subscriptionId);
      const { planId } = c.req.valid('json');
      const id = updateId(c.req.header('idempotency-key'));
      const result = await change(() =>
        handleFor(sub.id).executeUpdate(changePlanUpdate, {
          args: [{ planId, actor: actorOf(c) }],
          ...(id ? { updateId: id } : {}),
        }),
      );
      return c.json(presentChange(result), 200);
    })
    .openapi(pauseRoute, async (c) => {
      const sub = await find(c.var.db, c.var.auth.organizationId, c.req.valid('param').subscriptionId);
      const { resumeAt } = c.req.valid('json');
      const id = updateId(c.req.header('idempotency-key'));
      const result = await change(() =>
        handleFor(sub.id).executeUpdate(pauseUpdate, {
          args: [{ resumeAt: resumeAt ?? null, actor: actorOf(c) }],
          ...(id ? { updateId: id } : {}),
        }),
      );
      return c.json(presentChange(result), 200);
    })
    .openapi(resumeRoute, async (c) => {
      const sub = await find(c.var.db, c.var.auth.organizationId, c.req.valid('param').subscriptionId);
      const id = updateId(c.req.header('idempotency-key'));
      const result = await change(() =>
        handleFor(sub.id).executeUpdate(resumeUpdate, {
          args: [{ actor: actorOf(c) }],
          ...(id ? { updateId: id } : {}),
        }),
      );
      return c.json(presentChange(result), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const sub = await find(c.var.db, c.var.auth.organizationId, c.req.valid('param').subscriptionId);
      const { atPeriodEnd } = c.req.valid('json');
      const id = updateId(c.req.header('idempotency-key'));
      const result = await change(() =>
        handleFor(sub.id).executeUpdate(cancelUpdate, {
          args: [{ atPeriodEnd, actor: actorOf(c) }],
          ...(id ? { updateId: id } : {}),
        }),
      );
      return c.json(presentChange(result), 200);
    });
}
