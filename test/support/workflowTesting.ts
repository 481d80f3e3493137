// A time-skipping test server with the billing worker on it, for one workflow test file.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { closeDb, type Db } from '../../activities/db.js';
import type { ActivityDeps } from '../../activities/index.js';
import { createBillingWorker } from '../../worker/createWorker.js';
import { testAppDb, testDb, timeSkippingEnvironment, uniqueTaskQueue } from './services.js';

export interface TimeSkippingHarness {
  env: TestWorkflowEnvironment;
  /** The tables' owner (fixtures, assertions). */
  db: Db;
  /** The application role the worker runs on. */
  appDb: Db;
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startTimeSkippingHarness(
  name: string,
  activityDeps: Partial<Omit<ActivityDeps, 'db'>> = {},
): Promise<TimeSkippingHarness> {
  // Its clock stands still unless a test skips it (env.sleep, handle.result()), so a test can write rows "inside" a
  // period before it closes.
  const env = await timeSkippingEnvironment();
  const db = testDb();
  // The worker as in production: the application role, under row-level security.
  const appDb = testAppDb();
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createBillingWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    db: appDb,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    // The time-skipping server knows no custom search attributes.
    activityDeps: { searchAttributes: false, allowInternalWebhookUrls: true, ...activityDeps },
  });
  const running = worker.run();
  return {
    env,
    db,
    appDb,
    worker,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await closeDb(db);
      await closeDb(appDb);
    },
  };
}

/** Advances the test server's clock to `at` (ms since epoch), letting timers fire on the way. */
export async function skipTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

/**
 * With RECORD_HISTORIES=1 (`npm run histories:record`), saves the workflow's latest run history as
 * test/fixtures/histories/<name>.json for the replay test.
 */
export async function recordHistory(
  env: TestWorkflowEnvironment,
  workflowId: string,
  name: string,
  options: { previousRun?: boolean } = {},
): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  let history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  if (options.previousRun) {
    // The run before the latest one (the one that continued as new), e.g. a billing run that closed its period.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const previous = started?.continuedExecutionRunId;
    if (!previous) throw new Error(`${workflowId} has no previous run`);
    history = await env.client.workflow.getHandle(workflowId, previous).fetchHistory();
  }
  const dir = path.resolve(import.meta.dirname, '../fixtures/histories');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${name}.json`), `${historyToJSON(history)}\n`);
}
