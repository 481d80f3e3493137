// The database for developer commands: DATABASE_URL when set, else the `npm start` cluster under .data/postgres
// (started for the command and stopped after it, unless it was already running).
import path from 'node:path';
import { startLocalPostgres } from './localPostgres.js';
import { projectRoot } from './prismaCli.js';

export const LOCAL_PG_PORT = Number(process.env.LOCAL_PG_PORT ?? 54329);
export const LOCAL_DB_NAME = 'billing';
export const localDataDir = path.join(projectRoot, '.data');

export async function withDatabase<T>(fn: (databaseUrl: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return fn(process.env.DATABASE_URL);
  const pg = await startLocalPostgres({
    dataDir: path.join(localDataDir, 'postgres'),
    port: LOCAL_PG_PORT,
    database: LOCAL_DB_NAME,
  });
  try {
    return await fn(pg.url);
  } finally {
    if (pg.started) await pg.stop();
  }
}
