// Building blocks every route module shares, so each resource's OpenAPI looks like the last: bearer security, the
// problem responses every authenticated route can give, path ids, money and timestamps on the wire.
import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { isSupportedCurrency, SUPPORTED_CURRENCIES } from '../domain/currencies.js';
import { moneyText } from '../domain/money.js';
import { isValidTimeZone } from '../domain/zonedTime.js';
import { guardAudience } from './auth.js';
import { idempotent, resourceIdempotencyKey } from './idempotency.js';
import { checkedExample } from './openapiExamples.js';
import { type Problem, ProblemError, ProblemSchema } from './problem.js';
import { problemTypeUrl } from './problemCatalog.js';
import type { AuthEnv } from './requestEnv.js';

/** A problem+json response, with an example of it (its `type` is the code's page: GET /problems/{code}). */
export function problem(
  description: string,
  example: { status: number; code: string; title: string; detail?: string; errors?: Problem['errors'] },
) {
  const body: Problem = { type: problemTypeUrl(example.code), ...example, instance: '/api/entities' };
  return {
    description,
    content: { 'application/problem+json': withExample({ schema: ProblemSchema }, body) },
  };
}

/**
 * The media type object with its example. The example is left out of its static type: route types feed the typed
 * client (api/client.ts), and a body's example adds nothing there but work for the compiler.
 */
function withExample<M extends { schema: z.ZodType }>(media: M, example: unknown): M {
  return { ...media, example } as M;
}

/** The failures any authenticated route may answer with; `code` tells them apart (see GET /problems). */
export const problemResponses = {
  400: problem('Malformed request (MALFORMED_JSON, INVALID_IDEMPOTENCY_KEY)', {
    status: 400,
    code: 'MALFORMED_JSON',
    title: 'Malformed JSON',
    detail: 'Malformed JSON in request body',
  }),
  401: problem('Missing or invalid API key (UNAUTHENTICATED)', {
    status: 401,
    code: 'UNAUTHENTICATED',
    title: 'Unauthenticated',
    detail: 'Send Authorization: Bearer <api key>',
  }),
  403: problem('The key lacks the scope this operation needs (INSUFFICIENT_SCOPE)', {
    status: 403,
    code: 'INSUFFICIENT_SCOPE',
    title: 'Insufficient scope',
    detail: "This operation needs the 'admin' scope",
  }),
  404: problem("Unknown id, or another organization's (NOT_FOUND)", {
    status: 404,
    code: 'NOT_FOUND',
    title: 'Not found',
    detail: 'entity not found',
  }),
  409: problem('Conflicts with the current state or a reused Idempotency-Key (CONFLICT, IDEMPOTENCY_KEY_REUSED, ...)', {
    status: 409,
    code: 'IDEMPOTENCY_KEY_REUSED',
    title: 'Idempotency key reused',
    detail: 'This Idempotency-Key was used with a different request; use a new key for a new request',
  }),
  422: problem('Invalid input (VALIDATION_FAILED, naming each field, and domain codes)', {
    status: 422,
    code: 'VALIDATION_FAILED',
    title: 'Invalid request',
    detail: 'overage_policy: unknown field',
    errors: [{ path: 'overage_policy', message: 'unknown field' }],
  }),
  429: problem('Rate limit exceeded; see Retry-After (RATE_LIMITED)', {
    status: 429,
    code: 'RATE_LIMITED',
    title: 'Rate limited',
    detail: 'Retry after 1 second',
  }),
  500: problem('Internal error (INTERNAL)', {
    status: 500,
    code: 'INTERNAL',
    title: 'Internal error',
    detail: 'Request 0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70 failed',
  }),
} as const;

/** An HTML page (invoices, credit notes, problem pages), with the start of one as its example. */
export const html = (description: string) => ({
  description,
  content: {
    'text/html': withExample(
      { schema: z.string() },
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Invoice INV-2027-0042</title></head>...',
    ),
  },
});

/** A purchase paid at once whose charge the provider declined. */
export const paymentFailed = problem('Payment failed: nothing was created (PAYMENT_FAILED)', {
  status: 402,
  code: 'PAYMENT_FAILED',
  title: 'Payment failed',
  detail: 'The card was declined (card_declined)',
});

