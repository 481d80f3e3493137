// Wire shapes of API keys, shared by the organization (bootstrap) and API key routes.
import { z } from '@hono/zod-openapi';
import { iso, isoDateTime, isoOrNull, NullableTimestamp, Timestamp } from '../openapiKit.js';

export const ScopeSchema = z.enum(['admin', 'ingest', 'read']).openapi({
  description: 'admin: everything; read: read billing data; ingest: send events',
});

export const ApiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'First characters of the key, to recognise it', example: 'bk_Xy12ab' }),
    scopes: z.array(ScopeSchema),
    lastUsedAt: NullableTimestamp,
    expiresAt: NullableTimestamp,
    revokedAt: NullableTimestamp,
    createdAt: Timestamp,
  })
  .openapi('ApiKey');

export const ApiKeyWithSecretSchema = ApiKeySchema.extend({
  secret: z.string().openapi({ description: 'The API key. Shown only in this response: store it now.' }),
}).openapi('ApiKeyWithSecret');

export const NewApiKeySchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    scopes: z.array(ScopeSchema).min(1).max(3),
    expiresAt: isoDateTime().optional().openapi({ description: 'Optional expiry (ISO 8601)' }),
  })
  .openapi('NewApiKey');

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export const presentApiKey = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes as Array<'admin' | 'ingest' | 'read'>,
  lastUsedAt: isoOrNull(k.lastUsedAt),
  expiresAt: isoOrNull(k.expiresAt),
  revokedAt: isoOrNull(k.revokedAt),
  createdAt: iso(k.createdAt),
});
