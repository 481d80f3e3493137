// API process entry point: `npm run api`. Stateless; run as many behind a load balancer as the load needs.
import { serve } from '@hono/node-server';
import { loadConfig } from '../activities/config.js';
import { applicationDatabaseUrl, assertApplicationRole } from '../activities/databaseRoles.js';
import { closeDb, createDb } from '../activities/db.js';
import { createPdfRenderer } from '../activities/documents/pdfRenderer.js';
import { createLogger } from '../activities/logger.js';
import { createPaymentProvider } from '../activities/payments/providerSelection.js';
import { createProcessLiveness } from '../activities/processLiveness.js';
import { secretKeyringFromEnv } from '../activities/secretsAtRest.js';
import { createApp } from './app.js';
import { connectTemporalClient } from './temporalClient.js';

const config = loadConfig();
const log = createLogger('api', config.LOG_LEVEL);
// Refuses to start in production without SECRET_KEYS (webhook signing secrets are stored sealed with it).
const secretKeys = secretKeyringFromEnv();
// As the application role: row-level security holds every query to the caller's organization.
const databaseUrl = applicationDatabaseUrl(config);
const db = createDb(databaseUrl, config.DATABASE_POOL_SIZE);
await assertApplicationRole(db);
const temporal = await connectTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
// Lets another API process take over this one's Idempotency-Key claims at once if it dies mid-request.
const liveness = createProcessLiveness(databaseUrl, (err) =>
  log.warn({ err }, 'liveness connection lost; reconnecting'),
);
// Chromium starts on the first PDF asked for, not here: an API that never renders one never runs a browser.
const pdfRenderer = createPdfRenderer(config.CHROMIUM_PATH);
const app = createApp({
  db,
  temporal,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  log,
  bootstrapAdminKey: config.BOOTSTRAP_ADMIN_KEY,
  rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
  allowInternalWebhookUrls: config.WEBHOOK_ALLOW_INTERNAL_URLS,
  apiKeyCacheTtlMs: config.API_KEY_CACHE_TTL_MS,
  archiveDir: config.RETENTION_ARCHIVE_DIR,
  liveness,
  paymentProvider: createPaymentProvider(config),
  stripeWebhookSecret: config.STRIPE_WEBHOOK_SECRET,
  signingSecret: config.CONSOLE_SIGNING_SECRET,
  consoleUrl: config.CONSOLE_URL,
  pdfRenderer,
  secretKeys,
});

const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
  log.info({ url: `http://${config.HOST}:${info.port}` }, 'api listening');
});

// Graceful shutdown: stop accepting connections, let in-flight requests finish, then release the pools.
let shuttingDown = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'api shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    server.close(async () => {
      await Promise.allSettled([closeDb(db), temporal.connection.close(), liveness.close(), pdfRenderer.close()]);
      clearTimeout(force);
      log.info('api stopped');
      process.exit(0);
    });
  });
}
