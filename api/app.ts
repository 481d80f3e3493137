// The Hono application: conventions (request ids, JSON logs, problem+json errors, auth) and every route.
// Built from its dependencies so tests run it in-process against the real database and Temporal.
import { randomBytes } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requestId } from 'hono/request-id';
import { createTenantDescriber } from '../activities/organizations/tenantDescription.js';
import { createSandboxPaymentProvider } from '../activities/payments/sandboxPaymentProvider.js';
import { secretKeyringFromEnv } from '../activities/secretsAtRest.js';
import { type AuthEnv, authenticate } from './auth.js';
import { docsRoutes } from './docs.js';
import { toProblem } from './errorMapping.js';
import { idempotencyStore } from './idempotency.js';
import { storableInput } from './inputGuards.js';
import { createOutboxDispatcher } from './outboxDispatcher.js';
import { ProblemError, problemResponse } from './problem.js';
import { problemPageRoutes } from './problemPages.js';
import { rateLimit } from './rateLimit.js';
import { readRequestBody } from './requestBody.js';
import type { AppDeps, RouteDeps } from './routeDeps.js';
import { healthRoutes } from './routes/health.js';
import { apiRoutes } from './routes/index.js';
import { invoiceDocumentRoutes } from './routes/invoiceDocuments.js';
import { providerWebhookRoutes } from './routes/providerWebhooks.js';
import { unavailableDependency } from './unavailableDependency.js';
import { registerWebhookEvents } from './webhookEventDocs.js';

export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:3001';

