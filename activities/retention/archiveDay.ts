// Archiving one table's expired rows of one organization and UTC day, then deleting them:
//
//   1. the ids of the day's expired rows
//   2. a new version of the day's file: the lines already archived there (but not those rows again, which come fresh
//      from the database), then the new rows' lines; read back and checked (count, SHA-256)
//   3. put in place through the index (archiveIndex.ts), with the purge pending from the first new line
//   4. the purge: the file is read back and checked again, and its new lines go, in batches of PURGE_BATCH, to one
//      DELETE statement each (retentionTables.ts purgeSql: only rows still equal to their line)
//
// Only lines read back from a checked archive are ever deleted. A crash anywhere is finished by the next run: a
// version written but not recorded is written again, one recorded but not in place is moved (settleArchives), a
// purge interrupted is run again from the first new line (deleting nothing twice).
import path from 'node:path';
import type { Db } from '../db.js';
import { nextVersionPath, readLines, relativeArchiveFile, verifyFile, writeLines } from './archiveFiles.js';
import { type ArchiveRow, digestOf, findArchive, placeVersion } from './archiveIndex.js';
import { lineSql, tableShape } from './archiveRows.js';
import { expiredIdsOfDaySql, purgeSql, type TableSpec } from './retentionTables.js';

/** Lines per DELETE statement: each batch is one short transaction. */
export const PURGE_BATCH = 500;
const FETCH_BATCH = 1000;

export interface DayOutcome {
  /** Rows written to the archive by this run. */
  archived: number;
  /** Rows deleted. */
  deleted: number;
  /** Archived lines whose row was not deleted: it changed since (archived again next time) or was already gone. */
  kept: number;
}

export interface ArchiveContext {
  db: Db;
  /** The archive directory. */
  root: string;
  organizationId: string;
  /** Called between batches (the activity's heartbeat). */
  progress: () => void;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/**
 * The organization's users the lines mention, by id or by email: an erasure finds their archives through the index.
 * (A name alone, in a file where no row names the person's id or email, is not indexed.)
 */
async function usersMentioned(ctx: ArchiveContext, lines: string[]): Promise<string[]> {
  const ids = [...new Set(lines.flatMap((l) => l.match(UUID) ?? []).map((u) => u.toLowerCase()))];
  const emails = [...new Set(lines.flatMap((l) => l.match(EMAIL) ?? []).map((e) => e.toLowerCase()))];
  if (ids.length === 0 && emails.length === 0) return [];
  const { rows } = await ctx.db.pg.query<{ userId: string }>(
    `SELECT "userId"::text AS "userId" FROM "OrganizationUser"
      WHERE "organizationId" = $1::uuid AND ("userId" = ANY($2::uuid[]) OR email = ANY($3::text[]))`,
    [ctx.organizationId, ids, emails],
  );
  return rows.map((r) => r.userId);
}

export async function archiveDay(ctx: ArchiveContext, spec: TableSpec, cutoff: Date, day: Date): Promise<DayOutcome> {
  const { db, root, organizationId } = ctx;
  const { rows: idRows } = await db.pg.query<{ id: string }>(expiredIdsOfDaySql(spec), [organizationId, cutoff, day]);
  const ids = idRows.map((r) => r.id);
  if (ids.length === 0) return { archived: 0, deleted: 0, kept: 0 };

  const key = { organizationId, tableName: spec.table, day };
  const target = path.join(root, relativeArchiveFile(organizationId, spec.table, day));
  const existing = await findArchive(db, key);
  const fresh = new Set(ids);
  const users = new Set(existing?.userIds ?? []);
  const columns = await tableShape(db, spec.table);
  let earlier = 0;
  let archived = 0;
  async function* lines(): AsyncIterable<string> {
    if (existing) {
      await verifyFile(target, digestOf(existing));
      for await (const line of readLines(target)) {
        if (fresh.has((JSON.parse(line) as { id: string }).id)) continue;
        earlier += 1;
        yield line;
      }
    }
    for (let i = 0; i < ids.length; i += FETCH_BATCH) {
      const { rows } = await db.pg.query<{ line: string }>(
        `SELECT ${lineSql('t', columns)} AS line FROM "${spec.table}" t WHERE t.id = ANY($1::uuid[]) ORDER BY t.id`,
        [ids.slice(i, i + FETCH_BATCH)],
      );
      const batch = rows.map((r) => r.line);
      for (const u of await usersMentioned(ctx, batch)) users.add(u);
      archived += batch.length;
      yield* batch;
      ctx.progress();
    }
  }
  const next = nextVersionPath(target);
  const digest = await writeLines(next, lines());
  await verifyFile(next, digest);
  const row = await placeVersion(db, root, key, {
    ...digest,
    purgeFromLine: earlier,
    purgePending: true,
    userIds: [...users].sort(),
  });
  const purged = await purgeArchive(ctx, spec, row);
  return { archived, ...purged };
}

/** Step 4 for a row whose purge is pending (also one an earlier run left unfinished). */
export async function purgeArchive(
  ctx: ArchiveContext,
  spec: TableSpec,
  row: ArchiveRow,
): Promise<{ deleted: number; kept: number }> {
  const file = path.join(ctx.root, row.file);
  await verifyFile(file, digestOf(row));
  const statement = purgeSql(spec);
  let deleted = 0;
  let lines = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const { rows } = await ctx.db.pg.query<{ deleted: number }>(statement, [`[${batch.join(',')}]`]);
    deleted += rows[0]?.deleted ?? 0;
    batch = [];
    ctx.progress();
  };
  let n = 0;
  for await (const line of readLines(file)) {
    n += 1;
    if (n <= row.purgeFromLine) continue;
    lines += 1;
    batch.push(line);
    if (batch.length >= PURGE_BATCH) await flush();
  }
  await flush();
  await ctx.db.retentionArchive.update({ where: { id: row.id }, data: { purgePending: false } });
  return { deleted, kept: lines - deleted };
}
