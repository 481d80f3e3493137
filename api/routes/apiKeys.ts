// /api/api-keys: the caller organization's keys (admin scope). The key is returned once, on create and rotate.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { createApiKey, findApiKey, listApiKeys, revokeApiKey, rotateApiKey } from '../../activities/apiKeyLifecycle.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, idParam, json, jsonBody, optionalJsonBody } from '../openapiKit.js';
import { ListQuery, listResponse, listSchema, pageRequest } from '../pagination.js';
import { notFound } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';
import { ApiKeySchema, ApiKeyWithSecretSchema, NewApiKeySchema, presentApiKey } from './apiKeySchemas.js';

const tags = ['API keys'];
const admin = [requireScope('admin')];
const KeyParams = idParam('apiKeyId');

const listRoute = apiRoute({
  method: 'get',
  path: '/api/api-keys',
  tags,
  summary: 'List API keys',
  middleware: admin,
  request: {
    query: ListQuery.extend({
      includeRevoked: z.enum(['true', 'false']).optional().openapi({ description: 'Include revoked keys' }),
    }),
  },
  responses: { 200: json(listSchema(ApiKeySchema, 'ApiKeyList'), 'API keys') },
});

const createRoute = apiRoute({
  method: 'post',
  path: '/api/api-keys',
  tags,
  summary: 'Create an API key',
  middleware: admin,
  request: { body: jsonBody(NewApiKeySchema) },
  responses: { 201: json(ApiKeyWithSecretSchema, 'Created; the key is shown only here') },
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/api-keys/{apiKeyId}',
  tags,
  summary: 'Read an API key (never the key itself)',
  middleware: admin,
  request: { params: KeyParams },
  responses: { 200: json(ApiKeySchema, 'The API key') },
});

const RotateBody = z
  .strictObject({
    oldKeyExpiresInSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(0)
      .openapi({ description: 'Grace period for the old key; 0 revokes it at once' }),
  })
  .openapi('RotateApiKey');

const rotateRoute = apiRoute({
  method: 'post',
  path: '/api/api-keys/{apiKeyId}/rotate',
  tags,
  summary: 'Rotate: a new key with the same name and scopes; the old one revoked now or after a grace period',
  middleware: admin,
  request: { params: KeyParams, body: optionalJsonBody(RotateBody) },
  responses: {
    200: json(
      z.object({ apiKey: ApiKeyWithSecretSchema, replaced: ApiKeySchema }).openapi('RotatedApiKey'),
      'The new key (shown only here) and the old one',
    ),
  },
});

const revokeRoute = apiRoute({
  method: 'post',
  path: '/api/api-keys/{apiKeyId}/revoke',
  tags,
  summary: 'Revoke an API key (immediately)',
  middleware: admin,
  request: { params: KeyParams },
  responses: { 200: json(ApiKeySchema, 'Revoked') },
});

export function apiKeyRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .openapi(listRoute, async (c) => {
      const q = c.req.valid('query');
      const page = await listApiKeys(
        c.var.db,
        c.var.auth.organizationId,
        { includeRevoked: q.includeRevoked === 'true' },
        pageRequest(q),
      );
      return c.json(listResponse(page, presentApiKey), 200);
    })
    .openapi(createRoute, async (c) => {
      const body = c.req.valid('json');
      const created = await createApiKey(c.var.db, actorOf(c), c.var.auth.organizationId, {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      });
      return c.json({ ...presentApiKey(created.row), secret: created.secret }, 201);
    })
    .openapi(readRoute, async (c) => {
      const key = await findApiKey(c.var.db, c.var.auth.organizationId, c.req.valid('param').apiKeyId);
      if (!key) throw notFound('API key');
      return c.json(presentApiKey(key), 200);
    })
    .openapi(rotateRoute, async (c) => {
      const body = c.req.valid('json') ?? { oldKeyExpiresInSeconds: 0 };
      const rotated = await rotateApiKey(
        c.var.db,
        actorOf(c),
        c.var.auth.organizationId,
        c.req.valid('param').apiKeyId,
        { oldKeyExpiresInSeconds: body.oldKeyExpiresInSeconds },
      );
      return c.json(
        { apiKey: { ...presentApiKey(rotated.row), secret: rotated.secret }, replaced: presentApiKey(rotated.old) },
        200,
      );
    })
    .openapi(revokeRoute, async (c) => {
      const key = await revokeApiKey(c.var.db, actorOf(c), c.var.auth.organizationId, c.req.valid('param').apiKeyId);
      return c.json(presentApiKey(key), 200);
    });
}
