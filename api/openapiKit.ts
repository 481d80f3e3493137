// Building blocks every route module shares, so each resource's OpenAPI looks like the last: bearer security, the
// problem responses every authenticated route can give, path ids, money and timestamps on the wire.
import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { isSupportedCurrency, minorUnitDigits, SUPPORTED_CURRENCIES } from '../domain/currencies.js';
import { BillingDecimal } from '../domain/money.js';
import { isValidTimeZone } from '../domain/zonedTime.js';
import { idempotent, resourceIdempotencyKey } from './idempotency.js';
import { ProblemError, ProblemSchema } from './problem.js';
import type { AuthEnv } from './requestEnv.js';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The failures any authenticated route may answer with; `code` tells them apart (see README "API"). */
export const problemResponses = {
  400: problem('Malformed request (INVALID_IDEMPOTENCY_KEY)'),
  401: problem('Missing or invalid API key (UNAUTHENTICATED)'),
  403: problem('The key lacks the scope this operation needs (INSUFFICIENT_SCOPE)'),
  404: problem("Unknown id, or another organization's (NOT_FOUND)"),
  409: problem('Conflicts with the current state or a reused Idempotency-Key (CONFLICT, IDEMPOTENCY_KEY_REUSED, ...)'),
  422: problem('Invalid input (VALIDATION_FAILED and domain codes)'),
  429: problem('Rate limit exceeded; see Retry-After (RATE_LIMITED)'),
  500: problem('Internal error (INTERNAL)'),
} as const;

/** What every route with a request body may also answer (api/inputGuards.ts). */
export const bodyProblemResponses = {
  413: problem('Request body over the limit: 1 MiB, 16 MiB for bulk routes (PAYLOAD_TOO_LARGE)'),
} as const;

const hasBody = (method: string) => ['post', 'put', 'patch'].includes(method);

/** For writes that declare no body: empty, or an empty JSON object, or 422 naming what was sent. */
const noBody: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const text = (await c.req.text()).trim();
  if (text === '' || text === '{}') return next();
  let fields: string[] = [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fields = Object.keys(parsed);
  } catch {
    // not JSON: refused as a whole below
  }
  const errors =
    fields.length > 0
      ? fields.map((path) => ({ path, message: 'unknown field: this operation takes no request body' }))
      : [{ path: '(root)', message: 'this operation takes no request body' }];
  throw new ProblemError(422, 'VALIDATION_FAILED', 'Invalid request', 'This operation takes no request body', errors);
};

const idempotencyHeader = (description: string) =>
  z.object({
    'idempotency-key': z
      .string()
      .min(1)
      .max(255)
      .optional()
      .openapi({ param: { name: 'idempotency-key', in: 'header' }, description, example: 'order-4711-credits' }),
  });

const IdempotencyHeader = idempotencyHeader(
  'Same key and body within 24 h, from the same API key, replays the stored response; another body is 409 ' +
    'IDEMPOTENCY_KEY_REUSED. Only successful responses are stored: after a 4xx or 5xx the same key runs again.',
);

const ResourceIdempotencyHeader = idempotencyHeader(
  "The resource's idempotency key, stored with it (per entity; per organization for transfers): the same key " +
    'with the same request returns the first outcome (`replayed: true`), with another request 409. Without a ' +
    'key a retry is a new request. Replaces the deprecated `idempotencyKey` body field (both given and different: ' +
    '422 IDEMPOTENCY_KEY_MISMATCH).',
);

/** The body field old clients send their idempotency key in; the Idempotency-Key header replaces it. */
export const DeprecatedIdempotencyKeyField = z.string().min(1).max(255).optional().openapi({
  deprecated: true,
  description: 'Deprecated: send the Idempotency-Key header. Accepted for old clients; must equal the header if both',
});

type ApiRouteConfig = Omit<RouteConfig, 'path'> & {
  /**
   * 'resource': the route's resource stores its own idempotency key (events, purchases, grants, transfers). The
   * header becomes that key (`c.var.idempotencyKey`, resourceIdempotencyKey) instead of a stored HTTP response.
   */
  idempotency?: 'resource';
};

/**
 * createRoute with the conventions filled in: bearer auth, every problem response, and on POST the documented
 * Idempotency-Key header and its middleware (api/idempotency.ts), placed after the route's own middleware (its
 * guards), so a stored response is replayed only to a caller the route lets in.
 */
