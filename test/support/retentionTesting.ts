// Retention tests: an organization's rows of the archived tables as Postgres renders them (to compare a restore with
// what was there, exactly), and a throwaway archive directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../activities/db.js';
import { ARCHIVE_ORDER, type ArchivedTable } from '../../activities/retention/retentionTables.js';

const OWNED: Record<ArchivedTable, string> = {
  MarketplaceEvent: `t."entityId" IN (SELECT id FROM "Entity" WHERE "organizationId" = $1::uuid)`,
  WebhookAttempt: `t."deliveryId" IN (SELECT d.id FROM "WebhookDelivery" d JOIN "WebhookEvent" w ON w.id = d."webhookEventId" WHERE w."organizationId" = $1::uuid)`,
  WebhookDelivery: `t."webhookEventId" IN (SELECT id FROM "WebhookEvent" WHERE "organizationId" = $1::uuid)`,
  WebhookEvent: `t."organizationId" = $1::uuid`,
  IdempotencyRecord: `t."organizationId" = $1::uuid`,
  AuditLog: `t."organizationId" = $1::uuid`,
};

export type RowSnapshot = Record<ArchivedTable, string[]>;

/**
 * Every row of the organization in the archived tables, as Postgres's text of the record (every column with its
 * exact value: NUMERIC digits, microseconds, SQL NULL apart from a JSON null), by table, in id order.
 */
export async function snapshotRows(db: Db, organizationId: string, where = 'true'): Promise<RowSnapshot> {
  const out = {} as RowSnapshot;
  for (const table of ARCHIVE_ORDER) {
    const { rows } = await db.pg.query<{ line: string }>(
      `SELECT t::text AS line FROM "${table}" t WHERE ${OWNED[table]} AND ${where} ORDER BY t.id`,
      [organizationId],
    );
    out[table] = rows.map((r) => r.line);
  }
  return out;
}

export const rowCounts = (s: RowSnapshot) =>
  Object.fromEntries(Object.entries(s).map(([t, rows]) => [t, rows.length])) as Record<ArchivedTable, number>;

/** A fresh archive directory for the test file (call at top level): `.dir` is set before the first test. */
export function archiveDirForFile(name: string): { dir: string } {
  const holder = { dir: '' };
  beforeAll(async () => {
    holder.dir = await mkdtemp(path.join(tmpdir(), `billing-archive-${name}-`));
  });
  afterAll(async () => {
    if (holder.dir) await rm(holder.dir, { recursive: true, force: true });
  });
  return holder;
}
