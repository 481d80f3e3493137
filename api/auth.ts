// Bearer API keys. A key belongs to one organization and carries scopes; every query a route makes is scoped to
// `c.var.auth.organizationId`, so another organization's ids simply do not exist for the caller (404, not 403). The
// routes query through `c.var.db`, the database as that organization: Postgres row-level security enforces the
// scoping under every query (activities/tenantDb.ts). Keys are per organization only; none is limited to an entity.
//
// The bootstrap admin key (BOOTSTRAP_ADMIN_KEY) belongs to no organization and has no scope: it passes only the
// routes guarded by `allowBootstrap()` (create an organization, mint an organization's first key) and is refused
// everywhere else with 403 INSUFFICIENT_SCOPE.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { authenticateApiKeyCached } from '../activities/apiKeyAuthCache.js';
import type { ApiKeyScope } from '../activities/apiKeys.js';
import type { Actor } from '../activities/auditLog.js';
import type { Db } from '../activities/db.js';
import { PLATFORM_TENANT, tenantDb } from '../activities/tenantDb.js';
import { ProblemError } from './problem.js';
import type { AuthEnv } from './requestEnv.js';
import { isPortalToken, verifyToken } from './signedTokens.js';

export type { AuthContext, AuthEnv } from './requestEnv.js';
export type Scope = ApiKeyScope;

export const BOOTSTRAP_KEY_ID = 'bootstrap';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `cacheTtlMs`: how long a successful key lookup is reused in this process (activities/apiKeyAuthCache.ts).
 * `signingSecret`: verifies customer-portal session tokens (api/signedTokens.ts); such a token has no scope and
 * passes only the routes guarded by `requirePortal()`, for its one entity.
 */
export function authenticate(
  db: Db,
  bootstrapAdminKey?: string,
  cacheTtlMs = 0,
  signingSecret?: string,
): MiddlewareHandler<AuthEnv> {
  const bootstrapDigest = bootstrapAdminKey ? digest(bootstrapAdminKey) : undefined;
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new ProblemError(401, 'UNAUTHENTICATED', 'Missing API key', 'Send Authorization: Bearer <api key>');
    if (bootstrapDigest && timingSafeEqual(digest(match[1]), bootstrapDigest)) {
      c.set('auth', { apiKeyId: BOOTSTRAP_KEY_ID, organizationId: PLATFORM_TENANT, scopes: [], bootstrap: true });
      c.set('db', tenantDb(db, PLATFORM_TENANT));
      return next();
    }
    if (signingSecret && isPortalToken(match[1])) {
      const claims = verifyToken(signingSecret, 'portal', match[1]);
      if (!claims) {
        throw new ProblemError(
          401,
          'UNAUTHENTICATED',
          'Invalid portal session',
          'The portal session is invalid or expired',
        );
      }
      c.set('auth', {
        apiKeyId: `portal:${claims.subject}`,
        organizationId: claims.organizationId,
        scopes: [],
        portal: { entityId: claims.subject, expiresAt: new Date(claims.exp * 1000) },
      });
      // A portal session is its organization's (row-level security), like an API key.
      c.set('db', tenantDb(db, claims.organizationId));
      return next();
    }
    const auth = await authenticateApiKeyCached(db, match[1], cacheTtlMs);
    if (!auth) {
      throw new ProblemError(401, 'UNAUTHENTICATED', 'Invalid API key', 'The API key is unknown, revoked or expired');
    }
    c.set('auth', auth);
    // From here on every query of the request is the key's organization's (row-level security).
    c.set('db', tenantDb(db, auth.organizationId));
    await next();
  };
}

function insufficientScope(scope: string): ProblemError {
  return new ProblemError(403, 'INSUFFICIENT_SCOPE', 'Insufficient scope', `This operation needs the '${scope}' scope`);
}

/**
 * Who a guard lets in, in words, for the operation's description in the document (api/openapiKit.ts): the document
 * then says what the route enforces, from the guard itself.
 */
export const guardAudience = new WeakMap<MiddlewareHandler<AuthEnv>, string>();

const described = (guard: MiddlewareHandler<AuthEnv>, audience: string) => {
  guardAudience.set(guard, audience);
  return guard;
};

/** admin implies every scope; read is implied by admin only (ingest keys cannot read billing data). */
export function requireScope(scope: Scope): MiddlewareHandler<AuthEnv> {
  return described(
    async (c, next) => {
      const { scopes } = c.var.auth;
      if (!scopes.includes(scope) && !scopes.includes('admin')) throw insufficientScope(scope);
      await next();
    },
    scope === 'admin' ? 'an `admin` key' : `a key with the \`${scope}\` scope (or an \`admin\` key)`,
  );
}

/** Customer-portal routes: a portal session token only; the entity is the session's (c.var.auth.portal). */
export function requirePortal(): MiddlewareHandler<AuthEnv> {
  return described(async (c, next) => {
    if (!c.var.auth.portal) throw insufficientScope('portal session');
    await next();
  }, "a customer portal session token (POST /api/entities/{entityId}/portal-sessions), for that session's entity");
}

/** For the few bootstrap operations: the bootstrap key, or (when `orAdmin`) an organization's admin key. */
export function allowBootstrap(opts: { orAdmin: boolean }): MiddlewareHandler<AuthEnv> {
  return described(
    async (c, next) => {
      const { bootstrap, scopes } = c.var.auth;
      if (!bootstrap && !(opts.orAdmin && scopes.includes('admin'))) {
        throw insufficientScope(opts.orAdmin ? 'admin' : 'bootstrap');
      }
      await next();
    },
    opts.orAdmin
      ? "the bootstrap key (BOOTSTRAP_ADMIN_KEY) or the organization's `admin` key"
      : 'the bootstrap key (BOOTSTRAP_ADMIN_KEY)',
  );
}

/** The audit actor of the request: the API key (or the bootstrap key) and the request id. */
export function actorOf(c: Context<AuthEnv>): Actor {
  const { auth } = c.var;
  const requestId = c.get('requestId');
  return auth.bootstrap
    ? { actorType: 'bootstrap', actorId: null, requestId }
    : { actorType: 'api_key', actorId: auth.apiKeyId, requestId };
}
