// Legacy /api/customers: CRUD of pre-platform customers, each linkable to the entity that now bills it. Kept
// working for existing integrations in their original snake_case wire format; deprecated in favour of entities.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createCustomer,
  deleteCustomer,
  findCustomer,
  listCustomers,
  updateCustomer,
} from '../../activities/legacy/customerRecords.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import {
  apiRoute,
  CurrencyCode,
  Deleted,
  EmailAddress,
  idParam,
  iso,
  json,
  jsonBody,
  Timestamp,
} from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const LegacyCustomer = z
  .object({
    id: z.uuid(),
    object: z.literal('customer'),
    name: z.string(),
    email: z.string().nullable(),
    external_id: z.string().nullable(),
    currency: z.string(),
    entity_id: z.uuid().nullable().openapi({ description: 'The entity that now bills this customer' }),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('LegacyCustomer');

const Fields = {
  name: z.string().min(1).max(200),
  email: EmailAddress.nullable().optional(),
  external_id: z.string().min(1).max(200).nullable().optional(),
  currency: CurrencyCode.optional(),
  entity_id: z.uuid().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
};
const NewLegacyCustomer = z.strictObject(Fields).openapi('NewLegacyCustomer');
const LegacyCustomerPatch = z.strictObject({ ...Fields, name: Fields.name.optional() }).openapi('LegacyCustomerPatch');

const tags = ['Legacy'];
const base = '/api/customers';
const Params = idParam('customerId');
const legacy = { tags, deprecated: true } as const;

const createRoute = apiRoute({
  ...legacy,
  method: 'post',
  path: base,
  summary: 'Create a legacy customer',
  middleware: [requireScope('admin')],
  request: { body: jsonBody(NewLegacyCustomer) },
  responses: { 201: json(LegacyCustomer, 'Created') },
});
const listRoute = apiRoute({
  ...legacy,
  method: 'get',
  path: base,
  summary: 'List legacy customers',
  middleware: [requireScope('read')],
  request: { query: ListQuery.extend({ entity_id: z.uuid().optional(), external_id: z.string().optional() }) },
  responses: { 200: json(listSchema(LegacyCustomer, 'LegacyCustomerList'), 'Customers') },
});
const readRoute = apiRoute({
  ...legacy,
  method: 'get',
  path: `${base}/{customerId}`,
  summary: 'Read a legacy customer',
  middleware: [requireScope('read')],
  request: { params: Params },
  responses: { 200: json(LegacyCustomer, 'The customer') },
});
const updateRoute = apiRoute({
  ...legacy,
  method: 'patch',
  path: `${base}/{customerId}`,
  summary: 'Update a legacy customer (entity_id links it to an entity)',
  middleware: [requireScope('admin')],
  request: { params: Params, body: jsonBody(LegacyCustomerPatch) },
  responses: { 200: json(LegacyCustomer, 'Updated') },
});
const deleteRoute = apiRoute({
  ...legacy,
  method: 'delete',
  path: `${base}/{customerId}`,
  summary: 'Delete a legacy customer',
  middleware: [requireScope('admin')],
  request: { params: Params },
  responses: { 200: json(Deleted, 'Deleted') },
});

type Row = NonNullable<Awaited<ReturnType<typeof findCustomer>>>;
const present = (c: Row) => ({
  id: c.id,
  object: 'customer' as const,
  name: c.name,
  email: c.email,
  external_id: c.externalId,
  currency: c.currency,
  entity_id: c.entityId,
  metadata: (c.metadata as Record<string, unknown> | null) ?? null,
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
});

const fromWire = (b: Partial<z.infer<typeof NewLegacyCustomer>>) => ({
  ...(b.name !== undefined ? { name: b.name } : {}),
  ...(b.email !== undefined ? { email: b.email } : {}),
  ...(b.external_id !== undefined ? { externalId: b.external_id } : {}),
  ...(b.currency !== undefined ? { currency: b.currency } : {}),
  ...(b.entity_id !== undefined ? { entityId: b.entity_id } : {}),
  ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
});

export function legacyCustomerRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const body = c.req.valid('json');
      const customer = await createCustomer(c.var.db, actorOf(c), c.var.auth.organizationId, {
        ...fromWire(body),
        name: body.name,
      });
      return c.json(present(customer), 201);
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listCustomers(
        c.var.db,
        c.var.auth.organizationId,
        { entityId: q.entity_id, externalId: q.external_id },
        pageRequest(q),
      );
      return c.json(listResponse(page, present), 200);
    })
    .openapi(readRoute, async (c) => {
      const customer = await findCustomer(c.var.db, c.var.auth.organizationId, c.req.valid('param').customerId);
      if (!customer) throw notFound('customer');
      return c.json(present(customer), 200);
    })
    .openapi(updateRoute, async (c) => {
      const customer = await updateCustomer(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').customerId,
        fromWire(c.req.valid('json')),
      );
      return c.json(present(customer), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { customerId } = c.req.valid('param');
      await deleteCustomer(c.var.db, actorOf(c), c.var.auth.organizationId, customerId);
      return c.json({ id: customerId, object: 'customer', deleted: true as const }, 200);
    });
}
