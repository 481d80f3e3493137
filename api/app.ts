// The Hono application: conventions (request ids, JSON logs, problem+json errors, auth) and every route.
// Built from its dependencies so tests run it in-process against the real database and Temporal.
import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { type AuthEnv, authenticate } from './auth.js';
import { docsRoutes } from './docs.js';
import { toProblem } from './errorMapping.js';
import { idempotencyStore } from './idempotency.js';
import { storableInput } from './inputGuards.js';
import { createOutboxDispatcher } from './outboxDispatcher.js';
import { ProblemError, problemResponse } from './problem.js';
import { rateLimit } from './rateLimit.js';
import { readRequestBody } from './requestBody.js';
import type { AppDeps, RouteDeps } from './routeDeps.js';
import { healthRoutes } from './routes/health.js';
import { apiRoutes } from './routes/index.js';
import { unavailableDependency } from './unavailableDependency.js';

export function createApp(appDeps: AppDeps) {
  const deps: RouteDeps = { ...appDeps, outbox: createOutboxDispatcher(appDeps) };
  const app = new OpenAPIHono<AuthEnv>({
    // zod validation failures become a 422 problem listing every invalid field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
      return problemResponse(c, new ProblemError(422, 'VALIDATION_FAILED', 'Invalid request', undefined, errors));
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
  app.notFound((c) =>
    problemResponse(c, new ProblemError(404, 'NOT_FOUND', 'Not found', `No route ${c.req.method} ${c.req.path}`)),
  );

  app.route('/', healthRoutes(deps));
  app.route('/', docsRoutes());

  // Size first: nothing (auth, idempotency, validation) reads a body over the limit; read once, then cached.
  app.use('/api/*', readRequestBody());
  app.use('/api/*', authenticate(deps.db, deps.bootstrapAdminKey, deps.apiKeyCacheTtlMs));
  if (deps.rateLimit) app.use('/api/*', rateLimit(deps.rateLimit));
  app.use('/api/*', storableInput());
  // Idempotency-Key replays run per route, after its scope check (apiRoute() adds `idempotent` to every POST).
  app.use('/api/*', idempotencyStore({ liveness: deps.liveness }));

  app.route('/', apiRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
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

const TAGS = [
  { name: 'Organizations', description: 'Tenants. Created with the bootstrap admin key.' },
  { name: 'API keys', description: 'Keys of the caller organization: shown once, stored hashed; rotate and revoke.' },
  { name: 'Entities', description: 'Billing units (currency, time zone, anchor day); each runs billing:<entityId>.' },
  { name: 'Teams', description: 'Groups of members within an entity.' },
  { name: 'Users', description: 'People and their entity memberships (role, credit limit, team, seat).' },
  { name: 'Price books', description: 'Event prices: flat, graduated or volume tiers.' },
  { name: 'Seat plans', description: 'Monthly or annual per-seat prices for subscriptions.' },
  { name: 'Invoices', description: 'Consolidated period invoices: lines, void, mark paid, HTML rendering.' },
  { name: 'Webhooks', description: 'Signed (Standard Webhooks) notifications: endpoints, deliveries, redelivery.' },
  { name: 'Audit log', description: 'Every admin write, with actor and before/after.' },
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
  '**Lists**: `limit` (1-100) and `starting_after` (the last id of the previous page); the envelope is',
  '`{object: "list", data, hasMore, nextCursor}`.',
  '',
  '**POST**: send an `Idempotency-Key`; a retry with the same key and body, by the same API key, returns the stored',
  'response (after the scope check). Another API key with the same `Idempotency-Key` makes its own request.',
  '',
  '**Money**: decimal strings with a `currency` next to them, never JSON numbers.',
].join('\n');
