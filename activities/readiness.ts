// What /ready needs from the database: are all of this build's migrations applied? (A process started against an
// unmigrated or half-migrated database must not take traffic.)
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

export const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'prisma', 'migrations');

/** Names of the migrations in prisma/migrations that the database has not finished applying. */
export async function pendingMigrations(db: Db, dir = migrationsDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const expected = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const applied = await db.$queryRaw<Array<{ migration_name: string }>>`
    SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(applied.map((r) => r.migration_name));
  return expected.filter((name) => !done.has(name)).sort();
}
