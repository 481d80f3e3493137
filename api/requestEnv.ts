// The variables every middleware and route of the app sees on its context (Hono's Env): who is calling
// (auth.ts sets `auth`), where Idempotency-Key records live (idempotency.ts), and the request id.
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

/** Where the records live and who this process is, for `idempotent`. */
export interface IdempotencyStore {
  db: Db;
  /** This process's proof of life, so a retry elsewhere can take over its claims at once if it dies. */
  liveness?: ProcessLiveness | undefined;
}

export type AuthEnv = {
  Variables: {
    auth: AuthContext;
    idempotencyStore?: IdempotencyStore;
    /** On routes whose resource stores its own key: the request's Idempotency-Key (resourceIdempotencyKey). */
    idempotencyKey?: string | undefined;
  } & RequestIdVariables;
};
