// /api/entities: an organization's billing units. Creating one starts its billing workflow (billing:<entityId>);
// should that start fail after the entity committed, the reconciliation schedule starts it later.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createEntity, listEntities, updateEntity } from '../../activities/entities/entityRecords.js';
import { findEntityInOrganization } from '../../activities/entities.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import { startEntityBillingWorkflow } from '../../temporal/workflowStarts.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  AmountString,
  apiRoute,
  CurrencyCode,
  idParam,
  iso,
  isoOrNull,
  json,
  jsonBody,
  money,
  NullableTimestamp,
  Timestamp,
  TimeZone,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { NewEventPrice, validated } from './priceBooks.js';

const OveragePolicy = z.enum(['reject', 'bill']).openapi({
  description: 'reject: an event not covered by credits is rejected; bill: the shortfall is invoiced in arrears',
});

export const EntitySchema = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    currency: z.string().openapi({ example: 'USD' }),
    timeZone: z.string().openapi({ example: 'America/New_York' }),
    billingAnchorDay: z.number().int().openapi({ description: 'Day of month periods start (clamped to month end)' }),
    status: z.enum(['active', 'suspended']),
    overagePolicy: OveragePolicy,
    lowBalanceThreshold: z.string().openapi({ example: '100.00', description: 'In the entity currency' }),
    suspendedAt: NullableTimestamp,
    billingWorkflowId: z.string().openapi({ example: 'billing:0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70' }),
    testClockId: z.uuid().nullable().openapi({
      description: 'The test clock whose time the entity bills on (set at creation); null: wall time',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Entity');

const NewEntitySchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    currency: CurrencyCode,
    timeZone: TimeZone.default('UTC'),
    billingAnchorDay: z.number().int().min(1).max(31).default(1),
    overagePolicy: OveragePolicy.default('reject'),
    lowBalanceThreshold: AmountString.default('0'),
    testClockId: z
      .uuid()
      .optional()
      .openapi({
        description:
          'Attach the entity to a test clock (POST /api/test-clocks): its billing periods, subscriptions, credit expiry ' +
          "and collection run on the clock's time, and its events are accepted at the clock's time. Fixed for its life.",
      }),
    priceBook: z
      .strictObject({
        name: z.string().min(1).max(200),
        prices: z.array(NewEventPrice).min(1).max(500),
      })
      .optional()
      .openapi({
        description:
          "The entity's own price book, in the entity's currency, created with it: its prices override the " +
          "organization's. Needed when the organization prices event types only in other currencies.",
        example: {
          name: 'Acme EU prices',
          prices: [{ eventType: 'project.posted', model: 'flat', unitPrice: '2.30' }],
        },
      }),
  })
  .openapi('NewEntity');

const EntityPatchSchema = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    overagePolicy: OveragePolicy.optional(),
    lowBalanceThreshold: AmountString.optional(),
  })
  .openapi('EntityPatch', {
    description:
      'Every field given takes effect. Currency and time zone are fixed at creation, the anchor day changes through ' +
      'POST /api/entities/{entityId}/billing-workflow/anchor-day: sending them is 422 FIELD_NOT_UPDATABLE.',
  });

/**
 * Entity fields a PATCH cannot change, and why: refused by name (422 FIELD_NOT_UPDATABLE) rather than as unknown
 * fields, so a client learns where the change is made, if anywhere.
 */
const FIXED_FIELDS: Record<string, string> = {
  timeZone:
    "fixed at creation: the entity's billing periods are cut at local midnight in its time zone, and the periods " +
    'already rated, invoiced or open would have to be cut again; create a new entity for another time zone',
  currency: 'fixed at creation: its credits, invoices, limits and prices are in this currency',
  billingAnchorDay:
    'change it with POST /api/entities/{entityId}/billing-workflow/anchor-day: the open period then ends at the new ' +
    "anchor's first boundary (README, Billing periods)",
};

