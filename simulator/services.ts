// The platform under simulation, in this process: a Postgres database (given, or a throwaway cluster), the
// time-skipping Temporal test server (its clock moves only when the simulator advances it), a billing worker on it and
// the API app in-process (requests go through app.request, no socket). Metering and credit writes go through the
// activities with the simulated clock's `now`, since the API reads the wall clock for those.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { applicationDatabaseUrl } from '../activities/databaseRoles.js';
import { closeDb, createDb, type Db } from '../activities/db.js';
import { createLogger } from '../activities/logger.js';
import { createApp } from '../api/app.js';
import { freePort } from '../scripts/lib/freePort.js';
import { startLocalPostgres } from '../scripts/lib/localPostgres.js';
import { applyMigrations, ensurePrismaClient, projectRoot } from '../scripts/lib/prismaCli.js';
import { startTimeSkippingEnvironment } from '../test/support/timeSkippingServer.js';
import { createBillingWorker, workflowsPath } from '../worker/createWorker.js';
import { WebhookSink } from './webhookSink.js';

export interface SimulatorServices {
  db: Db;
  /** The current test server; replaced by restart(). */
  readonly env: TestWorkflowEnvironment;
  taskQueue: string;
  readonly app: ReturnType<typeof createApp>;
  /** Receives every webhook delivery; each scenario's endpoint points at it. */
  sink: WebhookSink;
  sinkUrl: string;
  /** A fresh test server (its clock at the wall clock again), worker and app: for a scenario that starts earlier. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** An existing (migrated or not) database; default: a throwaway cluster. */
  databaseUrl?: string | undefined;
  /** The time-skipping test server wrapper; default .tools/bin/temporal-test-server, else the SDK's download. */
  testServerPath?: string | undefined;
  /** A prebuilt workflow bundle; default: bundled at start. */
  workflowBundlePath?: string | undefined;
  taskQueue?: string;
}

export async function startSimulatorServices(opts: ServiceOptions = {}): Promise<SimulatorServices> {
  try {
    // No shutdown signals of the SDK's own: Ctrl-C is main.ts's (it finishes the sequence, then stops everything here).
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  } catch {
    // installed already (a test process)
  }
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    await ensurePrismaClient();
    const dir = await mkdtemp(path.join(tmpdir(), 'billing-sim-pg-'));
    const pg = await startLocalPostgres({
      dataDir: dir,
      port: await freePort(),
      database: 'billing_sim',
      ephemeral: true,
    });
    stops.push(async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    });
    databaseUrl = pg.url;
    await applyMigrations(databaseUrl);
  }
  // The simulator reads the books as the owner; the worker and the app run as the application role, under row-level
  // security, as in production.
  const db = createDb(databaseUrl, 6);
  const appDb = createDb(applicationDatabaseUrl({ DATABASE_URL: databaseUrl }), 6);
  const local = path.join(projectRoot, '.tools/bin/temporal-test-server');
  const testServerPath = opts.testServerPath ?? (existsSync(local) ? local : undefined);
  const taskQueue = opts.taskQueue ?? `simulator-${process.pid}`;
  // Bundled once: every restart of the test server gets a worker in about a second.
  const workflowBundle = opts.workflowBundlePath
    ? { codePath: opts.workflowBundlePath }
    : { code: (await bundleWorkflowCode({ workflowsPath, logger: quietLogger })).code };

  const start = async () => {
    const env = await startTimeSkippingEnvironment(testServerPath);
    const worker: Worker = await createBillingWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      db: appDb,
      workflowBundle,
      activityDeps: { searchAttributes: false, allowInternalWebhookUrls: true },
    });
    const running = worker.run();
    const app = createApp({
      db: appDb,
      temporal: env.client,
      taskQueue,
      log: createLogger('simulator-api', process.env.SIMULATOR_LOG_LEVEL ?? 'silent'),
      allowInternalWebhookUrls: true,
      searchAttributes: false,
    });
    return {
      env,
      app,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await env.teardown();
      },
    };
  };

  let current = await start();
  const sink = new WebhookSink();
  const sinkUrl = await sink.start();
  return {
    db,
    taskQueue,
    sink,
    sinkUrl,
    get env() {
      return current.env;
    },
    get app() {
      return current.app;
    },
    async restart() {
      await current.stop();
      current = await start();
    },
    async stop() {
      await current.stop();
      await sink.stop();
      await closeDb(db);
      await closeDb(appDb);
      for (const stop of stops.reverse()) await stop();
    },
  };
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string) => console.error(message),
};
