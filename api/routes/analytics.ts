// /api/analytics: usage and spend by event type, user, team or day; top spenders; credit burn rate and projected
// depletion. Read scope. Ranges default to the entity's current billing period.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { creditBurnRate } from '../../activities/analytics/creditBurnRate.js';
import { revenueReport } from '../../activities/analytics/revenueReport.js';
import { topSpenders, usageReport } from '../../activities/analytics/usageAnalytics.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, isoDateTime, json } from '../openapiKit.js';
import { ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { AppliedRate } from './exchangeRateSchemas.js';

const base = { tags: ['Analytics'] };
const Range = z.object({
  entityId: z.uuid(),
  from: isoDateTime({ offset: true }).optional().openapi({ description: 'Default: start of the current period' }),
  to: isoDateTime({ offset: true }).optional().openapi({ description: 'Exclusive; default: end of the period' }),
});
const date = (s: string | undefined) => (s ? new Date(s) : undefined);

const UsageRow = z.object({
  key: z.string(),
  events: z.number().int(),
  quantity: z.string(),
  ratedAmount: z.string(),
  creditsDrawn: z.string(),
  billedLater: z.string(),
});

const usageRoute = apiRoute({
  ...base,
  method: 'get',
  path: '/api/analytics/usage',
  summary: 'Usage and spend of accepted events, grouped by event type, user, team or day',
  description:
    'Archived events (past the retention policy) count through their daily totals: a range that cuts through an ' +
    "archived day (starts or ends inside it, in the entity's time zone) is refused with 422 `USAGE_RANGE_ARCHIVED`.",
  middleware: [requireScope('read')] as const,
  request: { query: Range.extend({ groupBy: z.enum(['eventType', 'user', 'team', 'day']).default('eventType') }) },
  responses: {
    200: json(
      z
        .object({
          entityId: z.uuid(),
          currency: z.string(),
          groupBy: z.string(),
          from: z.string(),
          to: z.string(),
          rows: z.array(UsageRow),
          totals: UsageRow.omit({ key: true }),
        })
        .openapi('UsageReport'),
      'Usage',
    ),
  },
});

const topRoute = apiRoute({
  ...base,
  method: 'get',
  path: '/api/analytics/top-spenders',
  summary: 'Users who spent the most in the range',
  description: 'Counts archived events like /api/analytics/usage (422 `USAGE_RANGE_ARCHIVED` likewise).',
  middleware: [requireScope('read')] as const,
  request: { query: Range.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) }) },
  responses: {
    200: json(
      z
        .object({
          entityId: z.uuid(),
          currency: z.string(),
          from: z.string(),
          to: z.string(),
          spenders: z.array(
            z.object({
              userId: z.uuid(),
              email: z.string().nullable(),
              name: z.string().nullable(),
              teamId: z.uuid().nullable(),
              events: z.number().int(),
              ratedAmount: z.string(),
            }),
          ),
        })
        .openapi('TopSpenders'),
      'Top spenders',
    ),
  },
});

const burnRoute = apiRoute({
  ...base,
  method: 'get',
  path: '/api/analytics/credit-burn',
  summary: 'Credit burn rate over the last windowDays and the projected depletion date',
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({ entityId: z.uuid(), windowDays: z.coerce.number().int().min(1).max(365).default(30) }),
  },
  responses: {
    200: json(
      z
        .object({
          entityId: z.uuid(),
          currency: z.string(),
          windowDays: z.number().int(),
          consumed: z.string(),
          burnRatePerDay: z.string(),
          balance: z.string(),
          projectedDepletionAt: z.string().nullable(),
          daysUntilDepletion: z.string().nullable(),
          expiringBeforeDepletion: z.string(),
          asOf: z.string(),
        })
        .openapi('CreditBurn'),
      'Burn rate',
    ),
  },
});

const revenueRoute = apiRoute({
  ...base,
  method: 'get',
  path: '/api/analytics/revenue',
  summary: "Revenue across the organization's entities, in its reporting currency, with the rates used",
  description:
    'Invoices issued in [from, to) (open, paid or uncollectible), summed exactly per currency, each sum converted ' +
    "once into the organization's `reportingCurrency` at the rate in force at the range's last instant (now, if it " +
    'ends later), rounded half-even to its minor unit; each figure shows the rate and the stored rates behind it, and the ' +
    'totals are the sums of the converted figures. 422 `NO_EXCHANGE_RATE` when a currency has no rate; 422 ' +
    '`INVALID_RANGE` unless from < to.',
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      from: isoDateTime({ offset: true }).openapi({ example: '2026-03-01T00:00:00Z' }),
      to: isoDateTime({ offset: true }).openapi({ example: '2026-04-01T00:00:00Z', description: 'Exclusive' }),
    }),
  },
  responses: {
    200: json(
      z
        .object({
          reportingCurrency: z.string(),
          from: z.string(),
          to: z.string(),
          ratesAt: z.string(),
          byCurrency: z.array(
            z.object({
              currency: z.string(),
              invoices: z.number().int(),
              entities: z.number().int(),
              invoiced: z.string(),
              paid: z.string(),
              invoicedReported: z.string(),
              paidReported: z.string(),
              exchangeRate: AppliedRate,
            }),
          ),
          totals: z.object({ invoiced: z.string(), paid: z.string() }),
        })
        .openapi('RevenueReport'),
      'Revenue',
    ),
  },
});

export function analyticsRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(usageRoute, async (c) => {
      const q = c.req.valid('query');
      const report = await usageReport(c.var.db, c.var.auth.organizationId, {
        entityId: q.entityId,
        groupBy: q.groupBy,
        from: date(q.from),
        to: date(q.to),
      });
      return c.json(report, 200);
    })
    .openapi(topRoute, async (c) => {
      const q = c.req.valid('query');
      const report = await topSpenders(c.var.db, c.var.auth.organizationId, {
        entityId: q.entityId,
        from: date(q.from),
        to: date(q.to),
        limit: q.limit,
      });
      return c.json(report, 200);
    })
    .openapi(burnRoute, async (c) => {
      const q = c.req.valid('query');
      return c.json(await creditBurnRate(c.var.db, c.var.auth.organizationId, q), 200);
    })
    .openapi(revenueRoute, async (c) => {
      const q = c.req.valid('query');
      const range = { from: new Date(q.from), to: new Date(q.to) };
      if (range.to.getTime() <= range.from.getTime()) {
        throw new ProblemError(422, 'INVALID_RANGE', 'Invalid range', '`to` must be after `from`');
      }
      return c.json(await revenueReport(c.var.db, c.var.auth.organizationId, range), 200);
    });
}
