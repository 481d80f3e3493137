// GET /api/entities/{entityId}/entitlements: everything a permission system decides with, in one read (status,
// subscriptions and seats, credits, each member's limit and what remains), versioned by an ETag so a poller or a
// webhook handler re-reading after an event gets 304 when nothing changed.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { entityEntitlements } from '../../activities/entities/entityEntitlements.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, idParam, json, NullableTimestamp, Timestamp } from '../openapiKit.js';
import type { RouteDeps } from '../routeDeps.js';

const Money = (example: string) => z.string().openapi({ example });

const EntitlementsSchema = z
  .object({
    entityId: z.uuid(),
    status: z.enum(['active', 'suspended']).openapi({
      description: 'suspended: an invoice is past due; events are rejected with ENTITY_SUSPENDED',
    }),
    suspendedAt: NullableTimestamp,
    currency: z.string().openapi({ example: 'USD' }),
    overagePolicy: z.enum(['reject', 'bill']),
    period: z
      .object({ start: Timestamp, end: Timestamp })
      .openapi({ description: 'The current billing period: limits and spend below are for it' }),
    subscriptions: z.array(
      z.object({
        id: z.uuid(),
        planId: z.uuid(),
        planName: z.string().openapi({ example: 'Pro' }),
        interval: z.enum(['month', 'year']),
        status: z.enum(['active', 'paused', 'past_due']),
        seats: z.number().int(),
        currentPeriodStart: Timestamp,
        currentPeriodEnd: Timestamp,
        cancelAtPeriodEnd: z.boolean(),
        pausedAt: NullableTimestamp,
        resumeAt: NullableTimestamp,
      }),
    ),
    seats: z
      .object({ purchased: z.number().int(), assigned: z.number().int() })
      .openapi({ description: 'Seats of the subscriptions not paused, and members holding a seat' }),
    credits: z
      .array(z.object({ currency: z.string(), remaining: Money('137.10') }))
      .openapi({ description: 'Usable (unexpired) credits, per currency' }),
    members: z.array(
      z.object({
        userId: z.uuid(),
        role: z.enum(['owner', 'admin', 'member', 'viewer']),
        seatAssigned: z.boolean(),
        creditLimit: Money('30.00').nullable().openapi({ description: 'Per billing period; null = no limit' }),
        spent: Money('12.50'),
        remaining: Money('17.50').nullable().openapi({ description: 'null when there is no limit' }),
        limitReached: z.boolean(),
      }),
    ),
  })
  .openapi('Entitlements', {
    example: {
      entityId: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70',
      status: 'active',
      suspendedAt: null,
      currency: 'USD',
      overagePolicy: 'reject',
      period: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' },
      subscriptions: [
        {
          id: '0193b0a9-8888-7aaa-8bbb-000000000301',
          planId: '0193b0a9-9999-7aaa-8bbb-000000000401',
          planName: 'Pro',
          interval: 'month',
          status: 'active',
          seats: 5,
          currentPeriodStart: '2026-12-01T00:00:00.000Z',
          currentPeriodEnd: '2027-01-01T00:00:00.000Z',
          cancelAtPeriodEnd: false,
          pausedAt: null,
          resumeAt: null,
        },
      ],
      seats: { purchased: 5, assigned: 2 },
      credits: [{ currency: 'USD', remaining: '137.10' }],
      members: [
        {
          userId: '0193b0a5-1111-7aaa-8bbb-0000000000a1',
          role: 'member',
          seatAssigned: true,
          creditLimit: '30.00',
          spent: '12.50',
          remaining: '17.50',
          limitReached: false,
        },
      ],
    },
  });

const ETag = z.object({
  ETag: z.string().openapi({ description: 'Version of this answer; send it as If-None-Match', example: '"x1Yz..."' }),
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/entities/{entityId}/entitlements',
  tags: ['Entities'],
  summary: "An entity's entitlements: status, subscriptions and seats, credits, each member's remaining limit",
  description:
    'One consistent read of the rows the webhooks are written with: after a webhook arrives (subscription.paused, ' +
    'entity.suspended, credits.depleted ...) this answer already shows the change. `ETag` versions the answer: ' +
    'send it back as `If-None-Match` and an unchanged state answers 304 with no body.',
  middleware: [requireScope('read')] as const,
  request: {
    params: idParam('entityId'),
    headers: z.object({
      'if-none-match': z
        .string()
        .max(1000)
        .optional()
        .openapi({ param: { name: 'if-none-match', in: 'header' }, description: 'An ETag of an earlier answer' }),
    }),
  },
  responses: {
    200: { ...json(EntitlementsSchema, 'The entitlements'), headers: ETag },
    304: { description: 'Not modified since the ETag sent in If-None-Match', headers: ETag },
  },
});

/** Whether an If-None-Match header names `etag` (a list, weak forms and `*` included, RFC 9110 13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

export function entitlementRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>().openapi(readRoute, async (c) => {
    const { entitlements, etag } = await entityEntitlements(
      c.var.db,
      c.var.auth.organizationId,
      c.req.valid('param').entityId,
    );
    c.header('ETag', etag);
    c.header('Cache-Control', 'private, no-cache');
    if (matches(c.req.valid('header')['if-none-match'], etag)) return c.body(null, 304);
    return c.json(entitlements, 200);
  });
}
