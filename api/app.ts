// The Hono application: conventions (request ids, JSON logs, problem+json errors, auth) and every route.
// Built from its dependencies so tests run it in-process against the real database and Temporal.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { requestId } from 'hono/request-id';
import type { Db } from '../activities/db.js';
import type { Logger } from '../activities/logger.js';
import { type AuthEnv, authenticate } from './auth.js';
import { idempotency } from './idempotency.js';
import { createOutboxDispatcher, type OutboxDispatcher } from './outboxDispatcher.js';
import { ProblemError, problemResponse } from './problem.js';
import { entityBillingWorkflowRoutes } from './routes/entityBillingWorkflow.js';
import { healthRoutes } from './routes/health.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
}

/** What every route module may use: the app's dependencies plus services built from them. */
export interface RouteDeps extends AppDeps {
  outbox: OutboxDispatcher;
}

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

  app.use('/api/*', authenticate(deps.db));
  app.use('/api/*', idempotency(deps.db));
  app.route('/', entityBillingWorkflowRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Marketplace Billing API',
      version: '0.1.0',
      description: 'Metering, prepaid credits, seat subscriptions and invoices for freelancer marketplaces.',
    },
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
