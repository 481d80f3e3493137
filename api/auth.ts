// Bearer API keys. A key belongs to one organization and carries scopes; every query a route makes is scoped to
// `c.var.auth.organizationId`, so another organization's ids simply do not exist for the caller (404, not 403).
import type { MiddlewareHandler } from 'hono';
import { hashApiKey } from '../activities/apiKeys.js';
import type { Db } from '../activities/db.js';
import { ProblemError } from './problem.js';

export type Scope = 'admin' | 'ingest' | 'read';

export interface AuthContext {
  apiKeyId: string;
  organizationId: string;
  scopes: Scope[];
}

export type AuthEnv = { Variables: { auth: AuthContext } };

export function authenticate(db: Db): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new ProblemError(401, 'UNAUTHENTICATED', 'Missing API key', 'Send Authorization: Bearer <api key>');
    const key = await db.apiKey.findUnique({ where: { hash: hashApiKey(match[1]) } });
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= new Date())) {
      throw new ProblemError(401, 'UNAUTHENTICATED', 'Invalid API key', 'The API key is unknown, revoked or expired');
    }
    c.set('auth', { apiKeyId: key.id, organizationId: key.organizationId, scopes: key.scopes as Scope[] });
    await next();
  };
}

/** admin implies every scope; read is implied by admin only (ingest keys cannot read billing data). */
export function requireScope(scope: Scope): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const { scopes } = c.var.auth;
    if (!scopes.includes(scope) && !scopes.includes('admin')) {
      throw new ProblemError(
        403,
        'INSUFFICIENT_SCOPE',
        'Insufficient scope',
        `This operation needs the '${scope}' scope`,
      );
    }
    await next();
  };
}
