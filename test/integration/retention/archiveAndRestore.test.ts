// One organization's retention run against real rows written by the real code paths: what expired is archived to
// checked gzip JSON Lines files and deleted, what has not (or must stay) is left, the invariants hold after the purge
// and after a restore, a restore brings every row back exactly, an archived event can never be billed twice, and a
// run interrupted anywhere is finished by the next one.
import { execFile } from 'node:child_process';
import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { applyRetention } from '../../../activities/retention/applyRetention.js';
import { digestFile, readManifest } from '../../../activities/retention/archiveFiles.js';
import { restoreArchive } from '../../../activities/retention/restoreArchive.js';
import { Prisma } from '../../../prisma/generated/client.js';
import { projectRoot } from '../../../scripts/lib/prismaCli.js';
import { caller } from '../../support/apiFactories.js';
import { archiveDirForFile, busyOrganization, rowCounts, snapshotRows } from '../../support/retentionTesting.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('retention-archive');
const archive = archiveDirForFile('archive');
const DAY = 86_400_000;

async function manifestsOf(organizationId: string): Promise<string[]> {
  const root = path.join(archive.dir, organizationId);
  const days = await readdir(root).catch(() => [] as string[]);
  return days.sort().map((d) => path.join(root, d, 'manifest.json'));
}

const invariants = async (organizationId: string) =>
  (await checkInvariants(ctx.db, { organizationId, outboxGraceSeconds: 10 * 365 * 86_400 })).violations;

const notOfTheRun = `NOT (t::text LIKE '%retention.archive%')`;

