// Connections to the real services started by globalSetup, for one test file.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createDb, type Db, type DbOptions } from '../../activities/db.js';
import { createLogger } from '../../activities/logger.js';
import { createApp } from '../../api/app.js';
import type { AppDeps } from '../../api/routeDeps.js';
import { type StripeMock, startStripeMock } from '../../scripts/lib/stripeMock.js';
import { createBillingWorker } from '../../worker/createWorker.js';
import { startTimeSkippingEnvironment } from './timeSkippingServer.js';

// The run's SECRET_KEYS (globalSetup), for every app, worker and fixture of this test process.
process.env.SECRET_KEYS ??= inject('secretKeys');

// Worker state changes and bundling chatter drown test output; keep warnings and errors.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this worker process
}

/**
 * A Db on the run's database as the tables' owner (5 connections per pool unless told), for fixtures and assertions:
 * row-level security does not hold it. Close it with closeDb.
 */
export const testDb = (options: DbOptions | number = 5): Db => createDb(inject('databaseUrl'), options);

/**
 * A Db as the application role, as the API and the worker connect in production: every query sees one organization's
 * rows (activities/tenantDb.ts). What testApp() and the workers of the tests run on. Close it with closeDb.
 */
export const testAppDb = (options: DbOptions | number = 5): Db => createDb(inject('appDatabaseUrl'), options);

/** A task queue of its own per test file, so parallel files never steal each other's tasks. */
export const uniqueTaskQueue = (name: string) => `test-${name}-${randomUUID().slice(0, 8)}`;

export async function devServerClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection });
}

/** `db`: the application role's (testAppDb()), as worker/main.ts connects. */
export async function devServerWorker(
  db: Db,
  taskQueue: string,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createBillingWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    // Tests deliver to local receivers: dev mode for webhook URLs, as in testApp().
    activityDeps: { allowInternalWebhookUrls: true },
  });
  return { worker, connection };
}

export function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return startTimeSkippingEnvironment(inject('testServerPath'));
}

/** stripe-mock on a free port (the binary from globalSetup's tools step); stop() it in afterAll. */
export function stripeMock(): Promise<StripeMock> {
  return startStripeMock(inject('stripeMockPath'));
}

/** The production app; `db`: the application role's (testAppDb()), as api/main.ts connects. */
export function testApp(
  db: Db,
  temporal: Client,
  taskQueue: string,
  options: Pick<
    AppDeps,
    | 'bootstrapAdminKey'
    | 'rateLimit'
    | 'allowInternalWebhookUrls'
    | 'apiKeyCacheTtlMs'
    | 'paymentProvider'
    | 'stripeWebhookSecret'
    | 'searchAttributes'
    | 'signingSecret'
    | 'consoleUrl'
    | 'pdfRenderer'
    | 'archiveDir'
  > &
    Partial<Pick<AppDeps, 'log'>> = {},
) {
  // Tests deliver to local receivers: dev mode for webhook URLs unless a test asks otherwise.
  return createApp({
    db,
    temporal,
    taskQueue,
    // TEST_LOG_LEVEL=error (or info, debug) shows what the app logs; silent by default.
    log: createLogger('api-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    allowInternalWebhookUrls: true,
    ...options,
  });
}

/** The app on a real HTTP server on a free loopback port, for clients that must go over the wire. */
export async function serveOverHttp(app: { fetch: (request: Request) => Response | Promise<Response> }) {
  // Requests still being handled: a client that hung up (a browser closed mid-page) does not stop its handler, which
  // may still call Postgres or Temporal. close() waits for them, so the file's afterAll closes those clients after.
  const inFlight = new Set<Promise<Response>>();
  const fetch = (request: Request) => {
    const handled = Promise.resolve(app.fetch(request));
    inFlight.add(handled);
    handled.then(
      () => inFlight.delete(handled),
      () => inFlight.delete(handled),
    );
    return handled;
  };
  const server = serve({ fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
    },
  };
}
