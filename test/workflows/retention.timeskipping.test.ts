// The retention schedule over a year of data, on the time-skipping server: an entity is billed for twelve months
// (real metering, real period closes and collections, webhooks delivered to a real local receiver, stored responses
// and audit rows every month), and after every close the `retention` schedule's action runs (the time-skipping
// server has no Schedules, so the test starts what the schedule starts, at the instants it would). Expired rows are
// archived and deleted month by month, the invariant checker (`npm run invariants`) passes after every purge, an
// event of an archived period is refused, and at the end every archive restores exactly the rows that were purged.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { checkInvariants } from '../../activities/invariants/checkInvariants.js';
import { ingestEvents } from '../../activities/metering/ingestEvents.js';
import { digestFile, readManifest } from '../../activities/retention/archiveFiles.js';
import { restoreArchive } from '../../activities/retention/restoreArchive.js';
import { updateRetentionPolicy } from '../../activities/retention/retentionPolicyRecords.js';
import { ARCHIVE_ORDER, type ArchivedTable } from '../../activities/retention/retentionTables.js';
import { projectRoot } from '../../scripts/lib/prismaCli.js';
import { retentionScheduleAction } from '../../temporal/retentionSchedule.js';
import { billingStateQuery, entityBillingWorkflow } from '../../workflows/entityBillingWorkflow.js';
import type { RetentionRunResult } from '../../workflows/retentionWorkflow.js';
import { createMeteringTenant, grantCredits, type MeteringTenant } from '../support/meteringFactories.js';
import { snapshotRows } from '../support/retentionTesting.js';
import { workflowTestContext } from '../support/testContext.js';
import { createWebhookEndpoint, eventually } from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const ARCHIVE_DIR = path.join(tmpdir(), `billing-archive-timeskipping-${randomUUID().slice(0, 8)}`);
const h = workflowTestContext('retention', { archiveDir: ARCHIVE_DIR });
const run = promisify(execFile);

let server: Server;
let hooksUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hooksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await rm(ARCHIVE_DIR, { recursive: true, force: true });
});

const POLICY = {
  rawEventDays: 30,
  webhookPayloadDays: 30,
  webhookAttemptDays: 7,
  idempotencyRecordDays: 2,
  auditLogDays: 60,
};

/** `npm run invariants -- --organization <id>`, as an operator runs it. */
async function invariantsCommand(organizationId: string): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', 'invariants', '--', '--organization', organizationId], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
  });
  return stdout.trim();
}

