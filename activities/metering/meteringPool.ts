// The metering hot path talks to Postgres through `pg` directly, not through Prisma.
//
// Why: measured on the 2-core benchmark machine (bench/README.md), every query through Prisma 7's driver adapter
// costs ~0.7 ms of CPU and ~3 ms of latency even for `SELECT 1`, against ~0.3 ms round trip for the same `pg` pool;
// the hot path makes four round trips per request, so Prisma alone would cap it far below the target. The driver is
// the same (`pg`, which @prisma/adapter-pg wraps); only the query engine layer is skipped, and only here.
//
// createDb (activities/db.ts) builds the pool next to the Prisma client, with the same connection string and size,
// and registers it here; a pg.Pool opens no connection until the first query, so a process that never meters pays
// nothing for it.
import type pg from 'pg';
import type { Db } from '../db.js';

export type MeteringPool = pg.Pool;

const pools = new WeakMap<Db, pg.Pool>();

export function registerMeteringPool(db: Db, pool: pg.Pool): void {
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  pools.set(db, pool);
}

export function meteringPool(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('metering: this Db has no metering pool; create it with createDb()');
  return pool;
}

/** Closes the Db's metering pool (tests, shutdown); the Prisma client is closed with db.$disconnect(). */
export async function closeMeteringPool(db: Db): Promise<void> {
  const pool = pools.get(db);
  pools.delete(db);
  await pool?.end();
}
