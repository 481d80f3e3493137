// Worker process entry point: `npm run worker`. Stateless; run as many as the load needs.
// SIGINT/SIGTERM make the SDK drain in-flight tasks before run() returns.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../activities/config.js';
import { applicationDatabaseUrl, assertApplicationRole } from '../activities/databaseRoles.js';
import { closeDb, createDb } from '../activities/db.js';
import { createLogger } from '../activities/logger.js';
import { createPaymentProvider } from '../activities/payments/providerSelection.js';
import { createPayoutProvider } from '../activities/payouts/payoutProviderSelection.js';
import { secretKeyringFromEnv } from '../activities/secretsAtRest.js';
import { createBillingWorker } from './createWorker.js';

const config = loadConfig();
const log = createLogger('worker', config.LOG_LEVEL);
// Refuses to start in production without SECRET_KEYS (webhook signing secrets are stored sealed with it).
const secretKeys = secretKeyringFromEnv();
// The SDK's own logs (worker state changes, webpack's bundle report) stay at warnings unless asked for.
Runtime.install({
  logger: new DefaultLogger(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN'),
});
// As the application role: each activity runs as the organization of the row it is about (activities/tenantDb.ts).
const db = createDb(applicationDatabaseUrl(config), config.DATABASE_POOL_SIZE);
await assertApplicationRole(db);
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
try {
  const worker = await createBillingWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db,
    // A restarted worker with a prebuilt bundle polls in seconds instead of re-running webpack.
    ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } } : {}),
    activityDeps: {
      allowInternalWebhookUrls: config.WEBHOOK_ALLOW_INTERNAL_URLS,
      paymentProvider: createPaymentProvider(config),
      payoutProvider: createPayoutProvider(config),
      archiveDir: config.RETENTION_ARCHIVE_DIR,
      secretKeys,
    },
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES ?? config.DATABASE_POOL_SIZE,
  });
  log.info(
    {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      address: config.TEMPORAL_ADDRESS,
      paymentProvider: config.PAYMENT_PROVIDER,
    },
    'worker started',
  );
  await worker.run();
  log.info('worker stopped');
} finally {
  await connection.close();
  await closeDb(db);
}
