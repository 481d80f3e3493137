// Credit packages (CRUD): what an organization sells as prepaid credits. Admin writes, read (or admin) reads.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createCreditPackage,
  deleteCreditPackage,
  getCreditPackage,
  listCreditPackages,
  updateCreditPackage,
} from '../../activities/credits/creditPackageCatalog.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, CurrencyCode, json, jsonBody } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import type { RouteDeps } from '../routeDeps.js';

const decimal = z
  .string()
  .regex(/^[0-9]{1,14}(\.[0-9]{1,6})?$/, 'a non-negative decimal string with at most 6 decimals');

const CreditPackageInput = z
  .strictObject({
    name: z.string().min(1).max(200),
    credits: decimal.openapi({ example: '100.00', description: 'Credits granted (1 credit = 1 unit of currency)' }),
    price: decimal.openapi({ example: '90.00' }),
    currency: CurrencyCode,
    validityDays: z.number().int().min(1).max(3660).openapi({ example: 365 }),
    active: z.boolean().optional(),
  })
  .openapi('CreditPackageInput');

const CreditPackage = z
  .object({
    id: z.uuid(),
    name: z.string(),
    credits: z.string(),
    price: z.string(),
    currency: z.string(),
    validityDays: z.number().int(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CreditPackage');

const IdParam = z.object({ packageId: z.uuid().openapi({ param: { name: 'packageId', in: 'path' } }) });
const base = { tags: ['Credits'] };

const createPackage = apiRoute({
  ...base,
  method: 'post',
  path: '/api/billing/credits/packages',
  summary: 'Create a credit package',
  middleware: [requireScope('admin')] as const,
  request: { body: jsonBody(CreditPackageInput) },
  responses: { 201: json(CreditPackage, 'Created') },
});

const listPackages = apiRoute({
  ...base,
  method: 'get',
  path: '/api/billing/credits/packages',
  summary: 'List credit packages',
  middleware: [requireScope('read')] as const,
  request: { query: ListQuery.extend({ active: z.enum(['true', 'false']).optional() }) },
  responses: { 200: json(listSchema(CreditPackage, 'CreditPackageList'), 'Packages') },
});

const getPackage = apiRoute({
  ...base,
  method: 'get',
  path: '/api/billing/credits/packages/{packageId}',
  summary: 'Read a credit package',
  middleware: [requireScope('read')] as const,
  request: { params: IdParam },
  responses: { 200: json(CreditPackage, 'The package') },
});

const updatePackage = apiRoute({
  ...base,
  method: 'patch',
  path: '/api/billing/credits/packages/{packageId}',
  summary: 'Change a credit package (existing grants are not affected)',
  middleware: [requireScope('admin')] as const,
  request: {
    params: IdParam,
    body: jsonBody(CreditPackageInput.partial()),
  },
  responses: { 200: json(CreditPackage, 'Updated') },
});

const deletePackage = apiRoute({
  ...base,
  method: 'delete',
  path: '/api/billing/credits/packages/{packageId}',
  summary: 'Retire a credit package (soft delete; grants bought from it stay)',
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam },
  responses: { 204: { description: 'Retired' } },
});

export function creditPackageRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createPackage, async (c) =>
      c.json(await createCreditPackage(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('json')), 201),
    )
    .openapi(listPackages, async (c) => {
      const q = c.req.valid('query');
      const active = q.active === undefined ? undefined : q.active === 'true';
      const page = await listCreditPackages(c.var.db, c.var.auth.organizationId, { active }, pageRequest(q));
      return c.json(
        listResponse(page, (p) => p),
        200,
      );
    })
    .openapi(getPackage, async (c) =>
      c.json(await getCreditPackage(c.var.db, c.var.auth.organizationId, c.req.valid('param').packageId), 200),
    )
    .openapi(updatePackage, async (c) =>
      c.json(
        await updateCreditPackage(
          c.var.db,
          actorOf(c),
          c.var.auth.organizationId,
          c.req.valid('param').packageId,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(deletePackage, async (c) => {
      await deleteCreditPackage(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('param').packageId);
      return c.body(null, 204);
    });
}