describe('retention run', () => {
  it('archives and deletes what expired, keeps the rest, and a restore brings every row back exactly', async () => {
    const t = await busyOrganization(ctx);
    const asOf = new Date(Date.now() + 400 * DAY).toISOString();
    const before = await snapshotRows(ctx.db, t.organizationId);
    expect(await invariants(t.organizationId)).toEqual([]);
    // Outbox rows handed to delivery whose deliveries all ended (the API dispatched the metering's at once: no
    // endpoint was subscribed then); not the one still retried, nor the close's (no worker here to dispatch it).
    const endedOutbox = await ctx.db.webhookEvent.count({
      where: {
        organizationId: t.organizationId,
        dispatchedAt: { not: null },
        deliveries: { none: { status: { notIn: ['delivered', 'dead'] } } },
      },
    });
    expect(endedOutbox).toBeGreaterThanOrEqual(2);

    const outcome = await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf },
    );
    expect(outcome.periodsArchived).toBe(1);
    expect(outcome.tables.MarketplaceEvent).toMatchObject({ days: 1, archived: 7, deleted: 7, kept: 0 });
    expect(outcome.tables.WebhookAttempt).toMatchObject({ archived: 2, deleted: 2 });
    expect(outcome.tables.WebhookDelivery).toMatchObject({ archived: 1, deleted: 1 });
    expect(outcome.tables.WebhookEvent).toMatchObject({ archived: endedOutbox, deleted: endedOutbox });
    expect(outcome.tables.IdempotencyRecord.archived).toBe(before.IdempotencyRecord.length);
    expect(outcome.tables.AuditLog.archived).toBe(before.AuditLog.length);

    const after = await snapshotRows(ctx.db, t.organizationId, notOfTheRun);
    expect(rowCounts(after)).toEqual({
      MarketplaceEvent: 0,
      WebhookAttempt: 1,
      WebhookDelivery: 1,
      WebhookEvent: before.WebhookEvent.length - endedOutbox,
      IdempotencyRecord: 0,
      AuditLog: 0,
    });
    expect(await ctx.db.webhookEvent.count({ where: { id: t.failedOutboxId } })).toBe(1);
    // Financial records are untouched.
    expect(await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId } })).toBeGreaterThan(1);
    expect(await ctx.db.invoice.count({ where: { entityId: t.entityId } })).toBe(1);
    expect(await invariants(t.organizationId)).toEqual([]);

    // The totals the events left behind: exactly the counter.
    const usage = await ctx.db.archivedUsage.findMany({ where: { entityId: t.entityId } });
    const counter = await ctx.db.usageCounter.findFirstOrThrow({ where: { entityId: t.entityId } });
    expect(usage.reduce((s, u) => s + u.events, 0)).toBe(7);
    expect(usage.reduce((s, u) => s.add(u.ratedAmount), new Prisma.Decimal(0)).toString()).toBe(
      counter.amount.toString(),
    );
    expect(counter.amount.toString()).toBe('21');

    // One manifest for the day, its files as the index says, each checked.
    const [manifestFile, ...more] = await manifestsOf(t.organizationId);
    expect(more).toEqual([]);
    const manifest = await readManifest(manifestFile as string);
    expect(manifest.files.map((f) => [f.table, f.rows])).toEqual([
      ['WebhookEvent', endedOutbox],
      ['WebhookDelivery', 1],
      ['WebhookAttempt', 2],
      ['MarketplaceEvent', 7],
      ['IdempotencyRecord', before.IdempotencyRecord.length],
      ['AuditLog', before.AuditLog.length],
    ]);
    for (const f of manifest.files) {
      const digest = await digestFile(path.join(path.dirname(manifestFile as string), f.file));
      expect(digest).toEqual({ rows: f.rows, bytes: f.bytes, sha256: f.sha256 });
    }
    const index = await ctx.db.retentionArchive.findMany({ where: { organizationId: t.organizationId } });
    expect(index.map((r) => [r.tableName, r.sha256, r.purgePending, r.replacing]).sort()).toEqual(
      manifest.files.map((f) => [f.table, f.sha256, false, false]).sort(),
    );
    expect(index.find((r) => r.tableName === 'MarketplaceEvent')?.userIds.sort()).toEqual([...t.userIds].sort());
    // The index over HTTP names each file, its checksum and the manifest to restore.
    const listed = await caller(ctx.app, t.adminKey)('GET', `/api/retention/archives?day=${manifest.day}&limit=100`);
    expect(listed.status).toBe(200);
    expect(
      listed.body.data.map((a: { table: string; sha256: string; rows: number; manifest: string }) => [
        a.table,
        a.sha256,
        a.rows,
        a.manifest,
      ]),
    ).toEqual(
      index
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((r) => [r.tableName, r.sha256, r.rowCount, `${t.organizationId}/${manifest.day}/manifest.json`]),
    );

    // A repeat of an archived event is refused, never billed again; so is a new event of the archived period.
    const ingest = caller(ctx.app, t.ingestKey);
    const repeat = await ingest('POST', '/api/billing/events', t.events[0]);
    expect({ status: repeat.status, code: repeat.body.code }).toEqual({ status: 422, code: 'PERIOD_ARCHIVED' });
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(0);

    // Restore, through the command a person would run.
    const run = await promisify(execFile)(
      'node',
      ['--import', 'tsx', 'scripts/retention-restore.ts', manifestFile as string],
      {
        cwd: projectRoot,
        env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
      },
    );
    expect(run.stdout).toContain('MarketplaceEvent\t7 archived\t7 restored\t0 already present');
    const restored = await snapshotRows(ctx.db, t.organizationId, notOfTheRun);
    expect(restored).toEqual(before);
    expect(await ctx.db.archivedUsage.count({ where: { entityId: t.entityId } })).toBe(0);
    expect(await ctx.db.archivedDraw.count({ where: { ledgerEntry: { entityId: t.entityId } } })).toBe(0);
    expect(await invariants(t.organizationId)).toEqual([]);

    // A restored event answers its repeat with its stored outcome.
    const replay = await ingest('POST', '/api/billing/events', t.events[0]);
    expect({ status: replay.status, replayed: replay.body.replayed }).toEqual({ status: 200, replayed: true });

    // Restoring again changes nothing.
    const again = await restoreArchive(ctx.db, manifestFile as string);
    expect(again.tables.every((x) => x.restored === 0 && x.present === x.rows)).toBe(true);

    // Still expired: the next run archives the restored rows again, into the same files (no line twice).
    const second = await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf },
    );
    expect(second.tables.MarketplaceEvent).toMatchObject({ archived: 7, deleted: 7 });
    const remanifest = await readManifest(manifestFile as string);
    expect(remanifest.files.find((f) => f.table === 'MarketplaceEvent')?.rows).toBe(7);
    expect(await invariants(t.organizationId)).toEqual([]);
  });

  it('finishes a purge a crashed run left, and a file version recorded but not moved into place', async () => {
    const t = await busyOrganization(ctx);
    const asOf = new Date(Date.now() + 400 * DAY).toISOString();
    const before = await snapshotRows(ctx.db, t.organizationId);

    // The worker dies right after the first purge batch of the first table.
    let batches = 0;
    const crash = () => {
      batches += 1;
      if (batches === 2) throw new Error('worker died');
    };
    await expect(
      applyRetention(
        { db: ctx.db, archiveDir: archive.dir, progress: crash },
        { organizationId: t.organizationId, asOf },
      ),
    ).rejects.toThrow('worker died');
    const pending = await ctx.db.retentionArchive.findMany({ where: { organizationId: t.organizationId } });
    expect(pending.map((r) => [r.tableName, r.purgePending])).toEqual([['MarketplaceEvent', true]]);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(0);

    // Then, a crash between recording a new version and moving it into place.
    const resumed = await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf },
    );
    expect(resumed.resumedPurges).toBe(1);
    const row = await ctx.db.retentionArchive.findFirstOrThrow({
      where: { organizationId: t.organizationId, tableName: 'AuditLog' },
    });
    const file = path.join(archive.dir, row.file);
    await rename(file, `${file}.next`);
    await ctx.db.retentionArchive.update({ where: { id: row.id }, data: { replacing: true } });
    await applyRetention({ db: ctx.db, archiveDir: archive.dir }, { organizationId: t.organizationId, asOf });
    const settled = await ctx.db.retentionArchive.findUniqueOrThrow({ where: { id: row.id } });
    expect(settled.replacing).toBe(false);
    expect(await digestFile(file)).toEqual({ rows: settled.rowCount, bytes: settled.bytes, sha256: settled.sha256 });

    // Nothing lost, nothing twice: the restore gives back exactly the rows there were.
    expect(await invariants(t.organizationId)).toEqual([]);
    for (const m of await manifestsOf(t.organizationId)) await restoreArchive(ctx.db, m);
    expect(await snapshotRows(ctx.db, t.organizationId, notOfTheRun)).toEqual(before);
    expect(await invariants(t.organizationId)).toEqual([]);
  });

  it('refuses to delete from an archive that does not match its index, and deletes nothing', async () => {
    const t = await busyOrganization(ctx);
    const asOf = new Date(Date.now() + 400 * DAY).toISOString();
    await applyRetention({ db: ctx.db, archiveDir: archive.dir }, { organizationId: t.organizationId, asOf });
    const [manifestFile] = await manifestsOf(t.organizationId);
    await restoreArchive(ctx.db, manifestFile as string);
    // The events' archive is damaged (here: replaced by another day's file) while its purge is pending.
    const events = await ctx.db.retentionArchive.findFirstOrThrow({
      where: { organizationId: t.organizationId, tableName: 'MarketplaceEvent' },
    });
    const audit = await ctx.db.retentionArchive.findFirstOrThrow({
      where: { organizationId: t.organizationId, tableName: 'AuditLog' },
    });
    await rename(path.join(archive.dir, audit.file), path.join(archive.dir, events.file));
    await ctx.db.retentionArchive.update({ where: { id: events.id }, data: { purgePending: true } });
    await expect(
      applyRetention({ db: ctx.db, archiveDir: archive.dir }, { organizationId: t.organizationId, asOf }),
    ).rejects.toThrow(/sha256/);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(7);
  });

  it('leaves everything of an organization whose rows have not expired', async () => {
    const t = await busyOrganization(ctx);
    const before = await snapshotRows(ctx.db, t.organizationId);
    const outcome = await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf: new Date().toISOString() },
    );
    expect(Object.values(outcome.tables).every((x) => x.archived === 0 && x.deleted === 0)).toBe(true);
    expect(outcome.periodsArchived).toBe(0);
    expect(await snapshotRows(ctx.db, t.organizationId)).toEqual(before);
    expect(await manifestsOf(t.organizationId)).toEqual([]);
  });
});
