// Builds the billing worker: one task queue, every workflow and activity. Used by worker/main.ts and by tests, which
// pass their own connection and database.
import path from 'node:path';
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Db } from '../activities/db.js';
import { type Activities, type ActivityDeps, createActivities } from '../activities/index.js';

export const workflowsPath = path.resolve(import.meta.dirname, '../workflows/index.ts');

export interface BillingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** A prebuilt workflow bundle (tests build it once); otherwise the worker bundles workflows/ itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Overrides for activity dependencies (payment provider, webhook timeout). */
  activityDeps?: Partial<Omit<ActivityDeps, 'db'>>;
  /** Wraps the activities before registration (tests pause an activity mid-flight to kill the process there). */
  decorateActivities?: (activities: Activities) => Activities;
  /** Activity slots; the SDK's default is 100. Match it to the database pool (see WORKER_MAX_CONCURRENT_ACTIVITIES). */
  maxConcurrentActivityTaskExecutions?: number;
}

export function createBillingWorker(opts: BillingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    ...(opts.maxConcurrentActivityTaskExecutions
      ? { maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions }
      : {}),
    // Activities start workflows (webhook deliveries, reconciliation) through a client on the worker's connection.
    activities: (opts.decorateActivities ?? ((a) => a))(
      createActivities({
        db: opts.db,
        temporal: new Client({ connection: opts.connection, namespace: opts.namespace }),
        taskQueue: opts.taskQueue,
        ...opts.activityDeps,
      }),
    ),
  });
}
