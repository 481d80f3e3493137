// The set-up most test files share, declared once: call one of these at the top level of a test file and it registers
// the beforeAll that opens what the file needs and the afterAll that closes it, in the right order. The returned
// object is filled in by the beforeAll, so read its fields inside hooks and tests, not at import time.
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { closeDb, type Db, type DbOptions } from '../../activities/db.js';
import type { ActivityDeps } from '../../activities/index.js';
import { devServerClient, devServerWorker, testApp, testAppDb, testDb, uniqueTaskQueue } from './services.js';
import { startTimeSkippingHarness } from './workflowTesting.js';

export type TestApp = ReturnType<typeof testApp>;

export interface ApiTestContext {
  /** The tables' owner, for fixtures and assertions (testDb()). */
  db: Db;
  /** The application role the app and the worker run on (testAppDb()). */
  appDb: Db;
  /** A client of the run's Temporal dev server. */
  client: Client;
  /** The production app (createApp) on this file's task queue. */
  app: TestApp;
  taskQueue: string;
  /** Ids of workflows to terminate after the file (billing cycles a test started, which never end by themselves). */
  terminateAfter: string[];
}

export interface ApiTestOptions {
  db?: DbOptions | number;
  /** Run the billing worker on the file's task queue (for routes whose work happens in workflows). */
  worker?: boolean;
  app?: Parameters<typeof testApp>[3];
}

/** Database, Temporal client and app (and, when asked, a worker) for one API test file. */
export function apiTestContext(name: string, options: ApiTestOptions = {}): ApiTestContext {
  const ctx = { terminateAfter: [] as string[] } as ApiTestContext;
  let worker: Worker | undefined;
  let connection: NativeConnection | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    ctx.db = testDb(options.db);
    ctx.appDb = testAppDb(options.db);
    ctx.client = await devServerClient();
    ctx.taskQueue = uniqueTaskQueue(name);
    if (options.worker) {
      ({ worker, connection } = await devServerWorker(ctx.appDb, ctx.taskQueue));
      running = worker.run();
    }
    ctx.app = testApp(ctx.appDb, ctx.client, ctx.taskQueue, options.app);
  });
  afterAll(async () => {
    for (const id of ctx.terminateAfter) {
      await ctx.client?.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => {});
    }
    worker?.shutdown();
    await running;
    await connection?.close();
    await ctx.client?.connection.close();
    if (ctx.db) await closeDb(ctx.db);
    if (ctx.appDb) await closeDb(ctx.appDb);
  });
  return ctx;
}

/** A database of its own for a file that needs neither Temporal nor the app. */
export function dbTestContext(options?: DbOptions | number): { db: Db } {
  const ctx = {} as { db: Db };
  beforeAll(() => {
    ctx.db = testDb(options);
  });
  afterAll(async () => {
    if (ctx.db) await closeDb(ctx.db);
  });
  return ctx;
}

export interface WorkflowTestContext {
  /** The time-skipping test server: its clock stands still unless a test skips it. */
  env: TestWorkflowEnvironment;
  /** The tables' owner, for fixtures and assertions. */
  db: Db;
  /** The application role the worker runs on. */
  appDb: Db;
  worker: Worker;
  taskQueue: string;
}

/** A time-skipping test server with the billing worker on it, for one workflow test file. */
export function workflowTestContext(
  name: string,
  activityDeps: Partial<Omit<ActivityDeps, 'db'>> = {},
): WorkflowTestContext {
  const ctx = {} as WorkflowTestContext;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const harness = await startTimeSkippingHarness(name, activityDeps);
    stop = harness.stop;
    Object.assign(ctx, {
      env: harness.env,
      db: harness.db,
      appDb: harness.appDb,
      worker: harness.worker,
      taskQueue: harness.taskQueue,
    });
  });
  afterAll(async () => {
    await stop?.();
  });
  return ctx;
}
