// Revenue-share split rules (domain/revenueShare.ts): several payees share what the marketplace passes on
// (payee_amount: an agency and its freelancer), or the marketplace shares its commission (commission: a referrer's
// share, the rest named `marketplace`), in force for an optional time window. Validated on write: shares sum to
// exactly 100 (422 INVALID_SPLIT_RULE), every party is a payee of the organization (422 UNKNOWN_PAYEE), the window is
// ordered (422 INVALID_SPLIT_WINDOW). Fixed once written.
//   POST /api/marketplace/split-rules
//   GET  /api/marketplace/split-rules[/{splitRuleId}]
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createSplitRule,
  findSplitRule,
  listSplitRules,
  ruleDefinition,
} from '../../activities/marketplace/splitRules.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  apiRoute,
  idParam,
  iso,
  isoDateTime,
  isoOrNull,
  json,
  jsonBody,
  NullableTimestamp,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Marketplace'];
const SplitBase = z.enum(['payee_amount', 'commission']).openapi({
  description:
    "payee_amount: splits what the payees get of a work payment; commission: splits the marketplace's commission " +
    '(name the marketplace itself as the party `marketplace`)',
});
const Share = z
  .strictObject({
    party: z.string().min(1).max(64).openapi({
      description: 'A payee id, or `marketplace` (commission splits only)',
      example: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70',
    }),
    percent: z
      .string()
      .regex(/^(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)$/, 'a percent from 0 to 100 with at most 4 decimals')
      .openapi({ description: 'Above 0; the shares sum to exactly 100', example: '10' }),
  })
  .openapi('SplitShare');

const SplitRuleSchema = z
  .object({
    id: z.uuid(),
    name: z.string().openapi({ example: 'Referral 10 %' }),
    appliesTo: SplitBase,
    shares: z.array(Share),
    validFrom: NullableTimestamp,
    validUntil: NullableTimestamp,
    createdAt: Timestamp,
  })
  .openapi('SplitRule');

const EXAMPLE = {
  name: 'Referral 10 %',
  appliesTo: 'commission' as const,
  shares: [
    { party: 'marketplace', percent: '90' },
    { party: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70', percent: '10' },
  ],
  validFrom: '2026-12-01T00:00:00Z',
  validUntil: '2027-12-01T00:00:00Z',
};

const createRoute = apiRoute({
  method: 'post',
  path: '/api/marketplace/split-rules',
  tags,
  summary: 'Create a revenue-share split rule (shares summing to exactly 100 %)',
  description:
    'Leftover cents of a split go one each to the shares with the largest remainders, ties to the larger percent, ' +
    'then to the party id that sorts first: the parts always sum to the amount exactly, whatever order the shares are ' +
    'listed in. A work payment names the rules it applies; one outside its window is refused (422 ' +
    'SPLIT_RULE_NOT_IN_FORCE). 422 INVALID_SPLIT_RULE when the shares do not sum to exactly 100 (or name a party ' +
    'twice, or the marketplace in a payee split); 422 UNKNOWN_PAYEE for a party that is no payee of the ' +
    'organization; 422 INVALID_SPLIT_WINDOW when validFrom is not before validUntil.',
  middleware: [requireScope('admin')],
  request: {
    body: jsonBody(
      z
        .strictObject({
          name: z.string().min(1).max(200),
          appliesTo: SplitBase,
          shares: z.array(Share).min(1).max(50),
          validFrom: isoDateTime({ offset: true }).nullable().optional(),
          validUntil: isoDateTime({ offset: true }).nullable().optional(),
        })
        .openapi('NewSplitRule'),
      EXAMPLE,
    ),
  },
  responses: { 201: json(SplitRuleSchema, 'Created') },
});
const listRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/split-rules',
  tags,
  summary: 'List split rules',
  middleware: [requireScope('read')],
  request: { query: ListQuery },
  responses: { 200: json(listSchema(SplitRuleSchema, 'SplitRuleList'), 'Split rules') },
});
const readRoute = apiRoute({
  method: 'get',
  path: '/api/marketplace/split-rules/{splitRuleId}',
  tags,
  summary: 'Read a split rule',
  middleware: [requireScope('read')],
  request: { params: idParam('splitRuleId') },
  responses: { 200: json(SplitRuleSchema, 'The rule') },
});

type RuleRow = NonNullable<Awaited<ReturnType<typeof findSplitRule>>>;
const present = (r: RuleRow) => ({
  id: r.id,
  name: r.name,
  ...ruleDefinition(r),
  shares: [...ruleDefinition(r).shares],
  validFrom: isoOrNull(r.validFrom),
  validUntil: isoOrNull(r.validUntil),
  createdAt: iso(r.createdAt),
});

export function splitRuleRoutes(_deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const rule = await createSplitRule(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json'));
      return c.json(present(rule), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listSplitRules(c.var.db, c.var.auth.organizationId, pageRequest(q));
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const rule = await findSplitRule(c.var.db, c.var.auth.organizationId, c.req.valid('param').splitRuleId);
      if (!rule) throw notFound('split rule');
      return c.json(present(rule), 200);
    });
}
