// /api/organizations: tenants. The bootstrap admin key creates an organization together with its first admin key
// (and may mint a key for an organization left without one); an organization's own keys see only itself.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createApiKey, createFirstApiKey } from '../../activities/apiKeyLifecycle.js';
import { createOrganization } from '../../activities/organizations/createOrganization.js';
import { findOrganization, updateOrganization } from '../../activities/organizations/organizationRecords.js';
import { type AuthEnv, actorOf, allowBootstrap, requireScope } from '../auth.js';
import { apiRoute, CurrencyCode, EmailAddress, idParam, iso, json, jsonBody, Timestamp } from '../openapiKit.js';
import { ListQuery, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { ApiKeyWithSecretSchema, NewApiKeySchema, presentApiKey, ScopeSchema } from './apiKeySchemas.js';

const OrganizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    billingEmail: z.string(),
    domain: z.string().nullable(),
    reportingCurrency: z.string().openapi({
      example: 'USD',
      description: 'Currency of cross-entity reports and informational invoice totals (entities bill in their own)',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Organization');

const NewOrganization = z
  .strictObject({
    name: z.string().min(1).max(200),
    billingEmail: EmailAddress,
    domain: z.string().min(1).max(253).nullable().optional(),
    reportingCurrency: CurrencyCode.optional().openapi({
      description: 'Currency of cross-entity reports and informational invoice totals (default USD)',
    }),
    apiKey: z
      .strictObject({
        name: z.string().min(1).max(200).default('Admin key'),
        scopes: z.array(ScopeSchema).min(1).default(['admin']),
      })
      .optional()
      .openapi({ description: "The organization's first API key (default: an admin key named 'Admin key')" }),
  })
  .openapi('NewOrganization');

const CreatedOrganization = z
  .object({ organization: OrganizationSchema, apiKey: ApiKeyWithSecretSchema })
  .openapi('CreatedOrganization');

const OrganizationPatch = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    billingEmail: EmailAddress.optional(),
    domain: z.string().min(1).max(253).nullable().optional(),
    reportingCurrency: CurrencyCode.optional(),
  })
  .openapi('OrganizationPatch');

const OrgParams = idParam('organizationId');
const tags = ['Organizations'];

const createRoute = apiRoute({
  method: 'post',
  path: '/api/organizations',
  tags,
  summary: 'Create an organization and its first API key (bootstrap admin key only)',
  middleware: [allowBootstrap({ orAdmin: false })],
  request: { body: jsonBody(NewOrganization) },
  responses: { 201: json(CreatedOrganization, 'Created; the key is shown only here') },
});

const listRoute = apiRoute({
  method: 'get',
  path: '/api/organizations',
  tags,
  summary: "The caller's organization, as a list",
  middleware: [requireScope('read')],
  request: { query: ListQuery },
  responses: { 200: json(listSchema(OrganizationSchema, 'OrganizationList'), 'Organizations') },
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/organizations/{organizationId}',
  tags,
  summary: 'Read an organization',
  middleware: [requireScope('read')],
  request: { params: OrgParams },
  responses: { 200: json(OrganizationSchema, 'The organization') },
});

const updateRoute = apiRoute({
  method: 'patch',
  path: '/api/organizations/{organizationId}',
  tags,
  summary: 'Update an organization',
  middleware: [requireScope('admin')],
  request: { params: OrgParams, body: jsonBody(OrganizationPatch) },
  responses: { 200: json(OrganizationSchema, 'Updated') },
});

const createKeyRoute = apiRoute({
  method: 'post',
  path: '/api/organizations/{organizationId}/api-keys',
  tags,
  summary:
    "Create an API key for an organization (bootstrap key: only while it has no active key; or the organization's admin key)",
  middleware: [allowBootstrap({ orAdmin: true })],
  request: { params: OrgParams, body: jsonBody(NewApiKeySchema) },
  responses: { 201: json(ApiKeyWithSecretSchema, 'Created; the key is shown only here') },
});

type OrganizationRow = NonNullable<Awaited<ReturnType<typeof findOrganization>>>;
const present = (o: OrganizationRow) => ({
  id: o.id,
  name: o.name,
  billingEmail: o.billingEmail,
  domain: o.domain,
  reportingCurrency: o.reportingCurrency,
  createdAt: iso(o.createdAt),
  updatedAt: iso(o.updatedAt),
});

export function organizationRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(createRoute, async (c) => {
      const body = c.req.valid('json');
      const created = await createOrganization(c.var.db, actorOf(c), {
        name: body.name,
        billingEmail: body.billingEmail,
        domain: body.domain,
        reportingCurrency: body.reportingCurrency,
        apiKey: body.apiKey ?? { name: 'Admin key', scopes: ['admin'] },
      });
      return c.json(
        {
          organization: present(created.organization),
          apiKey: { ...presentApiKey(created.apiKey), secret: created.secret },
        },
        201,
      );
    })
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const org = await findOrganization(c.var.db, c.var.auth.organizationId);
      const after = pageRequest(q).startingAfter;
      const data = org && (!after || org.id > after) ? [present(org)] : [];
      return c.json({ object: 'list' as const, data, hasMore: false, nextCursor: null }, 200);
    })
    .openapi(readRoute, async (c) => {
      const { organizationId } = c.req.valid('param');
      const org =
        organizationId === c.var.auth.organizationId ? await findOrganization(c.var.db, organizationId) : null;
      if (!org) throw notFound('organization');
      return c.json(present(org), 200);
    })
    .openapi(updateRoute, async (c) => {
      const { organizationId } = c.req.valid('param');
      if (organizationId !== c.var.auth.organizationId) throw notFound('organization');
      const org = await updateOrganization(c.var.db, actorOf(c), organizationId, c.req.valid('json'));
      return c.json(present(org), 200);
    })
    .openapi(createKeyRoute, async (c) => {
      const { organizationId } = c.req.valid('param');
      const body = c.req.valid('json');
      const input = {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      };
      let created: Awaited<ReturnType<typeof createApiKey>>;
      if (c.var.auth.bootstrap) {
        created = await createFirstApiKey(c.var.db, actorOf(c), organizationId, input);
      } else {
        if (organizationId !== c.var.auth.organizationId) throw notFound('organization');
        created = await createApiKey(c.var.db, actorOf(c), organizationId, input);
      }
      return c.json({ ...presentApiKey(created.row), secret: created.secret }, 201);
    });
}
