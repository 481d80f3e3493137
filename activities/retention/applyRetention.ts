// One organization's retention run, and the activities the `retention` workflow calls. Under the organization's
// archive lock: finish what an earlier run left (placements, purges), mark the billing periods whose events expire,
// then archive and delete each table's expired rows day by day (archiveDay.ts), oldest day first, and audit what was
// done. Everything is keyed by the run's instant `asOf` (the workflow's clock), so a retried activity redoes the same
// work, and what it already did is found done.
import { type RetentionPeriods, retentionCutoff } from '../../domain/retentionPolicy.js';
import type { Db } from '../db.js';
import { rootDb, tenantDb } from '../tenantDb.js';
import { type ArchiveContext, archiveDay, purgeArchive } from './archiveDay.js';
import { settleArchives } from './archiveIndex.js';
import { withArchiveLock } from './organizationLock.js';
import { readRetentionPolicy } from './retentionPolicyRecords.js';
import {
  ARCHIVE_ORDER,
  type ArchivedTable,
  expiredDaysSql,
  MARK_PERIODS_ARCHIVED_SQL,
  TABLES,
} from './retentionTables.js';

export interface TableOutcome {
  days: number;
  archived: number;
  deleted: number;
  kept: number;
}

export interface RetentionOutcome {
  organizationId: string;
  asOf: string;
  /** Billing periods marked archived by this run (their events are refused from now on). */
  periodsArchived: number;
  /** Purges an earlier run left unfinished, finished first. */
  resumedPurges: number;
  tables: Record<ArchivedTable, TableOutcome>;
}

export interface RetentionDeps {
  db: Db;
  archiveDir: string;
  /** Between batches: the activity heartbeat. */
  progress?: () => void;
}

const emptyTables = () =>
  Object.fromEntries(ARCHIVE_ORDER.map((t) => [t, { days: 0, archived: 0, deleted: 0, kept: 0 }])) as Record<
    ArchivedTable,
    TableOutcome
  >;

export async function applyRetention(
  deps: RetentionDeps,
  input: { organizationId: string; asOf: string },
): Promise<RetentionOutcome> {
  const { organizationId } = input;
  // Everything below, Prisma and raw pg alike, reads and writes as the organization (row-level security).
  const db = tenantDb(deps.db, organizationId);
  const asOf = new Date(input.asOf);
  const ctx: ArchiveContext = { db, root: deps.archiveDir, organizationId, progress: deps.progress ?? (() => {}) };
  return withArchiveLock(db, organizationId, 0, async () => {
    const outcome: RetentionOutcome = {
      organizationId,
      asOf: asOf.toISOString(),
      periodsArchived: 0,
      resumedPurges: 0,
      tables: emptyTables(),
    };
    for (const row of await settleArchives(db, ctx.root, organizationId)) {
      const spec = TABLES[row.tableName as ArchivedTable];
      const { deleted, kept } = await purgeArchive(ctx, spec, row);
      Object.assign(outcome.tables[spec.table], {
        deleted: outcome.tables[spec.table].deleted + deleted,
        kept: outcome.tables[spec.table].kept + kept,
      });
      outcome.resumedPurges += 1;
    }

    const policy: RetentionPeriods = await readRetentionPolicy(db, organizationId);
    const cutoff = (table: ArchivedTable) => retentionCutoff(asOf, policy[TABLES[table].period]);
    const marked = await db.pg.query(MARK_PERIODS_ARCHIVED_SQL, [organizationId, cutoff('MarketplaceEvent'), asOf]);
    outcome.periodsArchived = marked.rowCount ?? 0;

    for (const table of ARCHIVE_ORDER) {
      const spec = TABLES[table];
      const { rows } = await db.pg.query<{ day: string }>(expiredDaysSql(spec), [organizationId, cutoff(table)]);
      const total = outcome.tables[table];
      for (const { day } of rows) {
        const r = await archiveDay(ctx, spec, cutoff(table), new Date(`${day}T00:00:00.000Z`));
        total.days += 1;
        total.archived += r.archived;
        total.deleted += r.deleted;
        total.kept += r.kept;
      }
    }

    const touched = Object.values(outcome.tables).some((t) => t.archived > 0 || t.deleted > 0);
    if (touched || outcome.periodsArchived > 0) {
      await db.auditLog.create({
        data: {
          organizationId,
          actorType: 'system',
          actorId: null,
          action: 'retention.archive',
          targetType: 'organization',
          targetId: organizationId,
          after: JSON.parse(JSON.stringify(outcome)),
        },
      });
    }
    return outcome;
  });
}

/**
 * Organizations in id order after `after`: the workflow's pages. Spans every organization, so it goes through the
 * SECURITY DEFINER function app_retention_organizations (ids only); each is then archived as itself.
 */
export async function listOrganizationsForRetention(
  db: Db,
  input: { after?: string | null; limit: number; organizationIds?: string[] | undefined },
): Promise<{ organizationIds: string[]; hasMore: boolean }> {
  const rows = await rootDb(db).$queryRaw<Array<{ id: string }>>`
    SELECT "id"::text AS id FROM app_retention_organizations(${input.after ?? null}::uuid, ${input.limit + 1}::int,
      ${input.organizationIds ?? null}::uuid[])`;
  return { organizationIds: rows.slice(0, input.limit).map((r) => r.id), hasMore: rows.length > input.limit };
}
