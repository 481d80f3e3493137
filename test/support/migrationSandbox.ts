// A throwaway database on the test cluster, migrated up to just before one migration, so a test can write rows the
// way the previous release wrote them, apply that migration and check its backfill.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../../scripts/lib/prismaCli.js';

const migrationsDir = path.join(projectRoot, 'prisma/migrations');

export interface MigrationSandbox {
  client: pg.Client;
  /** Applies the migration the sandbox stopped before. */
  applyTarget(): Promise<void>;
  drop(): Promise<void>;
}

export async function migrationSandbox(databaseUrl: string, target: string): Promise<MigrationSandbox> {
  const names = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const index = names.findIndex((n) => n.endsWith(`_${target}`));
  if (index < 0) throw new Error(`no migration named ${target}`);
  const sql = (name: string) => readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');

  const database = `backfill_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  for (const name of names.slice(0, index)) await client.query(await sql(name));

  return {
    client,
    applyTarget: async () => {
      await client.query(await sql(names[index] as string));
    },
    drop: async () => {
      await client.end();
      const again = new pg.Client({ connectionString: databaseUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${database}`);
      await again.end();
    },
  };
}
