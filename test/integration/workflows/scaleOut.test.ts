// Scale-out: two worker processes and two API processes on one Temporal and one Postgres do the same work as one of
// each, with nothing processed twice. Both shapes close the billing periods of the same fixture (20 entities, usage
// through the metering API, half of them with promotional credits; bench/billingRunFixture.ts), each on a task queue
// and organization of its own and at the same time. Then, for each: one invoice per entity, invoice numbers exactly
// 1..20, the predicted total on every invoice, one charge and one invoice.finalized per invoice, no invariant
// violation; the two shapes' invoices are identical; and in the two-worker shape both workers closed periods.
// The same code measures throughput at 1,000 and 10,000 entities: `npm run bench:billing-run`.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDb, type Db } from '../../../activities/db.js';
import { compareTotals, verifyBillingRun } from '../../../bench/billingRunChecks.js';
import { type Cluster, startCluster } from '../../../bench/billingRunCluster.js';
import {
  closeAllPeriods,
  ingestUsage,
  startBillingCycles,
  waitForCollection,
} from '../../../bench/billingRunDriver.js';
import { type BillingRunFixture, seedBillingRun } from '../../../bench/billingRunFixture.js';
import { devServerClient, testDb, uniqueTaskQueue } from '../../support/services.js';

const ENTITIES = 20;
const workerScript = path.resolve(import.meta.dirname, '../../support/crashWorker.ts');

let db: Db;
let pool: pg.Pool;
let client: Client;
const clusters: Cluster[] = [];
const fixtures: BillingRunFixture[] = [];

beforeAll(async () => {
  db = testDb(2);
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
  client = await devServerClient();
});

afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  // The billing cycles wait for next month on task queues nobody polls any more: end them.
  const ids = fixtures.flatMap((f) => f.entityIds.map((id) => `billing:${id}`));
  await Promise.all(
    ids.map((id) =>
      client?.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => {}),
    ),
  );
  await pool?.end();
  if (db) await closeDb(db);
});

/** The identity of the worker that ran each closeBillingPeriod of the organization's first billing runs. */
async function closingWorkers(organizationId: string): Promise<string[]> {
  const identities: string[] = [];
  const runs = client.workflow.list({
    query: `WorkflowType = 'entityBillingWorkflow' AND ExecutionStatus = 'ContinuedAsNew' AND OrganizationId = '${organizationId}'`,
  });
  for await (const run of runs) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const events = history.events ?? [];
    const closeScheduled = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'closeBillingPeriod')
        .map((e) => String(e.eventId)),
    );
    for (const e of events) {
      const started = e.activityTaskStartedEventAttributes;
      if (started && closeScheduled.has(String(started.scheduledEventId))) identities.push(started.identity ?? '');
    }
  }
  return identities;
}

async function run(workers: number, apis: number) {
  const connection = await pool.connect();
  const fixture = await seedBillingRun(connection, ENTITIES).finally(() => connection.release());
  fixtures.push(fixture);
  const cluster = await startCluster({
    workers,
    apis,
    databaseUrl: inject('databaseUrl'),
    temporalAddress: inject('temporalAddress'),
    taskQueue: uniqueTaskQueue(`scale-${workers}x${apis}`),
    workerScript,
    env: { WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'), CRASH_GATE_DIR: '', DATABASE_POOL_SIZE: '4' },
    ...(process.env.SCALE_OUT_LOG_DIR
      ? { logFile: path.join(process.env.SCALE_OUT_LOG_DIR, `scale-out-${workers}x${apis}.log`) }
      : {}),
  });
  clusters.push(cluster);
  const opts = { apiUrls: cluster.apiUrls, concurrency: 16, timeoutMs: 60_000 };
  await ingestUsage(fixture, opts);
  await startBillingCycles(pool, fixture, opts);
  await closeAllPeriods(pool, fixture, opts);
  await waitForCollection(pool, fixture, opts);
  return { fixture, cluster, verdict: await verifyBillingRun(db, pool, fixture) };
}

describe('scale-out: 2 workers + 2 APIs vs 1 + 1', () => {
  it('closes every period once, numbers gap-free, the same invoices as one worker', { timeout: 150_000 }, async () => {
    const [single, double] = await Promise.all([run(1, 1), run(2, 2)]);

    for (const { verdict } of [single, double]) {
      expect(verdict.violations).toEqual([]);
      expect(verdict.wrongTotals).toEqual([]);
      expect({
        invoices: verdict.invoices,
        missing: verdict.entitiesWithoutInvoice,
        duplicates: verdict.duplicateInvoices,
        numbering: verdict.numbering,
        wrongCharges: verdict.wrongCharges,
        wrongAnnouncements: verdict.wrongAnnouncements,
      }).toEqual({
        invoices: ENTITIES,
        missing: 0,
        duplicates: 0,
        numbering: { distinct: ENTITIES, min: 1, max: ENTITIES, next: ENTITIES + 1, gapFree: true },
        wrongCharges: 0,
        wrongAnnouncements: 0,
      });
    }
    expect(compareTotals(single.verdict.totals, double.verdict.totals)).toEqual([]);
    expect(single.verdict.totals).toEqual(single.fixture.expectedTotals);

    // Both workers of the two-worker shape took part, each close ran once (no retry, no second execution).
    const identities = await closingWorkers(double.fixture.organizationId);
    expect(identities).toHaveLength(ENTITIES);
    const byWorker = double.cluster.workerPids.map(
      (pid) => identities.filter((id) => new RegExp(`(^|\\D)${pid}(\\D|$)`).test(id)).length,
    );
    expect(byWorker.every((n) => n > 0)).toBe(true);
    expect(byWorker.reduce((a, b) => a + b, 0)).toBe(ENTITIES);
  });
});
