// The release step of a deployment (docker compose's `release` service, or a CI/CD job): apply database
// migrations (as the tables' owner, DATABASE_URL), give the application role the password of APP_DATABASE_URL, and
// register the Temporal search attributes, then exit. Idempotent; run it before new workers and API processes start.
// SEED_DEMO=true also seeds the demo organization.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../activities/config.js';
import { createDb } from '../activities/db.js';
import { seedDemo } from '../prisma/seed.js';
import { ensureReconcileSchedule } from '../temporal/reconcileSchedule.js';
import { ensureRetentionSchedule } from '../temporal/retentionSchedule.js';
import { setApplicationRolePassword } from './lib/applicationRole.js';
import { applyMigrations } from './lib/prismaCli.js';
import { registerSearchAttributes } from './lib/searchAttributeRegistration.js';
import { waitForTemporal } from './lib/temporalDevServer.js';

const config = loadConfig();
console.log('[release] applying migrations');
await applyMigrations(config.DATABASE_URL, false);
if (config.APP_DATABASE_URL) {
  const role = await setApplicationRolePassword(config.DATABASE_URL, config.APP_DATABASE_URL);
  if (role) console.log(`[release] ${role} may log in with the password of APP_DATABASE_URL`);
}
console.log(`[release] registering search attributes on ${config.TEMPORAL_ADDRESS}`);
await waitForTemporal(config.TEMPORAL_ADDRESS, 120_000);
await registerSearchAttributes(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
{
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const created = await ensureReconcileSchedule(client, config.TEMPORAL_TASK_QUEUE);
  console.log(`[release] reconciliation schedule ${created ? 'created' : 'already present'}`);
  const retention = await ensureRetentionSchedule(client, config.TEMPORAL_TASK_QUEUE);
  console.log(`[release] retention schedule ${retention ? 'created' : 'already present'}`);
  await connection.close();
}
if (process.env.SEED_DEMO === 'true') {
  const db = createDb(config.DATABASE_URL, 2);
  const result = await seedDemo(db, { apiKey: process.env.DEMO_API_KEY });
  console.log(
    result.created
      ? `[release] seeded demo organization; admin key: ${result.apiKey}`
      : '[release] demo already seeded',
  );
  await db.$disconnect();
}
console.log('[release] done');
