// Bearer API keys. A key belongs to one organization and carries scopes; every query a route makes is scoped to
// `c.var.auth.organizationId`, so another organization's ids simply do not exist for the caller (404, not 403).
import type { MiddlewareHandler } from 'hono';
import { type ApiKeyScope, type AuthenticatedKey, authenticateApiKey } from '../activities/apiKeys.js';
import type { Db } from '../activities/db.js';
import { ProblemError } from './problem.js';

export type Scope = ApiKeyScope;
export type AuthContext = AuthenticatedKey;

export type AuthEnv = { Variables: { auth: AuthContext } };

export function authenticate(db: Db): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new ProblemError(401, 'UNAUTHENTICATED', 'Missing API key', 'Send Authorization: Bearer <api key>');
    const auth = await authenticateApiKey(db, match[1]);
    if (!auth) {
      throw new ProblemError(401, 'UNAUTHENTICATED', 'Invalid API key', 'The API key is unknown, revoked or expired');
    }
    c.set('auth', auth);
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
