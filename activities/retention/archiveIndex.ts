// The archive index (RetentionArchive rows) and how a new version of an archive file is put in place so that a crash
// at any step leaves something the next run can finish:
//
//   1. the new version is written beside the file as <file>.next and read back (archiveFiles.ts)
//   2. the index row is set to the new version, with `replacing` (and `purgePending` when rows are to be deleted)
//   3. <file>.next is renamed over the file
//   4. the day's manifest is rewritten from the index
//   5. `replacing` is cleared; when `purgePending`, the purge runs and then clears it
//
// settleArchives() finishes steps 3-5 for every row left `replacing`: the file on disk must then match the index, or
// <file>.next must; anything else is an integrity error and nothing of that organization is deleted or rewritten.
import path from 'node:path';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import {
  ArchiveIntegrityError,
  dayString,
  exists,
  type FileDigest,
  MANIFEST_FORMAT,
  type Manifest,
  moveIntoPlace,
  nextVersionPath,
  relativeArchiveFile,
  relativeDayDir,
  verifyFile,
  writeManifest,
} from './archiveFiles.js';
import { type ArchivedTable, RESTORE_ORDER } from './retentionTables.js';

export interface ArchiveKey {
  organizationId: string;
  tableName: ArchivedTable;
  /** UTC midnight of the day. */
  day: Date;
}

export interface ArchiveVersion extends FileDigest {
  purgeFromLine: number;
  purgePending: boolean;
  userIds: string[];
}

export type ArchiveRow = Awaited<ReturnType<Db['retentionArchive']['findFirstOrThrow']>>;

export const manifestPath = (root: string, organizationId: string, day: Date) =>
  path.join(root, relativeDayDir(organizationId, day), 'manifest.json');

export const digestOf = (row: { rowCount: number; bytes: number; sha256: string }): FileDigest => ({
  rows: row.rowCount,
  bytes: row.bytes,
  sha256: row.sha256,
});

export function findArchive(db: Db, key: ArchiveKey): Promise<ArchiveRow | null> {
  return db.retentionArchive.findUnique({
    where: {
      organizationId_tableName_day: { organizationId: key.organizationId, tableName: key.tableName, day: key.day },
    },
  });
}

/** Steps 2-5 for a verified new version waiting at <file>.next. */
export async function placeVersion(
  db: Db,
  root: string,
  key: ArchiveKey,
  version: ArchiveVersion,
): Promise<ArchiveRow> {
  const file = relativeArchiveFile(key.organizationId, key.tableName, key.day);
  const data = {
    file,
    rowCount: version.rows,
    bytes: version.bytes,
    sha256: version.sha256,
    purgeFromLine: version.purgeFromLine,
    purgePending: version.purgePending,
    userIds: version.userIds,
    replacing: true,
  };
  const row = await db.retentionArchive.upsert({
    where: {
      organizationId_tableName_day: { organizationId: key.organizationId, tableName: key.tableName, day: key.day },
    },
    create: { organizationId: key.organizationId, tableName: key.tableName, day: key.day, ...data },
    update: data,
  });
  return finishPlacing(db, root, row);
}

/** Steps 3-5 for a row left `replacing` (or just written so). */
async function finishPlacing(db: Db, root: string, row: ArchiveRow): Promise<ArchiveRow> {
  const target = path.join(root, row.file);
  const next = nextVersionPath(target);
  const expected = digestOf(row);
  if (await exists(next)) {
    // The version the index names may be the one waiting, or already the one in place (crash after the rename).
    const waiting = await verifyFile(next, expected).then(
      () => true,
      () => false,
    );
    if (waiting) await moveIntoPlace(next, target);
  }
  await verifyFile(target, expected);
  await writeDayManifest(db, root, row.organizationId, row.day);
  return db.retentionArchive.update({ where: { id: row.id }, data: { replacing: false } });
}

/** Finishes every interrupted placement of the organization's archives; answers the rows whose purge is pending. */
export async function settleArchives(db: Db, root: string, organizationId: string): Promise<ArchiveRow[]> {
  const interrupted = await db.retentionArchive.findMany({ where: { organizationId, replacing: true } });
  for (const row of interrupted) await finishPlacing(db, root, row);
  return db.retentionArchive.findMany({
    where: { organizationId, purgePending: true },
    orderBy: [{ day: 'asc' }, { tableName: 'asc' }],
  });
}

/** The day's manifest, from the index rows of that day, in restore order. */
export async function writeDayManifest(db: Db, root: string, organizationId: string, day: Date): Promise<void> {
  const rows = await db.retentionArchive.findMany({ where: { organizationId, day } });
  const order = (t: string) => RESTORE_ORDER.indexOf(t as ArchivedTable);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    organizationId,
    day: dayString(day),
    files: rows
      .sort((a, b) => order(a.tableName) - order(b.tableName))
      .map((r) => ({
        table: r.tableName,
        file: path.basename(r.file),
        rows: r.rowCount,
        bytes: r.bytes,
        sha256: r.sha256,
      })),
  };
  await writeManifest(manifestPath(root, organizationId, day), manifest);
}

export { ArchiveIntegrityError };

/** The organization's archive index, a page at a time (GET /api/retention/archives). */
export async function listArchives(
  db: Db,
  organizationId: string,
  filter: { day?: Date | undefined; tableName?: string | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.retentionArchive.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        { organizationId },
        filter.day ? { day: filter.day } : {},
        filter.tableName ? { tableName: filter.tableName } : {},
      ],
    },
  });
  return toPage(rows, page);
}
