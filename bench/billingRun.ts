// Billing-run benchmark and scale-out check: closes the billing period of N entities through the real API and real
// worker processes, once per cluster shape (W workers x P API processes on one Temporal and one Postgres), measures
// entities closed per second, then verifies that nothing was processed twice and that every shape produced the same
// invoices for the same data.
//
//   npm run bench:billing-run                                   # N = 1000,10000; shapes 1x1 and 2x2
//   BENCH_ENTITIES=1000 BENCH_SHAPES=1x1,2x2,2x1 BENCH_CONCURRENCY=64 npm run bench:billing-run
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/billing_bench npm run bench:billing-run
//   TEMPORAL_SHAPE=postgres npm run bench:billing-run             # on the Temporal Server on Postgres (default: dev)
// Other knobs: BENCH_POOL_SIZE (DATABASE_POOL_SIZE of every process, default 10), BENCH_TIMEOUT_S (per phase, default
// 1800), BENCH_LOG_DIR (children's logs, one file per run).
//
// Without BENCH_DATABASE_URL a throwaway Postgres cluster (durable settings, like production) runs in a temp dir on a
// free port. Temporal (TEMPORAL_SHAPE): the dev server in memory on a free port (dev, the default), or the Temporal
// Server on PostgreSQL (postgres) on the same Postgres server as the billing database, in databases of its own that
// are dropped before the run, so every run starts from an empty cluster. Per shape: a fresh organization seeded by
// bulk SQL (bench/billingRunFixture.ts), W `worker/main.ts` and P `api/main.ts` children (bench/billingRunCluster.ts),
// usage recorded through POST /api/billing/events/batch, billing cycles started, then the measured part: a closeNow
// for every entity through the API (bench/billingRunDriver.ts) until every entity's invoice is written. Collection
// (the sandbox charge) is awaited afterwards, outside the measurement, before the checks (bench/billingRunChecks.ts).
// Exit code 1 when any check fails. Not part of `npm test`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../activities/db.js';
import { ensureTools } from '../scripts/lib/ensureTools.js';
import { freePort } from '../scripts/lib/freePort.js';
import { applyMigrations } from '../scripts/lib/prismaCli.js';
import { startTemporalDevServer } from '../scripts/lib/temporalDevServer.js';
import { dropTemporalDatabases, startTemporalPostgresServer } from '../scripts/lib/temporalPostgresServer.js';
import { temporalShape } from '../scripts/lib/temporalShape.js';
import { benchDatabase } from './benchDatabase.js';
import { type BillingRunVerdict, compareTotals, verifyBillingRun } from './billingRunChecks.js';
import { startCluster } from './billingRunCluster.js';
import {
  type CloseRunResult,
  closeAllPeriods,
  ingestUsage,
  startBillingCycles,
  waitForCollection,
} from './billingRunDriver.js';
import { seedBillingRun } from './billingRunFixture.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const ENTITIES = env('BENCH_ENTITIES', '1000,10000').split(',').map(Number);
const SHAPES = env('BENCH_SHAPES', '1x1,2x2')
  .split(',')
  .map((s) => {
    const [workers, apis] = s.split('x').map(Number);
    return { workers: workers!, apis: apis! };
  });
const CONCURRENCY = Number(env('BENCH_CONCURRENCY', '64'));
/** Postgres connections per worker and per API process (DATABASE_POOL_SIZE). */
const POOL = env('BENCH_POOL_SIZE', '10');
const LOG_DIR = process.env.BENCH_LOG_DIR;
/** Give up waiting for any phase (periods opened, invoices written, collection) after this long. */
const TIMEOUT_MS = Number(env('BENCH_TIMEOUT_S', '1800')) * 1000;
const SHAPE = temporalShape();
/** The Temporal Server's databases (TEMPORAL_SHAPE=postgres), beside the benchmark's own. */
const TEMPORAL_DATABASES = { main: 'billing_run_temporal', visibility: 'billing_run_temporal_visibility' };

