// Per-user credit limits per entity per billing period: read a member's limit, spend and remaining allowance (read),
// list them for an entity (read), set or clear a limit (admin).
import { OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import { listUserSpend, userSpend } from '../../activities/analytics/userSpend.js';
import { setUserCreditLimit } from '../../activities/users/memberCreditLimit.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, deprecatedAlias, json, jsonBody } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import type { RouteDeps } from '../routeDeps.js';

const base = { tags: ['Credits'] };
const EntityParam = z.object({ entityId: z.uuid().openapi({ param: { name: 'entityId', in: 'path' } }) });
const MemberParams = EntityParam.extend({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) });

const UserSpend = z
  .object({
    entityId: z.uuid(),
    userId: z.uuid(),
    currency: z.string(),
    creditLimit: z.string().nullable().openapi({ description: 'Per billing period; null = no limit' }),
    spent: z.string(),
    remaining: z.string().nullable(),
    limitReached: z.boolean(),
    limitReachedAt: z.string().nullable(),
    periodStart: z.string(),
    periodEnd: z.string(),
  })
  .openapi('UserSpend');

const listRoute = apiRoute({
  ...base,
  method: 'get',
  path: '/api/entities/{entityId}/user-limits',
  summary: "Every member's credit limit, spend and remaining allowance in the current period",
  middleware: [requireScope('read')] as const,
  request: { params: EntityParam, query: ListQuery },
  responses: { 200: json(listSchema(UserSpend, 'UserSpendList'), 'Members, in userId order (the cursor is a userId)') },
});

const readRoute = apiRoute({
  ...base,
  method: 'get',
  path: '/api/entities/{entityId}/user-limits/{userId}',
  summary: "A member's credit limit, spend and remaining allowance in the current period",
  middleware: [requireScope('read')] as const,
  request: { params: MemberParams },
  responses: { 200: json(UserSpend, 'Spend') },
});

const setRoute = apiRoute({
  ...base,
  method: 'put',
  path: '/api/entities/{entityId}/user-limits/{userId}',
  summary: "Set (or with null remove) a member's per-period credit limit",
  description:
    'Takes effect on the next event. Raising the limit above what the member spent in a period, or removing it, ' +
    "clears that period's `limitReached` (and `limitReachedAt`), so `user.credit_limit_reached` is emitted again " +
    'at the next crossing. Lowering it to or below the spend emits nothing at once: the answer shows ' +
    '`remaining: "0.00"`, and the member\'s next event that costs anything is refused with ' +
    '`USER_CREDIT_LIMIT_EXCEEDED`, which emits `user.credit_limit_reached` (once per crossing).',
  middleware: [requireScope('admin')] as const,
  request: {
    params: MemberParams,
    body: jsonBody(
      z.strictObject({
        creditLimit: z
          .string()
          .regex(/^[0-9]{1,14}(\.[0-9]{1,6})?$/)
          .nullable()
          .openapi({ example: '250.00', description: 'Per billing period, in the entity currency; null = no limit' }),
      }),
    ),
  },
  responses: { 200: json(UserSpend, 'Updated') },
});

/** Where these lived before entity-keyed resources moved under /api/entities/{entityId}. */
const OLD_BASE = '/api/billing/entities/{entityId}/user-limits';

export function userLimitRoutes(deps: RouteDeps) {
  const list: RouteHandler<typeof listRoute, AuthEnv> = async (c) => {
    const q = c.req.valid('query');
    const page = await listUserSpend(
      c.var.db,
      c.var.auth.organizationId,
      c.req.valid('param').entityId,
      pageRequest(q),
    );
    return c.json(
      listResponse(
        page,
        (v) => v,
        (v) => v.userId,
      ),
      200,
    );
  };
  const read: RouteHandler<typeof readRoute, AuthEnv> = async (c) => {
    const { entityId, userId } = c.req.valid('param');
    return c.json(await userSpend(c.var.db, c.var.auth.organizationId, entityId, userId), 200);
  };
  const set: RouteHandler<typeof setRoute, AuthEnv> = async (c) => {
    const { entityId, userId } = c.req.valid('param');
    const { creditLimit } = c.req.valid('json');
    return c.json(
      await setUserCreditLimit(c.var.db, actorOf(c), c.var.auth.organizationId, entityId, userId, creditLimit),
      200,
    );
  };
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, list)
    .openapi(readRoute, read)
    .openapi(setRoute, set)
    .openapi(deprecatedAlias(listRoute, OLD_BASE), list as never)
    .openapi(deprecatedAlias(readRoute, `${OLD_BASE}/{userId}`), read as never)
    .openapi(deprecatedAlias(setRoute, `${OLD_BASE}/{userId}`), set as never);
}