export function apiRoute<P extends string, R extends ApiRouteConfig & { path: P }>(input: R) {
  const { idempotency, ...rest } = input;
  const config = rest as unknown as R; // without the kit's own option, which is no part of the document
  const post = config.method === 'post';
  const resource = idempotency === 'resource';
  const header = resource ? ResourceIdempotencyHeader : IdempotencyHeader;
  const headers = post && !config.request?.headers ? { headers: header } : {};
  const guards = config.middleware === undefined ? [] : [config.middleware].flat();
  const keyMiddleware = resource ? resourceIdempotencyKey : idempotent;
  // A write without a declared body takes none: a body sent anyway would be ignored, so it is refused instead.
  const bodyless = hasBody(config.method) || config.method === 'delete' ? !config.request?.body : false;
  const middleware = [...guards, ...(post ? [keyMiddleware] : []), ...(bodyless ? [noBody] : [])];
  // Unknown query parameters are refused (a misspelt filter or cursor would silently return page one).
  const query = { query: ((config.request?.query as z.ZodObject | undefined) ?? z.object({})).strict() };
  return createRoute({
    ...config,
    ...(middleware.length > 0 ? { middleware: middleware as unknown as R['middleware'] } : {}),
    security: config.security ?? [{ bearerAuth: [] }],
    request: { ...config.request, ...headers, ...query } as R['request'],
    responses: {
      ...problemResponses,
      ...(hasBody(config.method) ? bodyProblemResponses : {}),
      ...config.responses,
    } as R['responses'] & typeof problemResponses,
  });
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * A required JSON request body. Its objects must be closed (`z.strictObject` or `.strict()` before `.openapi(name)`):
 * an unknown field is a 422 naming it, and the document says `additionalProperties: false`. Checked here, when the
 * route is declared, so an open body never reaches the document.
 */
export const jsonBody = <T extends z.ZodType>(schema: T) => {
  assertClosed(schema, 'body');
  return { required: true, content: { 'application/json': { schema } } };
};

/** The same for a body that may be left out (the handler sees `{}`). */
export const optionalJsonBody = <T extends z.ZodType>(schema: T) => {
  assertClosed(schema, 'body');
  return { required: false, content: { 'application/json': { schema } } };
};

/** Throws when an object anywhere in the schema accepts keys it does not declare. */
export function assertClosed(schema: z.ZodType, at: string): void {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const walk = (inner: unknown, where: string) => assertClosed(inner as z.ZodType, where);
  switch (def.type) {
    case 'object': {
      const catchall = def.catchall as { _zod: { def: { type: string } } } | undefined;
      if (catchall?._zod.def.type !== 'never') {
        throw new Error(`${at}: an object that lets unknown fields through; declare it with z.strictObject()`);
      }
      for (const [key, field] of Object.entries(def.shape as Record<string, unknown>)) walk(field, `${at}.${key}`);
      return;
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      walk(def.innerType, at);
      return;
    case 'array':
      walk(def.element, `${at}[]`);
      return;
    case 'union':
      for (const option of def.options as unknown[]) walk(option, at);
      return;
    case 'intersection':
      walk(def.left, at);
      walk(def.right, at);
      return;
    case 'pipe':
      walk(def.in, at);
      return;
    default:
      return; // scalars; records hold free-form data on purpose (event properties, metadata)
  }
}

export function idParam<const N extends string>(name: N) {
  return z.object({ [name]: z.uuid().openapi({ param: { name, in: 'path' } }) } as {
    [K in N]: z.ZodUUID;
  });
}

/**
 * An ISO 8601 date-time input (`Z`, or with `offset: true` also `+hh:mm`). The document carries the exact pattern zod
 * validates with (ASCII digits spelled [0-9], which is what \d means in JavaScript but not in every regex dialect), so
 * generated clients and fuzzers send only what is accepted.
 */
export function isoDateTime(opts: { offset?: boolean } = {}) {
  return z.iso.datetime(opts).openapi({ pattern: z.regexes.datetime(opts).source.replaceAll('\\d', '[0-9]') });
}

export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-01-31T23:00:00.000Z' });
export const NullableTimestamp = Timestamp.nullable();
export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const CurrencyCode = z
  .string()
  .refine(isSupportedCurrency, { message: 'an upper-case ISO 4217 currency code, e.g. USD' })
  .openapi({ example: 'USD', description: 'ISO 4217 currency code', enum: [...SUPPORTED_CURRENCIES] });

/**
 * An email address on input; the pattern is the one zod validates with, so the document promises no more than is
 * accepted. Responses type stored addresses as plain strings: what zod accepted is not always what every `email`
 * format checker accepts (a 64+ character local part, say).
 */
export const EmailAddress = z
  .email()
  .max(254)
  .openapi({ pattern: z.regexes.email.source, example: 'billing@example.com' });

export const TimeZone = z
  .string()
  .refine(isValidTimeZone, { message: 'an IANA time zone, e.g. Europe/London' })
  .openapi({ example: 'America/New_York' });

/** A non-negative decimal amount as a string (never a JSON number: money is exact). */
export const AmountString = z
  .string()
  .regex(/^[0-9]{1,14}(\.[0-9]{1,6})?$/, 'a non-negative decimal string with at most 6 decimals, e.g. "12.50"')
  .openapi({ example: '12.50' });

/** A stored decimal on the wire: at least the currency's minor-unit digits ("12.50"), more only when it has them. */
export function money(value: { toString(): string }, currency: string): string {
  const d = new BillingDecimal(value.toString());
  const digits = isSupportedCurrency(currency) ? minorUnitDigits(currency) : 2;
  return d.toFixed(Math.max(digits, d.decimalPlaces()));
}

export const moneyOrNull = (value: { toString(): string } | null, currency: string) =>
  value === null ? null : money(value, currency);

/** Body of a DELETE: the removed resource's id and the fact. */
export const Deleted = z.object({ id: z.uuid(), object: z.string(), deleted: z.literal(true) }).openapi('Deleted');