interface Row extends CloseRunResult {
  shape: string;
  startSeconds: number;
  collectSeconds: number;
  load: string;
  verdict: BillingRunVerdict;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// Stops what the run started, in order (cluster, Temporal, Postgres): also on Ctrl-C, so no server outlives the run.
const teardown: Array<() => Promise<void>> = [];
let activeCluster: { stop(): Promise<void> } | null = null;
let stopping: Promise<void> | null = null;
/** Idempotent: a signal and the run's own failure may both ask for it; both wait for the same teardown. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    await activeCluster?.stop().catch((err) => console.error(err));
    for (const stop of teardown.splice(0)) await stop().catch((err) => console.error(err));
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the run's processes`);
    void stopAll().finally(() => process.exit(130));
  });
}

async function startBenchTemporal(databaseUrl: string, tools: { temporal?: string; 'temporal-server'?: string }) {
  const port = await freePort();
  if (SHAPE === 'dev') return startTemporalDevServer({ port, cli: tools.temporal });
  await dropTemporalDatabases(databaseUrl, TEMPORAL_DATABASES);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'billing-run-temporal-'));
  const server = await startTemporalPostgresServer({
    server: tools['temporal-server']!,
    databaseUrl,
    port,
    stateDir,
    databases: TEMPORAL_DATABASES,
    ...(LOG_DIR ? { logFile: path.join(LOG_DIR, 'temporal-server.log') } : {}),
  });
  console.log(`temporal server started in ${JSON.stringify(server.timings)} ms`);
  return {
    address: server.address,
    async stop() {
      await server.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function main() {
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  console.log(`load average at start: ${loadAverage()}`);
  console.log(`temporal: ${SHAPE === 'postgres' ? 'the Temporal Server on Postgres' : 'the dev server, in memory'}`);
  // Before anything starts: the Temporal CLI or Server found, or built once (scripts/lib/ensureTools.ts).
  const tools = await ensureTools([SHAPE === 'postgres' ? 'temporal-server' : 'temporal']);
  const database = await benchDatabase('billing_run');
  teardown.push(() => database.stop());
  const databaseUrl = database.url;
  const rows: Row[] = [];
  let failed = false;
  try {
    await applyMigrations(databaseUrl);
    const temporal = await startBenchTemporal(databaseUrl, tools);
    teardown.unshift(() => temporal.stop());
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const db = createDb(databaseUrl, 2);
    teardown.unshift(async () => {
      await pool.end();
      await db.$disconnect();
    });

    for (const n of ENTITIES) {
      const totalsByShape = new Map<string, string[]>();
      for (const shape of SHAPES) {
        const name = `${shape.workers}x${shape.apis}`;
        const client = await pool.connect();
        const fixture = await seedBillingRun(client, n).finally(() => client.release());
        const cluster = await startCluster({
          workers: shape.workers,
          apis: shape.apis,
          databaseUrl,
          temporalAddress: temporal.address,
          taskQueue: `billing-run-${fixture.organizationId.slice(0, 8)}`,
          env: { DATABASE_POOL_SIZE: POOL },
          ...(LOG_DIR ? { logFile: path.join(LOG_DIR, `billing-run-${n}-${name}.log`) } : {}),
        });
        activeCluster = cluster;
        try {
          const opts = { apiUrls: cluster.apiUrls, concurrency: CONCURRENCY, timeoutMs: TIMEOUT_MS };
          await ingestUsage(fixture, opts);
          const startSeconds = await startBillingCycles(pool, fixture, opts);
          const result = await closeAllPeriods(pool, fixture, opts);
          const load = loadAverage();
          const collectSeconds = await waitForCollection(pool, fixture, opts);
          const verdict = await verifyBillingRun(db, pool, fixture);
          totalsByShape.set(name, verdict.totals);
          const row = { ...result, shape: name, startSeconds, collectSeconds, load, verdict };
          rows.push(row);
          const { totals: _totals, ...summary } = verdict;
          console.log(JSON.stringify({ ...row, verdict: { ...summary, violations: summary.violations.slice(0, 5) } }));
          if (!verdict.ok) failed = true;
        } finally {
          activeCluster = null;
          await cluster.stop();
        }
      }
      const [first, ...others] = [...totalsByShape.entries()];
      for (const [name, totals] of others) {
        const diff = compareTotals(first![1], totals);
        console.log(
          `N=${n}: invoice totals of ${name} vs ${first![0]}: ${diff.length === 0 ? 'identical' : `${diff.length} differ`}`,
        );
        if (diff.length > 0) failed = true;
      }
    }
  } finally {
    await stopAll();
  }

  console.log(
    '\n| entities | workers x APIs | close s | entities/s | p50 ms | p99 ms | max ms | trigger s | start s | collect s | load avg (1/5/15) | invoices | dup | numbers 1..N | wrong totals | violations |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const v = r.verdict;
    console.log(
      `| ${r.entities} | ${r.shape} | ${r.seconds} | ${r.entitiesPerSecond} | ${r.p50} | ${r.p99} | ${r.max} | ${r.triggerSeconds} | ${r.startSeconds} | ${r.collectSeconds} | ${r.load} | ${v.invoices} | ${v.duplicateInvoices} | ${v.numbering.gapFree ? 'yes' : 'NO'} | ${v.wrongTotals.length} | ${v.violations.length} |`,
    );
  }
  console.log(`load average at end: ${loadAverage()}`);
  return failed;
}

const failed = await main().catch((err) => {
  console.error(err);
  return true;
});
await stopAll();
process.exit(failed ? 1 : 0);
