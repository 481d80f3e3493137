// Commission plans of the marketplace (domain/commissionPlans.ts): percentage, flat, min/max, and sliding tiers by
// the lifetime billings of a client-freelancer pair. Validated on write (422 INVALID_COMMISSION_PLAN names the
// problem) and fixed once written.
//   POST /api/marketplace/commission-plans
//   GET  /api/marketplace/commission-plans[/{commissionPlanId}]
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createCommissionPlan,
  findCommissionPlan,
  listCommissionPlans,
  planDefinition,
} from '../../activities/marketplace/commissionPlans.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { AmountString, apiRoute, CurrencyCode, idParam, iso, json, jsonBody, Timestamp } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Marketplace'];

/** 0 to 100 with at most 4 decimals: what the domain accepts, so the document promises no more. */
const Percent = z
  .string()
  .regex(/^(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)$/, 'a percent from 0 to 100 with at most 4 decimals')
  .openapi({ example: '10' });
const Bound = AmountString.nullable()
  .optional()
  .openapi({ description: 'Per payment, in the plan currency (its minor unit at most)', example: null });

const SLIDING_EXAMPLE = {
  kind: 'sliding' as const,
  currency: 'USD',
  tiers: [
    { upTo: '500.00', percent: '20' },
    { upTo: '10000.00', percent: '10' },
    { upTo: null, percent: '5' },
  ],
  minimum: null,
  maximum: null,
};

const Definition = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('percentage'),
      currency: CurrencyCode,
      percent: Percent,
      minimum: Bound,
      maximum: Bound,
    }),
    z.strictObject({
      kind: z.literal('flat'),
      currency: CurrencyCode,
      amount: AmountString.openapi({ description: 'Per payment, never more than the payment', example: '2.50' }),
    }),
    z.strictObject({
      kind: z.literal('sliding'),
      currency: CurrencyCode,
      tiers: z
        .array(
          z.strictObject({
            upTo: AmountString.nullable().openapi({
              description:
                "Inclusive bound of the pair's lifetime billings; null for the last tier, which is open. Increasing",
              example: '500.00',
            }),
            percent: Percent,
          }),
        )
        .min(1)
        .max(20),
      minimum: Bound,
      maximum: Bound,
    }),
  ])
  .openapi('CommissionPlanDefinition', {
    description:
      'percentage: `percent` of each payment; flat: `amount` per payment; sliding: graduated tiers over the ' +
      'lifetime billings of the client-freelancer pair (a payment crossing a tier edge is split across the tiers). ' +
      "The commission of a payment is the plan's cumulative commission on the pair's billings after it minus before " +
      'it, each rounded half-up to the minor unit once, so a pair’s commissions always sum to the plan applied to ' +
      'their total. `minimum`/`maximum` bound each payment’s commission, never above the payment.',
    example: SLIDING_EXAMPLE,
  });

const CommissionPlanSchema = z
  .object({
    id: z.uuid(),
    name: z.string().openapi({ example: 'Sliding 20/10/5' }),
    currency: z.string().openapi({ example: 'USD' }),
    definition: Definition,
    createdAt: Timestamp,
  })
  .openapi('CommissionPlan');

const createRoute = apiRoute({
  method: 'post',
  path: '/api/marketplace/commission-plans',
  tags,
  summary: 'Create a commission plan (percentage, flat, or sliding tiers by lifetime billings of a pair)',
  middleware: [requireScope('admin')],
  request: {
    body: jsonBody(
      z.strictObject({ name: z.string().min(1).max(200), definition: Definition }).openapi('NewCommissionPlan'),
      { name: 'Sliding 20/10/5', definition: SLIDING_EXAMPLE },
    ),
  },
  responses: { 201: json(CommissionPlanSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/commission-plans',
  tags,
  summary: 'List commission plans',
  middleware: [requireScope('read')],
  request: { query: ListQuery },
  responses: { 200: json(listSchema(CommissionPlanSchema, 'CommissionPlanList'), 'Commission plans') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/commission-plans/{commissionPlanId}',
  tags,
  summary: 'Read a commission plan',
  middleware: [requireScope('read')],
  request: { params: idParam('commissionPlanId') },
  responses: { 200: json(CommissionPlanSchema, 'The plan') },
});

type PlanRow = NonNullable<Awaited<ReturnType<typeof findCommissionPlan>>>;
const present = (p: PlanRow) => ({
  id: p.id,
  name: p.name,
  currency: p.currency,
  definition: planDefinition(p) as z.infer<typeof Definition>,
  createdAt: iso(p.createdAt),
});

export function commissionPlanRoutes(_deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const plan = await createCommissionPlan(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(plan), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listCommissionPlans(c.var.db, c.var.auth.organizationId, pageRequest(q));
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const plan = await findCommissionPlan(c.var.db, c.var.auth.organizationId, c.req.valid('param').commissionPlanId);
      if (!plan) throw notFound('commission plan');
      return c.json(present(plan), 200);
    });
}
