// A time-skipping test server with the billing worker on it, for one workflow test file.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Db } from '../../activities/db.js';
import type { ActivityDeps } from '../../activities/index.js';
import { createBillingWorker } from '../../worker/createWorker.js';
import { testDb, timeSkippingEnvironment, uniqueTaskQueue } from './services.js';

export interface TimeSkippingHarness {
  env: TestWorkflowEnvironment;
  db: Db;
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startTimeSkippingHarness(
  name: string,
  activityDeps: Partial<Omit<ActivityDeps, 'db'>> = {},
): Promise<TimeSkippingHarness> {
  const env = await timeSkippingEnvironment();
  const db = testDb();
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createBillingWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    db,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    // The time-skipping server knows no custom search attributes.
    activityDeps: { searchAttributes: false, ...activityDeps },
  });
  const running = worker.run();
  return {
    env,
    db,
    worker,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await db.$disconnect();
    },
  };
}

/** Advances the test server's clock to `at` (ms since epoch), letting timers fire on the way. */
export async function skipTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}
