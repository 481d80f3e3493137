// `npm start`: the whole platform on one machine.
//   Postgres      DATABASE_URL, or a local cluster under .data/postgres (started here, stopped on exit)
//   Temporal      TEMPORAL_ADDRESS, or the dev server with its Web UI (state in .data/temporal.db), or with
//                 TEMPORAL_SHAPE=postgres the Temporal Server on that Postgres (databases temporal, temporal_visibility)
//   then          migrations, the demo seed on first run, the worker and the API as child processes
// Ctrl-C (or SIGTERM) stops everything it started, in reverse order.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../activities/db.js';
import { listActiveEntityRefs } from '../activities/entities.js';
import { createTenantDescriber } from '../activities/organizations/tenantDescription.js';
import { generateSecretKey } from '../activities/secretsAtRest.js';
import { seedDemo } from '../prisma/seed.js';
import { ensureReconcileSchedule } from '../temporal/reconcileSchedule.js';
import { ensureRetentionSchedule } from '../temporal/retentionSchedule.js';
import { startEntityBillingWorkflow } from '../temporal/workflowStarts.js';
import { LOCAL_DB_NAME, LOCAL_PG_PORT, localDataDir } from './lib/devDatabase.js';
import { ensureTools } from './lib/ensureTools.js';
import { startLocalPostgres } from './lib/localPostgres.js';
import { applyMigrations, ensurePrismaClient, projectRoot } from './lib/prismaCli.js';
import { registerSearchAttributes } from './lib/searchAttributeRegistration.js';
import { startTemporalDevServer, stopChild, waitForTemporal } from './lib/temporalDevServer.js';
import { startTemporalPostgresServer } from './lib/temporalPostgresServer.js';
import { temporalShape } from './lib/temporalShape.js';
import { ensureWebBuild, startWebConsole } from './lib/webConsole.js';

const env = process.env;
const apiPort = Number(env.PORT ?? 3000);
const consolePort = Number(env.CONSOLE_PORT ?? 3001);
const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
const taskQueue = env.TEMPORAL_TASK_QUEUE ?? 'billing';
const say = (msg: string) => console.log(`[start] ${msg}`);

const cleanups: Array<() => Promise<void>> = [];
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping...');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error(err));
    say('stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

function spawnService(name: string, entry: string, serviceEnv: NodeJS.ProcessEnv): ChildProcess {
  // `node --import tsx`, not the tsx CLI: the CLI's signal relay SIGKILLs a child that is still shutting down when a
  // second signal arrives (Ctrl-C reaches the whole process group, and we send SIGTERM as well).
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot,
    env: serviceEnv,
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited unexpectedly (${signal ?? code}); stopping the platform`);
      void shutdown(1);
    }
  });
  cleanups.push(() => stopChild(child));
  return child;
}

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not report healthy within ${timeoutMs} ms`);
}

