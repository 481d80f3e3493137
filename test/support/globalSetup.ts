// Real services for the whole test run, started once:
//   tools      the Temporal CLI, the Temporal Server, the time-skipping test server, schemathesis, stripe-mock: found,
//              or built once into the tools cache (scripts/lib/ensureTools.ts), so `npm ci && npm test` needs nothing
//              else
//   Postgres   TEST_DATABASE_URL, or a throwaway cluster in a temp dir (removed afterwards), migrated; the app and the
//              worker of every test connect as the application role (TEST_APP_DATABASE_URL, else derived)
//   Temporal   TEST_TEMPORAL_ADDRESS, or a headless in-memory dev server with our search attributes
// plus the prebuilt workflow bundle and the time-skipping test server's path for workflow tests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { applicationDatabaseUrl } from '../../activities/databaseRoles.js';
import { generateSecretKey } from '../../activities/secretsAtRest.js';
import { ensureTools, type ToolName, testTools } from '../../scripts/lib/ensureTools.js';
import { freePort } from '../../scripts/lib/freePort.js';
import { startLocalPostgres } from '../../scripts/lib/localPostgres.js';
import { applyMigrations, ensurePrismaClient } from '../../scripts/lib/prismaCli.js';
import { registerSearchAttributes } from '../../scripts/lib/searchAttributeRegistration.js';
import { startTemporalDevServer, waitForTemporal } from '../../scripts/lib/temporalDevServer.js';
import { workflowsPath } from '../../worker/createWorker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tables' owner: fixtures, assertions, migrations. */
    databaseUrl: string;
    /** The application role (billing_app), as the API and the worker connect in production: row-level security holds. */
    appDatabaseUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
    /** SECRET_KEYS of the run (generated unless given), as the app, the workers and the migrations use it. */
    secretKeys: string;
    /** The time-skipping test server; undefined = the SDK downloads it. */
    testServerPath: string | undefined;
    /** stripe-mock, for tests of the payment provider (scripts/lib/stripeMock.ts). */
    stripeMockPath: string | undefined;
    /** The Temporal Server (with temporal-sql-tool beside it), for the test of the PostgreSQL shape. */
    temporalServerPath: string | undefined;
  }
}

export default async function setup(project: TestProject) {
  const teardowns: Array<() => Promise<void>> = [];
  // First, before anything is started: a missing tool fails the run at once with what to install.
  const tools: Partial<Record<ToolName, string | undefined>> = await ensureTools(testTools());
  await ensurePrismaClient();

  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'billing-test-pg-'));
    const pg = await startLocalPostgres({
      dataDir: dir,
      port: await freePort(),
      database: 'billing_test',
      ephemeral: true,
    });
    teardowns.push(async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    });
    databaseUrl = pg.url;
  }
  // A key of the run's own for secrets at rest (activities/secretsAtRest.ts), unless given: the test processes inherit
  // it, and the migrations seal with it.
  process.env.SECRET_KEYS ??= generateSecretKey('test');
  await applyMigrations(databaseUrl);

  let temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  if (temporalAddress) {
    await waitForTemporal(temporalAddress, 30_000);
    await registerSearchAttributes(temporalAddress, 'default');
  } else {
    const server = await startTemporalDevServer({ port: await freePort(), cli: tools.temporal });
    teardowns.push(() => server.stop());
    temporalAddress = server.address;
  }

  // Bundling workflows takes seconds; do it once instead of once per test worker.
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const bundleDir = await mkdtemp(path.join(tmpdir(), 'billing-test-bundle-'));
  const workflowBundlePath = path.join(bundleDir, 'workflows.js');
  await writeFile(workflowBundlePath, code);
  teardowns.push(() => rm(bundleDir, { recursive: true, force: true }));

  project.provide('databaseUrl', databaseUrl);
  project.provide('secretKeys', process.env.SECRET_KEYS);
  project.provide(
    'appDatabaseUrl',
    applicationDatabaseUrl({ DATABASE_URL: databaseUrl, APP_DATABASE_URL: process.env.TEST_APP_DATABASE_URL }),
  );
  project.provide('temporalAddress', temporalAddress);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('testServerPath', tools['temporal-test-server']);
  project.provide('stripeMockPath', tools['stripe-mock']);
  project.provide('temporalServerPath', tools['temporal-server']);

  return async () => {
    for (const teardown of teardowns.reverse()) await teardown();
  };
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string, meta?: unknown) {
    console.warn(message, meta ?? '');
  },
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
};
