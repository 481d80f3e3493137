// The second deployment shape, for real: the Temporal Server on PostgreSQL (scripts/lib/temporalPostgresServer.ts,
// built by the tools step), set up on the run's Postgres in databases of this file's own. One billing cycle runs on it
// through the production API and the billing worker: usage metered, the period closed, one invoice with the exact
// total. The workflow is then found in the server's own Postgres (visibility row with our search attributes), and
// after a restart of the server on the same databases (schemas already current, namespace already there) the running
// billing cycle is still there. Cost on the 2-core CI machine: see the README's "The Temporal Server on PostgreSQL".
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDb, type Db } from '../../activities/db.js';
import { freePort } from '../../scripts/lib/freePort.js';
import {
  dropTemporalDatabases,
  type PostgresTemporal,
  startTemporalPostgresServer,
} from '../../scripts/lib/temporalPostgresServer.js';
import { createBillingWorker } from '../../worker/createWorker.js';
import { billingStateQuery } from '../../workflows/entityBillingWorkflow.js';
import { bearer } from '../support/factories.js';
import { createMeteringTenant, eventBody, grantCredits, postEvents } from '../support/meteringFactories.js';
import { testApp, testAppDb, testDb, uniqueTaskQueue } from '../support/services.js';
import type { TestApp } from '../support/testContext.js';
import { eventually } from '../support/workflowFactories.js';

const suffix = randomUUID().slice(0, 8);
const databases = { main: `temporal_smoke_${suffix}`, visibility: `temporal_smoke_${suffix}_visibility` };
const databaseUrl = inject('databaseUrl');

let stateDir: string;
let server: PostgresTemporal | undefined;
let db: Db;
let appDb: Db;
let client: Client;
let connection: NativeConnection | undefined;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let app: TestApp;
const taskQueue = uniqueTaskQueue('temporal-postgres');

const start = (port: number) =>
  startTemporalPostgresServer({
    server: inject('temporalServerPath')!,
    databaseUrl,
    port,
    stateDir,
    databases,
  });

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'temporal-postgres-'));
  server = await start(await freePort());
  console.log(`Temporal Server on Postgres, cold start: ${JSON.stringify(server.timings)} ms`);
  db = testDb(3);
  appDb = testAppDb(3);
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  connection = await NativeConnection.connect({ address: server.address });
  worker = await createBillingWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db: appDb,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  running = worker.run();
  app = testApp(appDb, client, taskQueue);
}, 180_000);

/** The worker and both connections, before the server they talk to goes away. */
async function stopClients() {
  worker?.shutdown();
  await running;
  await connection?.close();
  await client?.connection.close();
  worker = running = connection = undefined;
}

afterAll(async () => {
  await stopClients();
  await server?.stop();
  await dropTemporalDatabases(databaseUrl, databases).catch(() => {});
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  if (db) await closeDb(db);
  if (appDb) await closeDb(appDb);
}, 60_000);

/** The runs of a workflow in the server's own visibility database, oldest first. */
async function visibilityRows(workflowId: string) {
  const url = new URL(databaseUrl);
  url.pathname = `/${databases.visibility}`;
  const visibility = new pg.Client({ connectionString: url.toString() });
  await visibility.connect();
  try {
    const { rows } = await visibility.query<{ status: number; search_attributes: Record<string, unknown> | null }>(
      'SELECT status, search_attributes FROM executions_visibility WHERE workflow_id = $1 ORDER BY start_time',
      [workflowId],
    );
    return rows;
  } finally {
    await visibility.end();
  }
}

/** Which of `ids` a row's search attributes hold (stored under the server's own column names, Keyword01...). */
const tenantValues = (attributes: Record<string, unknown> | null, ids: string[]) =>
  Object.values(attributes ?? {})
    .filter((v): v is string => typeof v === 'string' && ids.includes(v))
    .sort();

describe('the Temporal Server on PostgreSQL', () => {
  it('runs a billing cycle into an invoice with the exact total, and keeps it across a restart', async () => {
    const t = await createMeteringTenant(db, {
      overagePolicy: 'bill',
      prices: [{ eventType: 'project.posted', unitPrice: '2.50' }],
    });
    await grantCredits(db, t.organizationId, t.entityId, '5.00');
    const base = `/api/entities/${t.entityId}/billing-workflow`;
    const post = (p: string) => app.request(p, { method: 'POST', headers: bearer(t.adminKey) });

    expect((await post(base)).status).toBe(202);
    const workflowId = `billing:${t.entityId}`;
    const handle = client.workflow.getHandle(workflowId);
    await eventually(async () => (await handle.query(billingStateQuery)).phase === 'waiting_for_period_end');

    const { res, body } = await postEvents(
      app,
      t.ingestKey,
      { events: [1, 2, 3].map(() => eventBody(t)) },
      '/api/billing/events/batch',
    );
    expect({ status: res.status, accepted: body.accepted }).toEqual({ status: 200, accepted: 3 });

    expect((await post(`${base}/close-now`)).status).toBe(202);
    const invoice = await eventually(() =>
      db.invoice.findFirst({
        where: { entityId: t.entityId },
        include: { lines: { orderBy: { position: 'asc' } } },
      }),
    );
    expect(invoice.total.toFixed(2)).toBe('2.50');
    expect(invoice.lines.map((l) => [l.kind, l.amount.toFixed(2)])).toEqual([
      ['usage', '7.50'],
      ['credits_applied', '-5.00'],
    ]);
    const next = await eventually(async () => {
      const s = await handle.query(billingStateQuery);
      return s.phase === 'waiting_for_period_end' && s.billingPeriodId !== null ? s : undefined;
    });
    const periods = await db.billingPeriod.findMany({
      where: { entityId: t.entityId },
      orderBy: { periodStart: 'asc' },
    });
    expect(periods.map((p) => [p.status, p.invoiceId])).toEqual([
      ['closed', invoice.id],
      ['open', null],
    ]);
    expect(next.billingPeriodId).toBe(periods[1]!.id);

    // Both runs (the closed period's, and the next one after continue-as-new) are rows of the server's visibility
    // database (status 6 = continued as new, 1 = running), carrying our search attributes, and the server finds them
    // by those attributes.
    const tenantIds = [t.entityId, t.organizationId].sort();
    const rows = await eventually(async () => {
      const r = await visibilityRows(workflowId);
      return r.length === 2 && r[0]!.status === 6 ? r : undefined;
    });
    expect(rows.map((r) => [r.status, tenantValues(r.search_attributes, tenantIds)])).toEqual([
      [6, tenantIds],
      [1, tenantIds],
    ]);
    const listed: string[][] = [];
    for await (const run of client.workflow.list({
      query: `WorkflowId = '${workflowId}' AND EntityId = '${t.entityId}' AND OrganizationId = '${t.organizationId}'`,
    })) {
      listed.push([run.runId, run.status.name]);
    }
    expect(listed.map(([, status]) => status).sort()).toEqual(['CONTINUED_AS_NEW', 'RUNNING']);

    // A restart on the same databases: set-up finds everything in place, and the billing cycle is still running.
    const { runId } = await handle.describe();
    await stopClients();
    await server!.stop();
    server = await start(await freePort());
    console.log(`Temporal Server on Postgres, warm start: ${JSON.stringify(server.timings)} ms`);
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const after = await client.workflow.getHandle(workflowId).describe();
    expect({ runId: after.runId, status: after.status.name }).toEqual({ runId, status: 'RUNNING' });
  }, 150_000);
});
