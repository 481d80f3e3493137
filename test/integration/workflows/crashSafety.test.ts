// Crash safety against the real dev server: a billing worker in a child process is SIGKILLed twice, once between the
// period close's commit and its completion, once while a webhook POST is in flight. Each restart continues the run:
// exactly one invoice for the period (numbers gap-free), no duplicate ledger entries or invoice items, the webhook
// received at least once and always with the same `webhook-id`, the delivery recorded as delivered, and the invariant
// checker finds nothing. Slow by nature: the killed webhook attempt is retried only after the activity's 1-minute
// startToClose timeout (the close uses the workflow's closeTimeoutMs override, 3 s).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDb, type Db } from '../../../activities/db.js';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { ingestEvents } from '../../../activities/metering/ingestEvents.js';
import { tenantSearchAttributes } from '../../../temporal/searchAttributes.js';
import { billingStateQuery, closeNowSignal } from '../../../workflows/entityBillingWorkflow.js';
import { createMeteringTenant, grantCredits } from '../../support/meteringFactories.js';
import { devServerClient, testDb, uniqueTaskQueue } from '../../support/services.js';
import { createWebhookEndpoint, eventually } from '../../support/workflowFactories.js';

const crashWorkerScript = path.resolve(import.meta.dirname, '../../support/crashWorker.ts');

let db: Db;
let client: Client;
let server: Server;
let baseUrl: string;
let gateDir: string;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let hangFirst = true;
const hung: ServerResponse[] = [];
const children = new Set<ChildProcess>();
const cleanup: string[] = [];

function startWorker(taskQueue: string, gate: boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', crashWorkerScript], {
    env: {
      ...process.env,
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      ...(gate ? { CRASH_GATE_DIR: gateDir } : { CRASH_GATE_DIR: '' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('ready\n')) resolve(child);
    });
    child.once('exit', (code, signal) => reject(new Error(`crash worker exited early: ${code ?? signal}`)));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  db = testDb();
  client = await devServerClient();
  gateDir = await mkdtemp(path.join(tmpdir(), 'billing-crash-gate-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (hangFirst) {
        // The first delivery never gets an answer: the test kills the worker while it waits for one.
        hangFirst = false;
        hung.push(res);
        return;
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const id of cleanup) {
    await client?.workflow
      .getHandle(id)
      .terminate('test done')
      .catch(() => {});
  }
  for (const res of hung) res.destroy();
  await new Promise((r) => server?.close(r));
  await rm(gateDir, { recursive: true, force: true });
  if (db) await closeDb(db);
});

