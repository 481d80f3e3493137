// The database handle every activity takes: the Prisma client and, next to it, a plain `pg` pool for the metering hot
// path, built together from one connection string and closed together. Nothing else opens connections.
//
// Why two: measured on the 2-core benchmark machine (bench/HISTORY.md), every query through Prisma 7's driver adapter
// costs ~0.7 ms of CPU and ~3 ms of latency even for `SELECT 1`, against ~0.3 ms round trip for the same `pg` pool;
// the hot path makes four round trips per request, so Prisma alone would cap it far below the target. The driver is
// the same (`pg`, which @prisma/adapter-pg wraps); only the query engine layer is skipped, and only on the metering
// path (activities/metering/). A pg.Pool opens no connection until its first query, so a process that never meters
// pays nothing for it.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client.js';

/** The Prisma client (every model, $transaction, $queryRaw) with the metering path's `pg` pool beside it. */
export type Db = PrismaClient & {
  /** The metering hot path's pool: same database, same size as Prisma's. */
  readonly pg: pg.Pool;
  /**
   * The organization every operation is scoped to (row-level security), for a Db from tenantDb() (tenantDb.ts);
   * undefined for the process's own Db, which sees no tenant's rows when connected as the application role.
   */
  readonly tenant?: string | undefined;
};
export { Prisma } from '../prisma/generated/client.js';

export interface DbOptions {
  /** Connections of each of the two pools. Default 10. */
  poolSize?: number;
  /** `application_name` of the metering pool's connections (tests find them in pg_stat_activity by it). */
  applicationName?: string;
}

export function createDb(databaseUrl: string, options: DbOptions | number = {}): Db {
  const { poolSize = 10, applicationName } = typeof options === 'number' ? { poolSize: options } : options;
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }),
    // Every operation of a tenant runs in a transaction (tenantDb.ts): under load, waiting for a pooled connection
    // (Prisma's default gives up after 2 s) is cheaper than failing the request or activity and retrying it.
    transactionOptions: { maxWait: 10_000 },
  });
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    ...(applicationName ? { application_name: applicationName } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return Object.assign(prisma, { pg: pool });
}

/** Closes both pools. */
export async function closeDb(db: Db): Promise<void> {
  await Promise.all([db.$disconnect(), db.pg.end()]);
}

/** Database reachability for /health: a round trip, not just an open pool. */
export async function pingDb(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
