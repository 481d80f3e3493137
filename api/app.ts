// The Hono application: conventions (request ids, JSON logs, problem+json errors, auth) and every route.
// Built from its dependencies so tests run it in-process against the real database and Temporal.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { requestId } from 'hono/request-id';
import type { Db } from '../activities/db.js';
import type { Logger } from '../activities/logger.js';
import type { PaymentProvider } from '../activities/payments/paymentProvider.js';
import { createSandboxPaymentProvider } from '../activities/payments/sandboxPaymentProvider.js';
import type { ProcessLiveness } from '../activities/processLiveness.js';
import { type AuthEnv, authenticate } from './auth.js';
import { docsRoutes } from './docs.js';
import { toProblem } from './errorMapping.js';
import { idempotencyStore } from './idempotency.js';
import { storableInput } from './inputGuards.js';
import { withApiConventions } from './openapiKit.js';
import { createOutboxDispatcher, type OutboxDispatcher } from './outboxDispatcher.js';
import { ProblemError, problemResponse } from './problem.js';
import { type RateLimitOptions, rateLimit } from './rateLimit.js';
import { readRequestBody } from './requestBody.js';
import { analyticsRoutes } from './routes/analytics.js';
import { apiKeyRoutes } from './routes/apiKeys.js';
import { auditLogRoutes } from './routes/auditLog.js';
import { billingCycleRoutes } from './routes/billingCycle.js';
import { billingEventRoutes } from './routes/billingEvents.js';
import { billingJobRoutes } from './routes/billingJobs.js';
import { creditPackageRoutes } from './routes/creditPackages.js';
import { creditRoutes } from './routes/credits.js';
import { entityRoutes } from './routes/entities.js';
import { entityBillingWorkflowRoutes } from './routes/entityBillingWorkflow.js';
import { healthRoutes } from './routes/health.js';
import { invoiceRoutes } from './routes/invoices.js';
import { legacyCustomerRoutes } from './routes/legacyCustomers.js';
import { legacyInvoiceRoutes } from './routes/legacyInvoices.js';
import { organizationRoutes } from './routes/organizations.js';
import { outboxEventRoutes } from './routes/outboxEvents.js';
import { paymentMethodRoutes } from './routes/paymentMethods.js';
import { paymentSettingsRoutes } from './routes/paymentSettings.js';
import { paymentRoutes } from './routes/payments.js';
import { priceBookRoutes } from './routes/priceBooks.js';
import { providerWebhookRoutes } from './routes/providerWebhooks.js';
import { refundRoutes } from './routes/refunds.js';
import { seatPlanRoutes } from './routes/seatPlans.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { teamRoutes } from './routes/teams.js';
import { userLimitRoutes } from './routes/userLimits.js';
import { userRoutes } from './routes/users.js';
import { webhookEndpointRoutes } from './routes/webhookEndpoints.js';
import { unavailableDependency } from './unavailableDependency.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /** BOOTSTRAP_ADMIN_KEY: organization-less key that may only create organizations and their first keys. */
  bootstrapAdminKey?: string | undefined;
  /** Per-key, per-process token bucket (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST); omitted = no limit. */
  rateLimit?: RateLimitOptions | undefined;
  /** Dev mode: webhook endpoints may point at loopback/private addresses (never in production). */
  allowInternalWebhookUrls?: boolean | undefined;
  /** API_KEY_CACHE_TTL_MS: reuse a successful API-key lookup this long in this process; omitted or 0 = no cache. */
  apiKeyCacheTtlMs?: number | undefined;
  /** This process's liveness connection: Idempotency-Key claims of a dead process are taken over at once. */
  liveness?: ProcessLiveness | undefined;
  /**
   * false on a Temporal server without our custom search attributes (the time-skipping test server the simulator
   * runs on): workflows are started without OrganizationId/EntityId. Default true.
   */
  searchAttributes?: boolean | undefined;
  /** PAYMENT_PROVIDER: attaches payment methods, refunds, immediate purchases. Default: the sandbox. */
  paymentProvider?: PaymentProvider | undefined;
  /** STRIPE_WEBHOOK_SECRET: verifies POST /api/providers/stripe/webhooks (unset: that route answers 503). */
  stripeWebhookSecret?: string | undefined;
}

/** What every route module may use: the app's dependencies plus services built from them. */
export interface RouteDeps extends AppDeps {
  outbox: OutboxDispatcher;
  paymentProvider: PaymentProvider;
}

export function createApp(appDeps: AppDeps) {
  const deps: RouteDeps = {
    ...appDeps,
    outbox: createOutboxDispatcher(appDeps),
    paymentProvider: appDeps.paymentProvider ?? createSandboxPaymentProvider(),
  };
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
  // Payment providers' webhooks are authenticated by their signature, not an API key: before authenticate().
  app.route('/', providerWebhookRoutes(deps));
  app.use('/api/*', authenticate(deps.db, deps.bootstrapAdminKey, deps.apiKeyCacheTtlMs));
  if (deps.rateLimit) app.use('/api/*', rateLimit(deps.rateLimit));
  app.use('/api/*', storableInput());
  // Idempotency-Key replays run per route, after its scope check (apiRoute() adds `idempotent` to every POST).
  app.use('/api/*', idempotencyStore({ db: deps.db, liveness: deps.liveness }));

  // Platform resources (issue 6).
  app.route('/', organizationRoutes(deps));
  app.route('/', apiKeyRoutes(deps));
  app.route('/', entityRoutes(deps));
  app.route('/', entityBillingWorkflowRoutes(deps));
  app.route('/', billingCycleRoutes(deps));
  app.route('/', billingJobRoutes(deps));
  app.route('/', subscriptionRoutes(deps));
  app.route('/', teamRoutes(deps));
  app.route('/', userRoutes(deps));
  app.route('/', priceBookRoutes(deps));
  app.route('/', seatPlanRoutes(deps));
  app.route('/', invoiceRoutes(deps));
  app.route('/', paymentMethodRoutes(deps));
  app.route('/', paymentRoutes(deps));
  app.route('/', paymentSettingsRoutes(deps));
  app.route('/', refundRoutes(deps));
  app.route('/', webhookEndpointRoutes(deps));
  app.route('/', auditLogRoutes(deps));
  app.route('/', legacyCustomerRoutes(deps));
  app.route('/', legacyInvoiceRoutes(deps));

  // Metering and prepaid credits (issue 4).
  app.route('/', billingEventRoutes(deps));
  app.route('/', outboxEventRoutes(deps));
  app.route('/', creditPackageRoutes(deps));
  app.route('/', creditRoutes(deps));
  app.route('/', userLimitRoutes(deps));
  app.route('/', analyticsRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  // The document is generated once, on first request, after every route module registered its routes.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= withApiConventions(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'Marketplace Billing API', version: '0.1.0', description: API_DESCRIPTION },
        tags: TAGS,
      }),
    );
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
  {
    name: 'Payments',
    description:
      'Payment methods (provider tokens only: PCI DSS SAQ-A), payments and their attempts, retries, refunds, credit ' +
      'notes, disputes and the payment settings of the organization.',
  },
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
