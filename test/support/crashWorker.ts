// A billing worker in a process of its own, for crash tests that SIGKILL it mid-activity (test/integration/workflows/
// crashSafety.test.ts). Built with createBillingWorker against the environment:
//   DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE   the services and queue to work on
//   WORKFLOW_BUNDLE_PATH                                   the prebuilt bundle (no re-bundling per process)
//   DATABASE_POOL_SIZE                                     connections and activity slots (default: 3 connections,
//                                                          the SDK's 100 slots)
//   CRASH_GATE_DIR                                         when set, closeBillingPeriod runs for real (commits), then
//                                                          writes <dir>/close-committed and never returns, so the test
//                                                          can kill the process between commit and completion
// Prints `ready` on stdout once the worker is polling.
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { applicationDatabaseUrl } from '../../activities/databaseRoles.js';
import { createDb } from '../../activities/db.js';
import { createBillingWorker } from '../../worker/createWorker.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

Runtime.install({ logger: new DefaultLogger('WARN') });
const poolSize = process.env.DATABASE_POOL_SIZE ? Number(process.env.DATABASE_POOL_SIZE) : undefined;
// As worker/main.ts: the application role (APP_DATABASE_URL, else derived from DATABASE_URL).
const db = createDb(
  applicationDatabaseUrl({ DATABASE_URL: env('DATABASE_URL'), APP_DATABASE_URL: process.env.APP_DATABASE_URL }),
  poolSize ?? 3,
);
const gateDir = process.env.CRASH_GATE_DIR;
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await createBillingWorker({
  connection,
  namespace: 'default',
  taskQueue: env('TEMPORAL_TASK_QUEUE'),
  db,
  identity: `crash-worker-${process.pid}`,
  activityDeps: { allowInternalWebhookUrls: true },
  workflowBundle: { codePath: env('WORKFLOW_BUNDLE_PATH') },
  // Given a pool size, as worker/main.ts: no more activities at once than connections, so a busy worker leaves tasks
  // to the others.
  ...(poolSize ? { maxConcurrentActivityTaskExecutions: poolSize } : {}),
  decorateActivities: (activities) =>
    gateDir
      ? {
          ...activities,
          async closeBillingPeriod(input) {
            const closed = await activities.closeBillingPeriod(input);
            // Written whole, then renamed: the test polls for the file and must never read it half-written.
            const marker = path.join(gateDir, 'close-committed');
            await writeFile(`${marker}.tmp`, JSON.stringify(closed));
            await rename(`${marker}.tmp`, marker);
            return new Promise<never>(() => {});
          },
        }
      : activities,
});
const running = worker.run();
process.stdout.write('ready\n');
await running;
