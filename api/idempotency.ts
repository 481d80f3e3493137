// Idempotency-Key on POST (Stripe's convention): the same key with the same request replays the stored response
// (with `Idempotent-Replayed: true`); the same key with another request is a 409; a key whose first request is still
// running is a 409 too. 5xx responses are not stored, so a retry after a server failure runs again.
//
// A stored response belongs to the API key that made the request (and its organization): the same Idempotency-Key
// from another key, of the same organization or another, is that key's own request. And a replay is the route's
// answer, so it is given only to a caller the route lets in: `idempotent` is route middleware that apiRoute()
// (api/openapiKit.ts) puts after the route's guards (requireScope, allowBootstrap), never app-wide before them.
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  type IdempotencyOwner,
  releaseIdempotencyKey,
} from '../activities/idempotencyRecords.js';
import { ProblemError } from './problem.js';
import type { AuthEnv, IdempotencyStore } from './requestEnv.js';

const MAX_KEY_LENGTH = 255;

/** App-wide: hands the store to the routes' `idempotent` middleware. Looks nothing up itself. */
export function idempotencyStore(store: IdempotencyStore): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    c.set('idempotencyStore', store);
    await next();
  };
}

/** Route middleware of every POST, after the route's guards: by then the caller is authenticated and allowed in. */
export const idempotent: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || key === undefined) return next();
  const store = c.get('idempotencyStore');
  if (!store) throw new Error('idempotent: no idempotencyStore() middleware in front of this route');
  const { liveness } = store;
  const { db } = c.var;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new ProblemError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Invalid Idempotency-Key',
      `1 to ${MAX_KEY_LENGTH} characters`,
    );
  }
  const { auth } = c.var;
  const owner: IdempotencyOwner = auth.bootstrap
    ? { organizationId: null, apiKeyId: auth.apiKeyId }
    : { organizationId: auth.organizationId, apiKeyId: auth.apiKeyId };
  const body = await c.req.text();
  const requestHash = createHash('sha256').update(`${c.req.method}\n${c.req.path}\n${body}`).digest('hex');
  const claim = await claimIdempotencyKey(db, {
    ...owner,
    key,
    method: c.req.method,
    path: c.req.path,
    requestHash,
    holder: liveness?.stamp() ?? null,
  });

  switch (claim.kind) {
    case 'replay':
      // Every stored 4xx is a problem document; it replays with the media type it was first sent with.
      return c.json(claim.body as object, claim.statusCode as 200, {
        'Idempotent-Replayed': 'true',
        ...(claim.statusCode >= 400 ? { 'Content-Type': 'application/problem+json' } : {}),
      });
    case 'mismatch':
      throw new ProblemError(
        409,
        'IDEMPOTENCY_KEY_REUSED',
        'Idempotency key reused',
        'This Idempotency-Key was used with a different request; use a new key for a new request',
      );
    case 'in_progress':
      throw new ProblemError(
        409,
        'IDEMPOTENCY_IN_PROGRESS',
        'Request in progress',
        'A request with this key is still running; retry shortly',
      );
    case 'claimed':
      break;
  }

  try {
    await next();
  } catch (err) {
    await releaseIdempotencyKey(db, owner, key);
    throw err;
  }
  const status = c.res.status;
  if (status >= 500) {
    await releaseIdempotencyKey(db, owner, key);
    return;
  }
  const text = await c.res.clone().text();
  let stored: unknown = null;
  try {
    stored = text ? JSON.parse(text) : null;
  } catch {
    stored = text;
  }
  await completeIdempotencyKey(db, owner, key, status, redactSecrets(stored));
};

/**
 * Secrets shown once (API keys, webhook signing secrets) are never stored: a replay returns the response with each
 * `secret` field set to REDACTED_SECRET. A client that lost the original response rotates the key or secret.
 */
export const REDACTED_SECRET = '[redacted: shown once; rotate to get a new one]';

function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'secret' ? REDACTED_SECRET : redactSecrets(v)]),
    );
  }
  return value;
}