try {
  const shape = temporalShape();
  // The Temporal CLI or Server, unless an external Temporal is given: found, or built once (scripts/lib/ensureTools.ts).
  const tools = await ensureTools(env.TEMPORAL_ADDRESS ? [] : [shape === 'postgres' ? 'temporal-server' : 'temporal']);
  await mkdir(localDataDir, { recursive: true });
  await ensurePrismaClient();
  // The key that seals webhook signing secrets at rest (activities/secretsAtRest.ts): SECRET_KEYS, or one generated
  // once for this clone and kept beside its data (deleting .data/ deletes both).
  if (!env.SECRET_KEYS) {
    const secretKeyFile = path.join(localDataDir, 'secret-keys');
    if (!existsSync(secretKeyFile)) await writeFile(secretKeyFile, `${generateSecretKey('local')}\n`, { mode: 0o600 });
    env.SECRET_KEYS = (await readFile(secretKeyFile, 'utf8')).trim();
  }

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting Postgres (data in .data/postgres, port ${LOCAL_PG_PORT})`);
    const pg = await startLocalPostgres({
      dataDir: path.join(localDataDir, 'postgres'),
      port: LOCAL_PG_PORT,
      database: LOCAL_DB_NAME,
    });
    if (pg.started) cleanups.push(() => pg.stop());
    databaseUrl = pg.url;
  }

  let temporalAddress = env.TEMPORAL_ADDRESS;
  let uiUrl = env.TEMPORAL_UI_URL;
  if (temporalAddress) {
    await waitForTemporal(temporalAddress, 30_000);
    await registerSearchAttributes(temporalAddress, namespace);
  } else if (shape === 'postgres') {
    const port = Number(env.TEMPORAL_PORT ?? 7233);
    say(`starting the Temporal Server on Postgres (databases temporal, temporal_visibility; frontend on ${port})`);
    const server = await startTemporalPostgresServer({
      server: tools['temporal-server']!,
      databaseUrl,
      port,
      stateDir: path.join(localDataDir, 'temporal-server'),
      namespace,
    });
    const t = server.timings;
    say(`Temporal Server ready in ${((t.schemaMs + t.serverMs + t.namespaceMs) / 1000).toFixed(1)} s`);
    cleanups.push(() => server.stop());
    temporalAddress = server.address;
  } else {
    const uiPort = Number(env.TEMPORAL_UI_PORT ?? 8233);
    say(`starting the Temporal dev server (state in .data/temporal.db, UI on ${uiPort})`);
    const server = await startTemporalDevServer({
      port: Number(env.TEMPORAL_PORT ?? 7233),
      uiPort,
      dbFile: path.join(localDataDir, 'temporal.db'),
      logFile: path.join(localDataDir, 'temporal.log'),
      namespace,
      cli: tools.temporal,
    });
    cleanups.push(() => server.stop());
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
  }

  say('applying migrations');
  await applyMigrations(databaseUrl);

  const db = createDb(databaseUrl, 2);
  const keyFile = path.join(localDataDir, 'demo-api-key');
  const seeded = await seedDemo(db, { apiKey: env.DEMO_API_KEY });
  if (seeded.apiKey) await writeFile(keyFile, `${seeded.apiKey}\n`, { mode: 0o600 });
  const demoKey = seeded.apiKey ?? (existsSync(keyFile) ? (await readFile(keyFile, 'utf8')).trim() : undefined);
  if (seeded.created) say(`seeded the demo organization ${seeded.organizationId}`);

  // One secret for the API (portal sessions, document links) and the console (its session cookie), kept across runs
  // so links and sessions survive a restart.
  const secretFile = path.join(localDataDir, 'console-signing-secret');
  if (!env.CONSOLE_SIGNING_SECRET && !existsSync(secretFile)) {
    await writeFile(secretFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  }
  const signingSecret = env.CONSOLE_SIGNING_SECRET ?? (await readFile(secretFile, 'utf8')).trim();
  // Invoice PDFs are rendered by Chromium; without it everything else still runs (the PDF link answers 503).
  let chromiumPath = env.CHROMIUM_PATH;
  if (!chromiumPath) {
    try {
      chromiumPath = (await ensureTools(['chromium'])).chromium;
    } catch (err) {
      say(`no Chromium, so no invoice PDFs: ${(err as Error).message}`);
    }
  }

  const serviceEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PORT: String(apiPort),
    CONSOLE_SIGNING_SECRET: signingSecret,
    CONSOLE_URL: env.CONSOLE_URL ?? `http://127.0.0.1:${consolePort}`,
    ...(chromiumPath ? { CHROMIUM_PATH: chromiumPath } : {}),
    // The worker writes retention archives there, the API rewrites them for an erasure: one directory for both.
    RETENTION_ARCHIVE_DIR: env.RETENTION_ARCHIVE_DIR ?? path.join(localDataDir, 'archive'),
    // One machine, local receivers: the dev launcher allows webhook endpoints on loopback addresses.
    WEBHOOK_ALLOW_INTERNAL_URLS: env.WEBHOOK_ALLOW_INTERNAL_URLS ?? 'true',
  };
  spawnService('worker', 'worker/main.ts', serviceEnv);
  spawnService('api', 'api/main.ts', serviceEnv);

  // Every active entity has its billing workflow (idempotent: a running one is kept).
  const client = new Client({ connection: await Connection.connect({ address: temporalAddress }), namespace });
  const entities = await listActiveEntityRefs(db);
  const describeTenant = createTenantDescriber(db);
  for (const entity of entities) {
    await startEntityBillingWorkflow({ temporal: client, taskQueue, describeTenant }, entity);
  }
  // Every few minutes: start any missing entity/subscription/grant/invoice workflow, dispatch pending outbox rows.
  await ensureReconcileSchedule(client, taskQueue);
  // Once a day: archive and delete what each organization's retention policy says has expired.
  await ensureRetentionSchedule(client, taskQueue);
  await client.connection.close();
  await db.$disconnect();

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const noUi = env.TEMPORAL_ADDRESS
    ? '(external Temporal: see your cluster UI)'
    : '(none: the Temporal Server runs without one; TEMPORAL_UI_URL names one you run)';
  await waitForHealthy(`${apiUrl}/health`, 120_000);
  await ensureWebBuild((m) => say(m));
  const web = await startWebConsole({
    port: consolePort,
    apiUrl,
    temporalUiUrl: uiUrl ?? 'http://127.0.0.1:8233',
    temporalNamespace: namespace,
    signingSecret,
  });
  cleanups.push(() => web.stop());
  console.log(
    [
      '',
      '  Marketplace billing is running',
      `  Console      ${web.url}  (sign in with the demo key)`,
      `  API          ${apiUrl}`,
      `  Health       ${apiUrl}/health`,
      `  API docs     ${apiUrl}/docs`,
      `  OpenAPI      ${apiUrl}/openapi.json`,
      `  Temporal UI  ${uiUrl ?? noUi}`,
      `  Demo key     ${demoKey ?? '(created on an earlier run; see its output or set DEMO_API_KEY)'}`,
      '',
      `  Try: curl -H "Authorization: Bearer ${demoKey ?? '<key>'}" ${apiUrl}/api/entities/${seeded.entityIds[0]}/billing-workflow`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
} catch (err) {
  console.error(`[start] ${(err as Error).message}`);
  await shutdown(1);
}