const refuseFixedFields: MiddlewareHandler<AuthEnv> = async (c, next) => {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return next(); // the validator answers MALFORMED_JSON
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const fixed = Object.keys(body).filter((k) => Object.hasOwn(FIXED_FIELDS, k));
    if (fixed.length > 0) {
      throw new ProblemError(
        422,
        'FIELD_NOT_UPDATABLE',
        'Field not updatable',
        fixed.map((k) => `${k}: ${FIXED_FIELDS[k]}`).join('; '),
        fixed.map((k) => ({ path: k, message: FIXED_FIELDS[k] as string })),
      );
    }
  }
  await next();
};

const tags = ['Entities'];
const EntityParams = idParam('entityId');

const createRoute = apiRoute({
  method: 'post',
  path: '/api/entities',
  tags,
  summary: 'Create an entity and start its billing workflow',
  description:
    "An entity is rated in its own currency, by its organization's price book in that currency. When the " +
    "organization prices event types only in other currencies than the entity's, the entity could not rate those " +
    'events: 422 `ENTITY_CURRENCY_NOT_PRICED` (the problem lists them in `conflicts`, nothing is created), unless ' +
    '`priceBook` gives the entity its own prices for them. An organization without price books accepts any currency.',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewEntitySchema) },
  responses: { 201: json(EntitySchema, 'Created; billing:<entityId> is running') },
});

const listRoute = apiRoute({
  method: 'get',
  path: '/api/entities',
  tags,
  summary: 'List entities',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ status: z.enum(['active', 'suspended']).optional() }) },
  responses: { 200: json(listSchema(EntitySchema, 'EntityList'), 'Entities') },
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/entities/{entityId}',
  tags,
  summary: 'Read an entity',
  middleware: [requireScope('read')],
  request: { params: EntityParams },
  responses: { 200: json(EntitySchema, 'The entity') },
});

const updateRoute = apiRoute({
  method: 'patch',
  path: '/api/entities/{entityId}',
  tags,
  summary: 'Update an entity',
  middleware: [requireScope('admin'), refuseFixedFields],
  request: { params: EntityParams, body: jsonBody(EntityPatchSchema) },
  responses: { 200: json(EntitySchema, 'Updated') },
});

type EntityRow = NonNullable<Awaited<ReturnType<typeof findEntityInOrganization>>>;
export const presentEntity = (e: EntityRow) => ({
  id: e.id,
  organizationId: e.organizationId,
  name: e.name,
  currency: e.currency,
  timeZone: e.timeZone,
  billingAnchorDay: e.billingAnchorDay,
  status: e.status,
  overagePolicy: e.overagePolicy,
  lowBalanceThreshold: money(e.lowBalanceThreshold, e.currency),
  suspendedAt: isoOrNull(e.suspendedAt),
  billingWorkflowId: billingWorkflowId(e.id),
  testClockId: e.testClockId,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

export function entityRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const { priceBook, ...body } = c.req.valid('json');
      const { entity, webhookEventIds } = await createEntity(c.var.db, actorOf(c), c.var.auth.organizationId, {
        ...body,
        ...(priceBook
          ? { priceBook: { ...priceBook, prices: priceBook.prices.map((p) => validated(p, p.eventType)) } }
          : {}),
      });
      await deps.outbox.dispatch(webhookEventIds);
      try {
        await startEntityBillingWorkflow(deps, entity);
      } catch (err) {
        // The entity exists; reconciliation will start its workflow. Answer with what is true now.
        deps.log.error({ err, entityId: entity.id }, 'billing workflow start failed; reconciliation will retry');
      }
      return c.json(presentEntity(entity), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listEntities(c.var.db, c.var.auth.organizationId, { status: q.status }, pageRequest(q));
      return c.json(listResponse(page, presentEntity), 200);
    })
    .openapi(readRoute, async (c) => {
      const entity = await findEntityInOrganization(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId);
      if (!entity) throw notFound('entity');
      return c.json(presentEntity(entity), 200);
    })
    .openapi(updateRoute, async (c) => {
      const { entity, webhookEventIds } = await updateEntity(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').entityId,
        c.req.valid('json'),
      );
      await deps.outbox.dispatch(webhookEventIds);
      return c.json(presentEntity(entity), 200);
    });
}