/** What every route with a request body may also answer (api/requestBody.ts, the body validator). */
export const bodyProblemResponses = {
  413: problem('Request body over the limit: 1 MiB, 16 MiB for bulk routes (PAYLOAD_TOO_LARGE)', {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    title: 'Payload too large',
    detail: 'At most 1 MiB per request',
  }),
  415: problem('A body sent with another Content-Type than application/json (UNSUPPORTED_MEDIA_TYPE)', {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    title: 'Unsupported media type',
    detail: 'Send Content-Type: application/json',
  }),
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
    description: config.description ?? conventionsOf(config, guards, bodyless),
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

/**
 * The description of an operation that gives none: its summary, then what the route enforces, read from its own
 * declaration (who its guard lets in, how its Idempotency-Key works, its paging, its body rule), so an integrator
 * reads the rules of this operation where they look for them.
 */
function conventionsOf(config: ApiRouteConfig & { path: string }, guards: unknown[], bodyless: boolean): string {
  const sentences: string[] = [];
  if (config.summary) sentences.push(`${config.summary.replace(/\.$/, '')}.`);
  const audience = guards.map((g) => guardAudience.get(g as MiddlewareHandler<AuthEnv>)).find(Boolean);
  if (audience) sentences.push(`Called with ${audience}.`);
  const query = config.request?.query as z.ZodObject | undefined;
  if (config.method === 'get' && query && 'cursor' in query.shape) {
    sentences.push(
      'Answers a list, `{object: "list", data, hasMore, nextCursor}`, oldest first; page on with `cursor` set to ' +
        'the `nextCursor` of the previous page (`limit` 1-100, default 20).',
    );
  }
  if (config.method === 'post') {
    sentences.push(
      config.idempotency === 'resource'
        ? 'Send an `Idempotency-Key`: it is stored with the resource, and the same key again answers the first outcome (`replayed: true`).'
        : 'Send an `Idempotency-Key`: the same key and body within 24 h replays the stored success.',
    );
  }
  if (bodyless) sentences.push('Takes no request body (a body sent anyway is 422 VALIDATION_FAILED).');
  else if (hasBody(config.method)) sentences.push('An unknown body field is 422 VALIDATION_FAILED, naming it.');
  sentences.push('Failures are problem+json; each `type` is a page on this API (`/problems/{code}`) on what to do.');
  return sentences.join(' ');
}

/**
 * The same operation at the path it had before a rename, kept working for existing clients and marked deprecated in
 * the document. Register it with the same handler as the route.
 */
export function deprecatedAlias<R extends { path: string; summary?: string; description?: string }>(
  route: R,
  oldPath: string,
) {
  return createRoute({
    ...(route as R & RouteConfig),
    path: oldPath,
    deprecated: true,
    summary: `${route.summary ?? ''} (deprecated path: use ${route.path})`,
    description:
      `Deprecated alias of \`${route.path}\`, which it answers exactly like. ${route.description ?? ''}`.trim(),
  });
}

/**
 * A JSON response. Its example is the one given or one built from the schema (api/openapiExamples.ts), checked
 * against the schema here, when the route is declared: the document never shows a body the schema refuses.
 */
export const json = <T extends z.ZodType>(schema: T, description: string, example?: z.input<T>) => ({
  description,
  content: {
    'application/json': withExample({ schema }, checkedExample(schema, example, `response "${description}"`)),
  },
});

/**
 * A required JSON request body. Its objects must be closed (`z.strictObject` or `.strict()` before `.openapi(name)`):
 * an unknown field is a 422 naming it, and the document says `additionalProperties: false`. It carries an example,
 * given or built from the schema and parsed with it. Both are checked here, when the route is declared, so an open
 * body or one without a valid example never reaches the document: the API does not start.
 */
export const jsonBody = <T extends z.ZodType>(schema: T, example?: z.input<T>) => {
  assertClosed(schema, 'body');
  return {
    required: true,
    content: { 'application/json': withExample({ schema }, checkedExample(schema, example, 'request body')) },
  };
};

/** The same for a body that may be left out (the handler sees `{}`). */
export const optionalJsonBody = <T extends z.ZodType>(schema: T, example?: z.input<T>) => {
  assertClosed(schema, 'body');
  return {
    required: false,
    content: { 'application/json': withExample({ schema }, checkedExample(schema, example, 'request body')) },
  };
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

/**
 * The time zones an entity may be created in: any IANA name the runtime knows (isValidTimeZone), aliases included, so
 * Asia/Kolkata and Europe/Kyiv are taken as well as the older names the runtime lists (Asia/Calcutta, Europe/Kiev).
 * The document's enum lists UTC, the runtime's zones (Intl.supportedValuesOf) and the current names of zones it lists
 * under an older one, so every zone the document offers is accepted.
 */
const CURRENT_NAMES = [
  'Etc/UTC',
  'Asia/Kolkata',
  'Europe/Kyiv',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Yangon',
  'America/Argentina/Buenos_Aires',
  'America/Indiana/Indianapolis',
  'America/Kentucky/Louisville',
  'America/Nuuk',
  'Atlantic/Faroe',
  'Pacific/Chuuk',
  'Pacific/Pohnpei',
  'Pacific/Kanton',
];
const TIME_ZONES = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone'), ...CURRENT_NAMES])]
  .filter(isValidTimeZone)
  .sort();

export const TimeZone = z
  .string()
  .max(64)
  .refine(isValidTimeZone, { message: 'an IANA time zone, e.g. Europe/London' })
  .openapi({ example: 'America/New_York', enum: TIME_ZONES });

/** A non-negative decimal amount as a string (never a JSON number: money is exact). */
export const AmountString = z
  .string()
  .regex(/^[0-9]{1,14}(\.[0-9]{1,6})?$/, 'a non-negative decimal string with at most 6 decimals, e.g. "12.50"')
  .openapi({ example: '12.50' });

/** A stored decimal on the wire: at least the currency's minor-unit digits ("12.50"), more only when it has them. */
export const money = (value: { toString(): string }, currency: string): string => moneyText(value, currency);

export const moneyOrNull = (value: { toString(): string } | null, currency: string) =>
  value === null ? null : money(value, currency);

/** Body of a DELETE: the removed resource's id and the fact. */
export const Deleted = z.object({ id: z.uuid(), object: z.string(), deleted: z.literal(true) }).openapi('Deleted');