describe('crash safety (worker SIGKILLed mid-close and mid-webhook)', () => {
  it('one invoice, no duplicate entries, the webhook delivered with one webhook-id', { timeout: 150_000 }, async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const t = await createMeteringTenant(db, {
      overagePolicy: 'bill',
      prices: [{ eventType: 'project.posted', unitPrice: '2.50' }],
    });
    await grantCredits(db, t.organizationId, t.entityId, '5.00');
    await createWebhookEndpoint(db, t.organizationId, `${baseUrl}/hooks`, ['invoice.finalized']);

    let worker = await startWorker(taskQueue, true);
    const workflowId = `billing:${t.entityId}`;
    cleanup.push(workflowId);
    const handle = await client.workflow.start('entityBillingWorkflow', {
      workflowId,
      taskQueue,
      args: [{ entityId: t.entityId, organizationId: t.organizationId, closeTimeoutMs: 3_000 }],
      typedSearchAttributes: tenantSearchAttributes({ organizationId: t.organizationId, entityId: t.entityId }),
    });
    await eventually(async () => (await handle.query(billingStateQuery)).phase === 'waiting_for_period_end');

    const { outcomes } = await ingestEvents(
      db,
      t.organizationId,
      [1, 2, 3].map((i) => ({
        entityId: t.entityId,
        userId: t.userIds[0]!,
        eventType: 'project.posted',
        quantity: 1,
        occurredAt: new Date(Date.now() - (4 - i) * 1000).toISOString(),
        idempotencyKey: `crash-${i}`,
        properties: {},
      })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted']);

    // 1. Kill the worker after the close committed but before the activity completed.
    await handle.signal(closeNowSignal);
    const marker = path.join(gateDir, 'close-committed');
    await eventually(async () => existsSync(marker));
    const committed = JSON.parse(await readFile(marker, 'utf8')) as { invoiceId: string; invoiceNumber: number };
    cleanup.push(`invoice:${committed.invoiceId}`);
    await kill(worker);

    // 2. A new worker retries the close (same invoice), dispatches the webhook; kill it while the POST hangs.
    worker = await startWorker(taskQueue, false);
    await eventually(async () => received.length >= 1, 60_000);
    await kill(worker);

    // 3. A third worker finishes: the webhook attempt is retried after its timeout and answered 200.
    worker = await startWorker(taskQueue, false);
    const delivery = await eventually(
      async () =>
        db.webhookDelivery.findFirst({
          where: { endpoint: { organizationId: t.organizationId }, status: 'delivered' },
          include: { attempts: true, event: true },
        }),
      110_000,
    );
    await eventually(async () => (await handle.query(billingStateQuery)).billingPeriodId !== null, 30_000);
    await eventually(async () => {
      const s = await handle.query(billingStateQuery);
      return s.phase === 'waiting_for_period_end' && s.periodStart !== null;
    });

    const invoices = await db.invoice.findMany({
      where: { organizationId: t.organizationId },
      include: { lines: { orderBy: { position: 'asc' } } },
    });
    expect(invoices).toHaveLength(1);
    const invoice = invoices[0]!;
    expect(invoice.id).toBe(committed.invoiceId);
    expect(invoice.number).toBe(1);
    expect(committed.invoiceNumber).toBe(1);
    const org = await db.organization.findUniqueOrThrow({ where: { id: t.organizationId } });
    expect(org.nextInvoiceNumber).toBe(2);
    expect(invoice.total.toFixed(2)).toBe('2.50');
    expect(invoice.lines.map((l) => [l.kind, l.amount.toFixed(2)])).toEqual([
      ['usage', '7.50'],
      ['credits_applied', '-5.00'],
    ]);
    const periods = await db.billingPeriod.findMany({
      where: { entityId: t.entityId },
      orderBy: { periodStart: 'asc' },
    });
    expect(periods.map((p) => [p.status, p.invoiceId])).toEqual([
      ['closed', invoice.id],
      ['open', null],
    ]);

    const ledger = await db.ledgerEntry.findMany({ where: { entityId: t.entityId }, orderBy: { createdAt: 'asc' } });
    // The events were metered in one call: one consume entry for the grant, carrying both draws.
    expect(ledger.map((l) => [l.kind, l.amount.toFixed(2)])).toEqual([
      ['grant', '5.00'],
      ['consume', '-5.00'],
    ]);
    const items = await db.invoiceItem.findMany({ where: { entityId: t.entityId } });
    expect(items.map((i) => [i.kind, i.amount.toFixed(2), i.invoiceId])).toEqual([['usage', '2.50', invoice.id]]);

    const finalized = await db.webhookEvent.findMany({
      where: { organizationId: t.organizationId, type: 'invoice.finalized' },
    });
    expect(finalized).toHaveLength(1);
    expect(finalized[0]!.dispatchedAt).not.toBeNull();
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([finalized[0]!.id]));
    expect(delivery.event.id).toBe(finalized[0]!.id);
    expect(delivery.attemptCount).toBe(1);
    expect(delivery.attempts.map((a) => [a.attemptNumber, a.statusCode])).toEqual([[1, 200]]);
    expect(await db.webhookDelivery.count({ where: { webhookEventId: finalized[0]!.id } })).toBe(1);

    const report = await checkInvariants(db, { organizationId: t.organizationId });
    expect(report.violations).toEqual([]);
    await kill(worker);
  });
});