export function createApp(appDeps: AppDeps) {
  const describeTenant = createTenantDescriber(appDeps.db);
  const deps: RouteDeps = {
    ...appDeps,
    describeTenant,
    secretKeys: appDeps.secretKeys ?? secretKeyringFromEnv(),
    outbox: createOutboxDispatcher({ ...appDeps, describeTenant }),
    paymentProvider: appDeps.paymentProvider ?? createSandboxPaymentProvider(),
    signingSecret: appDeps.signingSecret ?? randomBytes(32).toString('hex'),
    consoleUrl: (appDeps.consoleUrl ?? DEFAULT_CONSOLE_URL).replace(/\/$/, ''),
  };
  // A path the document declares, asked with a method it does not: 405 with the methods it takes (RFC 9110).
  // Built on first use, once every route module has registered its routes.
  let declared: ReturnType<typeof declaredMethods> | undefined;
  const methodsOf = (path: string) => {
    declared ??= declaredMethods(app.openAPIRegistry.definitions);
    return declared(path);
  };
  const methodNotAllowed = (c: Context, allow: string[]) => {
    c.header('Allow', allow.join(', '));
    const detail = `${c.req.method} is not an operation of ${c.req.path}; it takes ${allow.join(', ')}`;
    return problemResponse(c, new ProblemError(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', detail));
  };
  const app = new OpenAPIHono<AuthEnv>({
    // zod validation failures become a 422 problem listing every invalid field.
    // An unknown field or query parameter is named on its own (`errors[].path`), never dropped.
    defaultHook: (result, c) => {
      if (result.success) return;
      // GET /api/billing/jobs/replays reaches GET /api/billing/jobs/{jobId}, whose id check fails: the path is the
      // literal resource /replays, which takes no GET (405), not a malformed job id.
      const literal = result.target === 'param' ? methodsOf(c.req.path) : undefined;
      if (literal?.literal) return methodNotAllowed(c, literal.methods);
      const unknown = result.target === 'query' ? 'unknown query parameter' : 'unknown field';
      const errors = result.error.issues.flatMap((i) => {
        const at = i.path.map(String);
        if (i.code === 'unrecognized_keys') {
          return i.keys.map((key) => ({ path: [...at, key].join('.'), message: unknown }));
        }
        return [{ path: at.join('.') || '(root)', message: i.message }];
      });
      const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      return problemResponse(c, new ProblemError(422, 'VALIDATION_FAILED', 'Invalid request', detail, errors));
    },
  });

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  app.onError((err, c) => {
    if (err instanceof ProblemError) return problemResponse(c, err);
    const mapped = toProblem(err);
    if (mapped) return problemResponse(c, mapped);
    const down = unavailableDependency(err);
    if (down) {
      deps.log.warn({ err, requestId: c.get('requestId'), dependency: down }, 'dependency unavailable');
      c.header('Retry-After', '1');
      return problemResponse(
        c,
        new ProblemError(
          503,
          'SERVICE_UNAVAILABLE',
          'Service unavailable',
          `The ${down} is unavailable; retry shortly`,
        ),
      );
    }
    deps.log.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    return problemResponse(
      c,
      new ProblemError(500, 'INTERNAL', 'Internal error', `Request ${c.get('requestId')} failed`),
    );
  });
  app.notFound((c) => {
    const allow = methodsOf(c.req.path)?.methods;
    if (allow) return methodNotAllowed(c, allow);
    return problemResponse(
      c,
      new ProblemError(404, 'NOT_FOUND', 'Not found', `No route ${c.req.method} ${c.req.path}`),
    );
  });

  app.route('/', healthRoutes(deps));
  app.route('/', docsRoutes());
  app.route('/', problemPageRoutes());
  // Signed invoice document links: the token in the path is the credential (no API key).
  app.route('/', invoiceDocumentRoutes(deps));

  // Size first: nothing (auth, idempotency, validation) reads a body over the limit; read once, then cached.
  app.use('/api/*', readRequestBody());
  // Payment providers' webhooks are authenticated by their signature, not an API key: before authenticate().
  app.route('/', providerWebhookRoutes(deps));
  app.use('/api/*', authenticate(deps.db, deps.bootstrapAdminKey, deps.apiKeyCacheTtlMs, deps.signingSecret));
  if (deps.rateLimit) app.use('/api/*', rateLimit(deps.rateLimit));
  app.use('/api/*', storableInput());
  // Idempotency-Key replays run per route, after its scope check (apiRoute() adds `idempotent` to every POST).
  app.use('/api/*', idempotencyStore({ liveness: deps.liveness }));

  app.route('/', apiRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  registerWebhookEvents(app.openAPIRegistry);
  // The document is generated once, on first request, after every route module registered its routes.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Marketplace Billing API', version: '0.1.0', description: API_DESCRIPTION },
      tags: TAGS,
    });
    return c.json(document);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;

/**
 * For a request path, the methods the document declares on it (HEAD with GET) and whether it is a literal path (no
 * parameter), or undefined for no such path.
 */
function declaredMethods(
  definitions: readonly unknown[],
): (path: string) => { methods: string[]; literal: boolean } | undefined {
  const byTemplate = new Map<string, Set<string>>();
  for (const d of definitions as Array<{ type: string; route?: { method: string; path: string } }>) {
    if (d.type !== 'route' || !d.route) continue;
    const methods = byTemplate.get(d.route.path) ?? new Set<string>();
    methods.add(d.route.method.toUpperCase());
    if (d.route.method === 'get') methods.add('HEAD');
    byTemplate.set(d.route.path, methods);
  }
  const matchers = [...byTemplate].map(([template, methods]) => ({
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    literal: !template.includes('{'),
    methods: [...methods].sort(),
  }));
  return (path) => {
    const matching = matchers.filter((m) => m.pattern.test(path));
    // A literal path (/api/billing/events/batch) is that resource, never also an id of its parent's collection.
    const chosen = matching.some((m) => m.literal) ? matching.filter((m) => m.literal) : matching;
    const allowed = new Set(chosen.flatMap((m) => m.methods));
    return allowed.size > 0 ? { methods: [...allowed].sort(), literal: chosen.some((m) => m.literal) } : undefined;
  };
}

const TAGS = [
  { name: 'Organizations', description: 'Tenants. Created with the bootstrap admin key.' },
  { name: 'API keys', description: 'Keys of the caller organization: shown once, stored hashed; rotate and revoke.' },
  { name: 'Entities', description: 'Billing units (currency, time zone, anchor day); each runs billing:<entityId>.' },
  { name: 'Teams', description: 'Groups of members within an entity.' },
  { name: 'Users', description: 'People and their entity memberships (role, credit limit, team, seat).' },
  { name: 'Price books', description: 'Event prices: flat, graduated or volume tiers.' },
  { name: 'Seat plans', description: 'Monthly or annual per-seat prices for subscriptions.' },
  { name: 'Invoices', description: 'Consolidated period invoices: lines, void, mark paid, HTML rendering.' },
  {
    name: 'Payments',
    description:
      'Payment methods (provider tokens only: PCI DSS SAQ-A), payments and their attempts, retries, refunds, credit ' +
      'notes, disputes and the payment settings of the organization.',
  },
  {
    name: 'Marketplace',
    description:
      'Money flows of the marketplace on a double-entry ledger: payees (payout details as provider tokens only), ' +
      'commission plans, revenue-share split rules, work payments from client entities and their refunds.',
  },
  { name: 'Webhooks', description: 'Signed (Standard Webhooks) notifications: endpoints, deliveries, redelivery.' },
  { name: 'Audit log', description: 'Every admin write, with actor and before/after.' },
  {
    name: 'Retention',
    description: 'How long raw events, webhooks, idempotency records and audit rows are kept; the archive index.',
  },
  { name: 'Legacy', description: 'Pre-platform endpoints kept working for existing integrations. Deprecated.' },
  { name: 'System', description: 'Health and readiness.' },
];

const API_DESCRIPTION = [
  'Metering, prepaid credits, seat subscriptions and invoices for freelancer marketplaces.',
  '',
  '**Auth**: `Authorization: Bearer <api key>`. Keys belong to one organization and carry scopes: `admin` (everything),',
  "`read` (read billing data), `ingest` (send events). Another organization's ids answer 404.",
  '',
  '**Errors**: RFC 9457 `application/problem+json` with a stable `code` (NOT_FOUND, VALIDATION_FAILED, UNAUTHENTICATED,',
  'INSUFFICIENT_SCOPE, CONFLICT, IDEMPOTENCY_KEY_REUSED, RATE_LIMITED, INTERNAL, ...).',
  '',
  '**Lists**: `limit` (1-100) and `cursor` (the `nextCursor` of the previous page; `starting_after` is its deprecated',
  'alias); every list answers `{object: "list", data, hasMore, nextCursor}`.',
  '',
  '**POST**: send an `Idempotency-Key`; a retry with the same key and body, by the same API key, returns the stored',
  'response (after the scope check). Another API key with the same `Idempotency-Key` makes its own request.',
  '',
  '**Money**: decimal strings with a `currency` next to them, never JSON numbers.',
  '',
  '**Webhooks**: every event type we POST to your endpoints, with its payload schema and an example, is listed under',
  '`webhooks`; an endpoint filter naming another type is 422 `UNKNOWN_WEBHOOK_EVENT_TYPE`.',
].join('\n');
