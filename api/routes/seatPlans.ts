// /api/billing/seat-plans: per-seat prices for subscriptions (monthly or annual). Prices are immutable.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createSeatPlan,
  deleteSeatPlan,
  findSeatPlan,
  listSeatPlans,
  updateSeatPlan,
} from '../../activities/seatPlans/seatPlanRecords.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  AmountString,
  apiRoute,
  CurrencyCode,
  Deleted,
  idParam,
  iso,
  json,
  jsonBody,
  money,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const Interval = z.enum(['month', 'year']);

const SeatPlanSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    interval: Interval,
    pricePerSeat: z.string().openapi({ example: '12.00' }),
    currency: z.string(),
    active: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('SeatPlan');

const NewSeatPlan = z
  .strictObject({
    name: z.string().min(1).max(200),
    interval: Interval,
    pricePerSeat: AmountString,
    currency: CurrencyCode,
    active: z.boolean().optional(),
  })
  .openapi('NewSeatPlan');

const SeatPlanPatch = z
  .strictObject({ name: z.string().min(1).max(200).optional(), active: z.boolean().optional() })
  .openapi('SeatPlanPatch', { description: 'The price is fixed; create a new plan to change it' });

const tags = ['Seat plans'];
const base = '/api/billing/seat-plans';
const PlanParams = idParam('seatPlanId');

const createRoute = apiRoute({
  method: 'post',
  path: base,
  tags,
  summary: 'Create a seat plan',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewSeatPlan) },
  responses: { 201: json(SeatPlanSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: base,
  tags,
  summary: 'List seat plans',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ active: z.enum(['true', 'false']).optional() }) },
  responses: { 200: json(listSchema(SeatPlanSchema, 'SeatPlanList'), 'Seat plans') },
});
const readRoute = apiRoute({
  method: 'get',
  path: `${base}/{seatPlanId}`,
  tags,
  summary: 'Read a seat plan',
  middleware: [requireScope('read')],
  request: { params: PlanParams },
  responses: { 200: json(SeatPlanSchema, 'The seat plan') },
});
const updateRoute = apiRoute({
  method: 'patch',
  path: `${base}/{seatPlanId}`,
  tags,
  summary: 'Rename or (de)activate a seat plan',
  middleware: [requireScope('admin')],
  request: { params: PlanParams, body: jsonBody(SeatPlanPatch) },
  responses: { 200: json(SeatPlanSchema, 'Updated') },
});
const deleteRoute = apiRoute({
  method: 'delete',
  path: `${base}/{seatPlanId}`,
  tags,
  summary: 'Delete a seat plan no subscription uses (409 SEAT_PLAN_IN_USE otherwise)',
  middleware: [requireScope('admin')],
  request: { params: PlanParams },
  responses: { 200: json(Deleted, 'Deleted') },
});

type PlanRow = NonNullable<Awaited<ReturnType<typeof findSeatPlan>>>;
const present = (p: PlanRow) => ({
  id: p.id,
  name: p.name,
  interval: p.interval,
  pricePerSeat: money(p.pricePerSeat, p.currency),
  currency: p.currency,
  active: p.active,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

export function seatPlanRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const plan = await createSeatPlan(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(plan), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const active = q.active === undefined ? undefined : q.active === 'true';
      const page = await listSeatPlans(c.var.db, c.var.auth.organizationId, { active }, pageRequest(q));
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const plan = await findSeatPlan(c.var.db, c.var.auth.organizationId, c.req.valid('param').seatPlanId);
      if (!plan) throw notFound('seat plan');
      return c.json(present(plan), 200);
    })
    .openapi(updateRoute, async (c) => {
      const { seatPlanId } = c.req.valid('param');
      const plan = await updateSeatPlan(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        seatPlanId,
        c.req.valid('json'),
      );
      return c.json(present(plan), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { seatPlanId } = c.req.valid('param');
      await deleteSeatPlan(c.var.db, actorOf(c), c.var.auth.organizationId, seatPlanId);
      return c.json({ id: seatPlanId, object: 'seat_plan', deleted: true as const }, 200);
    });
}