describe('the retention schedule over a year', () => {
  it('archives month by month, the invariants hold after every purge, and the archives restore exactly', async () => {
    const { db, env } = h;
    const t: MeteringTenant = await createMeteringTenant(db, {
      overagePolicy: 'bill',
      prices: [{ eventType: 'project.posted', unitPrice: '2.00' }],
      members: 2,
    });
    const { organizationId, entityId } = t;
    await grantCredits(db, organizationId, entityId, '100.00');
    await createWebhookEndpoint(db, organizationId, hooksUrl);
    await updateRetentionPolicy(db, { actorType: 'bootstrap', actorId: null }, organizationId, POLICY);
    const activities = createActivities({ db, temporal: env.client, taskQueue: h.taskQueue, searchAttributes: false });
    // The grant's credits.granted row, written by the factory as the API would; dispatched as the API does after it.
    const granted = await db.webhookEvent.findMany({
      where: { organizationId, dispatchedAt: null },
      select: { id: true },
    });
    await activities.dispatchWebhookEvents({ webhookEventIds: granted.map((e) => e.id) });
    const billing = await env.client.workflow.start(entityBillingWorkflow, {
      workflowId: `billing:${entityId}`,
      taskQueue: h.taskQueue,
      args: [{ entityId, organizationId }],
    });

    // Every row of the archived tables as last seen before a run, by table and id: what a restore must give back.
    const seen = new Map<string, string>();
    const remember = async () => {
      const snapshot = await snapshotRows(db, organizationId);
      for (const table of ARCHIVE_ORDER)
        for (const line of snapshot[table]) seen.set(`${table}:${line.slice(1, 37)}`, line);
    };
    const allDeliveriesEnded = () =>
      eventually(async () => {
        const open = await db.webhookDelivery.count({
          where: { event: { organizationId }, status: { notIn: ['delivered', 'dead'] } },
        });
        const undispatched = await db.webhookEvent.count({ where: { organizationId, dispatchedAt: null } });
        return open === 0 && undispatched === 0;
      }, 60_000);
    const ingest = async (occurredAt: Date, userId: string, now: Date) => {
      const result = await ingestEvents(
        db,
        organizationId,
        [
          {
            entityId,
            userId,
            eventType: 'project.posted',
            quantity: 1,
            occurredAt: occurredAt.toISOString(),
            idempotencyKey: randomUUID(),
            properties: { note: 'a year of data', amount: 12.5 },
          },
        ],
        { now },
      );
      await activities.dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
      return result.outcomes[0];
    };
    const runs: RetentionRunResult[] = [];
    const runRetention = async (n: number) => {
      await allDeliveriesEnded();
      await remember();
      // What the schedule starts, for this organization only (the test database is shared with other files).
      const action = retentionScheduleAction(h.taskQueue);
      const handle = await env.client.workflow.start(action.workflowType, {
        workflowId: `${action.workflowId}-${n}-${randomUUID().slice(0, 6)}`,
        taskQueue: action.taskQueue,
        args: [{ organizationIds: [organizationId] }],
      });
      // Polled, not awaited: awaiting a result lets the server skip time (to the billing workflow's next timer).
      await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 120_000);
      const history = await handle.fetchHistory();
      const completed = history.events?.find(
        (e) => e.workflowExecutionCompletedEventAttributes,
      )?.workflowExecutionCompletedEventAttributes;
      runs.push(defaultPayloadConverter.fromPayload(completed?.result?.payloads?.[0] ?? {}) as RetentionRunResult);
      const report = await checkInvariants(db, { organizationId });
      expect(report.violations).toEqual([]);
      return handle.workflowId;
    };

    let lastRun = '';
    for (let i = 0; i < 12; i += 1) {
      const period = await eventually(async () => {
        const rows = await db.billingPeriod.findMany({ where: { entityId }, orderBy: { periodStart: 'asc' } });
        const row = rows[i];
        if (!row) return undefined;
        return (await billing.query(billingStateQuery)).billingPeriodId === row.id ? row : undefined;
      });
      // The month's events arrive an hour into the period.
      const at = new Date(period.periodStart.getTime() + 3_600_000);
      await skipTo(env, at.getTime() + 600_000);
      const now = new Date(await env.currentTimeMs());
      for (const [k, userId] of [t.userIds[0], t.userIds[0], t.userIds[1]].entries()) {
        const outcome = await ingest(new Date(at.getTime() + k * 60_000), userId as string, now);
        expect(outcome).toMatchObject({ status: 'accepted' });
      }
      if (i === 6) {
        // A late event: it occurred in the closed period before and is billed on this period's invoice.
        const previous = await db.billingPeriod.findFirstOrThrow({
          where: { entityId, periodEnd: period.periodStart },
        });
        const late = await ingest(new Date(previous.periodStart.getTime() + 7_200_000), t.userIds[1] as string, now);
        expect(late).toMatchObject({ status: 'accepted', late: true });
      }
      // A stored Idempotency-Key response and an audit row of the month.
      await db.idempotencyRecord.create({
        data: {
          organizationId,
          apiKeyId: t.adminKey.slice(0, 8),
          key: randomUUID(),
          method: 'POST',
          path: '/api/entities',
          requestHash: 'h',
          statusCode: 201,
          responseBody: { month: i, amount: '10.000000' },
          createdAt: now,
        },
      });
      await db.auditLog.create({
        data: {
          organizationId,
          actorType: 'system',
          action: 'test.monthly',
          targetType: 'entity',
          targetId: entityId,
          after: { month: i },
          createdAt: now,
        },
      });

      await skipTo(env, period.periodEnd.getTime() + 1_000);
      await eventually(() =>
        db.invoice.findFirst({ where: { entityId, periodStart: period.periodStart, status: 'paid' } }),
      );
      // Before the run, as the schedule would find it: every outbox row handed to delivery and delivered.
      lastRun = await runRetention(i);

      if (i === 3) {
        // The first period's events are archived: an event that falls in it is refused, not billed again.
        const first = await db.billingPeriod.findFirstOrThrow({ where: { entityId }, orderBy: { periodStart: 'asc' } });
        expect(first.eventsArchivedAt).not.toBeNull();
        const refused = await ingest(
          new Date(first.periodStart.getTime() + 3_600_000),
          t.userIds[0] as string,
          new Date(await env.currentTimeMs()),
        );
        expect(refused).toMatchObject({ status: 'invalid', code: 'PERIOD_ARCHIVED' });
      }
    }

    // Twenty days after the twelfth close: its events (within 30 days) stay; everything older is archived.
    const periods = await db.billingPeriod.findMany({ where: { entityId }, orderBy: { periodStart: 'asc' } });
    const twelfth = periods[11]!;
    await skipTo(env, twelfth.periodEnd.getTime() + 20 * 86_400_000);
    lastRun = await runRetention(12);
    await recordHistory(env, lastRun, 'retentionWorkflow-year');

    const live = await db.marketplaceEvent.count({ where: { entityId } });
    const archived = await db.archivedUsage.aggregate({ where: { entityId }, _sum: { events: true } });
    expect(live).toBe(3);
    expect(archived._sum.events).toBe(12 * 3 + 1 - 3);
    expect(runs.reduce((s, r) => s + r.deleted, 0)).toBe(
      runs.reduce((s, r) => s + r.archived, 0) - runs.reduce((s, r) => s + r.kept, 0),
    );
    // The late event's day was archived twice: its own period's events first, then (billed later) it.
    const lateDay = await db.retentionArchive.findMany({ where: { organizationId, tableName: 'MarketplaceEvent' } });
    expect(lateDay.length).toBe(11);
    expect(lateDay.some((r) => r.purgeFromLine === 3 && r.rowCount === 4)).toBe(true);
    // Twelve invoices, numbered, paid: the books are all there.
    const invoices = await db.invoice.findMany({ where: { entityId }, orderBy: { number: 'asc' } });
    expect(invoices.map((x) => [x.number, x.status])).toEqual(Array.from({ length: 12 }, (_, k) => [k + 1, 'paid']));
    expect(await invariantsCommand(organizationId)).toMatch(/: 0 violation\(s\)$/);

    // Every manifest matches its files; restoring them all gives back exactly what was purged.
    const root = path.join(ARCHIVE_DIR, organizationId);
    const days = (await readdir(root)).sort();
    expect(days.length).toBeGreaterThan(300 / 30);
    for (const day of days) {
      const manifestFile = path.join(root, day, 'manifest.json');
      const manifest = await readManifest(manifestFile);
      for (const f of manifest.files) {
        expect(await digestFile(path.join(root, day, f.file))).toEqual({
          rows: f.rows,
          bytes: f.bytes,
          sha256: f.sha256,
        });
      }
      await restoreArchive(db, manifestFile);
    }
    const restored = await snapshotRows(db, organizationId);
    const restoredById = new Map<string, string>();
    for (const table of ARCHIVE_ORDER) {
      for (const line of restored[table]) restoredById.set(`${table}:${line.slice(1, 37)}`, line);
    }
    // Every row ever seen is there again, exactly as last seen before it was archived (or still, if never).
    const differences = [...seen].filter(([key, line]) => restoredById.get(key) !== line).map(([key]) => key);
    expect(differences).toEqual([]);
    const ofTable = (table: ArchivedTable) => [...restoredById.keys()].filter((k) => k.startsWith(`${table}:`));
    expect(ofTable('MarketplaceEvent').length).toBe(12 * 3 + 1);
    expect(ofTable('WebhookAttempt').length).toBeGreaterThanOrEqual(12);
    expect(await db.archivedUsage.count({ where: { entityId } })).toBe(0);
    expect(await invariantsCommand(organizationId)).toMatch(/: 0 violation\(s\)$/);

    await billing.terminate('test done');
  }, 900_000);
});
