// The variables every middleware and route of the app sees on its context (Hono's Env): who is calling and the
// database as that caller's organization (auth.ts sets `auth` and `db`), this process's liveness for Idempotency-Key
// claims (idempotency.ts), and the request id.
import type { RequestIdVariables } from 'hono/request-id';
import type { AuthenticatedKey } from '../activities/apiKeys.js';
import type { Db } from '../activities/db.js';
import type { ProcessLiveness } from '../activities/processLiveness.js';

export type AuthContext = AuthenticatedKey & {
  /** True for the bootstrap admin key: apiKeyId is 'bootstrap', organizationId the nil UUID, scopes empty. */
  bootstrap?: boolean;
  /** A customer-portal session (api/signedTokens.ts): scopes empty, everything it reads is this entity's. */
  portal?: { entityId: string; expiresAt: Date };
};

/** Who this process is, for `idempotent` (the records live in the caller's organization: `db`). */
export interface IdempotencyStore {
  /** This process's proof of life, so a retry elsewhere can take over its claims at once if it dies. */
  liveness?: ProcessLiveness | undefined;
}

export type AuthEnv = {
  Variables: {
    auth: AuthContext;
    /**
     * The database as the caller's organization (activities/tenantDb.ts): row-level security shows and lets it write
     * that organization's rows only. The bootstrap key's is the platform tenant, which owns no organization's rows.
     */
    db: Db;
    idempotencyStore?: IdempotencyStore;
    /** On routes whose resource stores its own key: the request's Idempotency-Key (resourceIdempotencyKey). */
    idempotencyKey?: string | undefined;
  } & RequestIdVariables;
};
