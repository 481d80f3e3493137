// Idempotency-Key on POST (Stripe's convention): the same key with the same request replays the stored response
// (with `Idempotent-Replayed: true`); the same key with another request is a 409; a key whose first request is still
// running is a 409 too. Only successful responses are stored: a 4xx changed nothing (invalid input, a refused state
// change) and a 5xx may not have run, so a retry with the same key, corrected or not, runs again.
//
// Resources that carry their own idempotency key in the database (events, credit purchases, grants, transfers) take
// the header as that key instead (`resourceIdempotencyKey`): one key, stored with the resource, replayed from it.
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
  checkKeyLength(key);
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
  if (status >= 400) {
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

function checkKeyLength(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new ProblemError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Invalid Idempotency-Key',
      `1 to ${MAX_KEY_LENGTH} characters`,
    );
  }
}

/** The body field old clients send instead of the header (deprecated). */
export const LEGACY_KEY_FIELD = 'idempotencyKey';

/**
 * Route middleware of the POSTs whose resource stores its own idempotency key: the `Idempotency-Key` header, or for
 * old clients the deprecated `idempotencyKey` body field, becomes `c.var.idempotencyKey` for the handler to store
 * with the resource. Both given and different: 422 IDEMPOTENCY_KEY_MISMATCH (which one was meant is unknowable).
 * Neither: undefined, and the handler makes a key of its own (the request then is not safe to retry, as on Stripe).
 */
export const resourceIdempotencyKey: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const header = c.req.header('idempotency-key');
  if (header !== undefined) checkKeyLength(header);
  let field: unknown;
  if (/json/i.test(c.req.header('content-type') ?? '')) {
    try {
      const body: unknown = JSON.parse(await c.req.text());
      if (body && typeof body === 'object' && !Array.isArray(body))
        field = (body as Record<string, unknown>)[LEGACY_KEY_FIELD];
    } catch {
      // Not JSON: the route's validator answers 400 MALFORMED_JSON.
    }
  }
  if (header !== undefined && typeof field === 'string' && field !== header) {
    throw new ProblemError(
      422,
      'IDEMPOTENCY_KEY_MISMATCH',
      'Two different idempotency keys',
      'The Idempotency-Key header and the deprecated idempotencyKey body field differ; send the header only',
      [{ path: LEGACY_KEY_FIELD, message: 'differs from the Idempotency-Key header' }],
    );
  }
  c.set('idempotencyKey', header ?? (typeof field === 'string' ? field : undefined));
  await next();
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
