// A typed TypeScript client for the API (Hono RPC): request and response types flow from the same zod schemas that
// generate /openapi.json, so a client call that does not match the API fails to compile.
//
//   import { createApiClient } from './api/client.js';
//   const api = createApiClient('http://127.0.0.1:3000', process.env.API_KEY);
//   const res = await api.api.entities.$post({ json: { name: 'Acme US', currency: 'USD' } });
//   if (res.status === 201) console.log((await res.json()).billingWorkflowId);
//
// Path parameters go in `param`, query strings in `query`, bodies in `json`, headers (Idempotency-Key) in `header`.
import { OpenAPIHono } from '@hono/zod-openapi';
import { hc } from 'hono/client';
import type { AuthEnv } from './auth.js';
import type { RouteDeps } from './routeDeps.js';
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
import { invoiceRoutes } from './routes/invoices.js';
import { legacyCustomerRoutes } from './routes/legacyCustomers.js';
import { legacyInvoiceRoutes } from './routes/legacyInvoices.js';
import { organizationRoutes } from './routes/organizations.js';
import { outboxEventRoutes } from './routes/outboxEvents.js';
import { priceBookRoutes } from './routes/priceBooks.js';
import { seatPlanRoutes } from './routes/seatPlans.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { teamRoutes } from './routes/teams.js';
import { userLimitRoutes } from './routes/userLimits.js';
import { userRoutes } from './routes/users.js';
import { webhookEndpointRoutes } from './routes/webhookEndpoints.js';

// Type-level only: the route modules chained, so their schemas combine into one RPC type. (createApp mounts the same
// modules; keeping this list in step is checked by test/integration/api/client.test.ts.)
function typedRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>()
    .route('/', organizationRoutes(deps))
    .route('/', apiKeyRoutes(deps))
    .route('/', entityRoutes(deps))
    .route('/', teamRoutes(deps))
    .route('/', userRoutes(deps))
    .route('/', priceBookRoutes(deps))
    .route('/', seatPlanRoutes(deps))
    .route('/', invoiceRoutes(deps))
    .route('/', webhookEndpointRoutes(deps))
    .route('/', auditLogRoutes(deps))
    .route('/', legacyCustomerRoutes(deps))
    .route('/', legacyInvoiceRoutes(deps))
    .route('/', entityBillingWorkflowRoutes(deps))
    .route('/', billingCycleRoutes(deps))
    .route('/', subscriptionRoutes(deps))
    .route('/', billingEventRoutes(deps))
    .route('/', outboxEventRoutes(deps))
    .route('/', creditPackageRoutes(deps))
    .route('/', creditRoutes(deps))
    .route('/', userLimitRoutes(deps))
    .route('/', analyticsRoutes(deps))
    .route('/', billingJobRoutes(deps));
}

export type AppType = ReturnType<typeof typedRoutes>;

export interface ApiClientOptions {
  /** e.g. to call an in-process app: `(input, init) => app.request(input, init)`. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export function createApiClient(baseUrl: string, apiKey?: string, options: ApiClientOptions = {}) {
  return hc<AppType>(baseUrl, {
    headers: { ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}), ...options.headers },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
