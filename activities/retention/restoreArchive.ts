// Restoring one day's archives of an organization from its manifest (`npm run retention:restore -- <manifest>`):
// every file is checked against the manifest first (line count, size, SHA-256), then each table's lines are inserted
// back in restore order (parents first), in batches of RESTORE_BATCH, each batch one transaction. Rows come back
// exactly as they were archived (archiveRows.ts); a row that is present already is left as it is, so a restore can
// be run again. Restored events are taken out of the archived totals in the same transaction, so the invariants hold
// before, during and after.
//
// Restored rows are live rows again: the next retention run archives them again if the policy still says they have
// expired (lengthen the policy first to keep them).
import path from 'node:path';
import type { Db } from '../db.js';
import { tenantDb } from '../tenantDb.js';
import { readLines, readManifest, verifyFile } from './archiveFiles.js';
import { rowFromLineSql, tableShape } from './archiveRows.js';
import { type ArchivedTable, EVENT_RESTORE_CLEANUP, EVENT_RESTORE_CTES, RESTORE_ORDER } from './retentionTables.js';

export const RESTORE_BATCH = 500;

export interface RestoredTable {
  table: ArchivedTable;
  /** Lines in the archive. */
  rows: number;
  /** Rows inserted. */
  restored: number;
  /** Lines whose row (or a row with the same unique key) was already there. */
  present: number;
}

export interface RestoreResult {
  organizationId: string;
  day: string;
  tables: RestoredTable[];
}

async function restoreStatement(db: Db, table: ArchivedTable): Promise<string> {
  const { columns, values } = rowFromLineSql(await tableShape(db, table));
  return `
  WITH l AS (SELECT x FROM jsonb_array_elements($1::jsonb) AS l(x)),
  ins AS (
    INSERT INTO "${table}" (${columns})
    SELECT ${values}
    FROM l
    ON CONFLICT DO NOTHING
    RETURNING *)${table === 'MarketplaceEvent' ? EVENT_RESTORE_CTES : ''}
  SELECT count(*)::int AS restored FROM ins`;
}

async function restoreBatch(db: Db, table: ArchivedTable, statement: string, lines: string[]): Promise<number> {
  const json = `[${lines.join(',')}]`;
  const client = await db.pg.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ restored: number }>(statement, [json]);
    if (table === 'MarketplaceEvent') for (const cleanup of EVENT_RESTORE_CLEANUP) await client.query(cleanup, [json]);
    await client.query('COMMIT');
    return rows[0]?.restored ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export async function restoreArchive(processDb: Db, manifestFile: string): Promise<RestoreResult> {
  const manifest = await readManifest(manifestFile);
  // Restored as the archive's organization (row-level security): rows of any other organization would be refused.
  const db = tenantDb(processDb, manifest.organizationId);
  const dir = path.dirname(manifestFile);
  const known = new Set<string>(RESTORE_ORDER);
  const files = manifest.files
    .filter((f) => known.has(f.table))
    .sort((a, b) => RESTORE_ORDER.indexOf(a.table as ArchivedTable) - RESTORE_ORDER.indexOf(b.table as ArchivedTable));
  if (files.length !== manifest.files.length) {
    throw new Error(`${manifestFile}: names a table the restore does not know`);
  }
  // Nothing is restored unless every file is what the manifest says.
  for (const f of files) await verifyFile(path.join(dir, f.file), f);

  const tables: RestoredTable[] = [];
  for (const f of files) {
    const table = f.table as ArchivedTable;
    const statement = await restoreStatement(db, table);
    let restored = 0;
    let batch: string[] = [];
    for await (const line of readLines(path.join(dir, f.file))) {
      batch.push(line);
      if (batch.length >= RESTORE_BATCH) {
        restored += await restoreBatch(db, table, statement, batch);
        batch = [];
      }
    }
    if (batch.length > 0) restored += await restoreBatch(db, table, statement, batch);
    tables.push({ table, rows: f.rows, restored, present: f.rows - restored });
  }
  return { organizationId: manifest.organizationId, day: manifest.day, tables };
}
