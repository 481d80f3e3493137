// The metering hot path talks to Postgres through `pg` directly, not through Prisma.
//
// Why: measured on the 2-core benchmark machine (bench/README.md), every query through Prisma 7's driver adapter
// costs ~0.7 ms of CPU and ~3 ms of latency even for `SELECT 1`, against ~0.3 ms round trip for the same `pg` pool;
// the hot path makes four round trips per request, so Prisma alone would cap it far below the target. The driver is
// the same (`pg`, which @prisma/adapter-pg wraps); only the query engine layer is skipped, and only here.
//
// The pool: one registered with registerMeteringPool(db, pool), or else a pool built with the connection settings of
// the Db's own PrismaPg adapter (its pool, when the Db was created with an external pg.Pool). @prisma/adapter-pg is
// pinned to an exact version (see README "Dependencies worth a word"), and every metering test goes through this, so
// an upgrade that moves the adapter's settings fails loudly rather than silently.
import pg from 'pg';
import type { Db } from '../db.js';

export type MeteringPool = pg.Pool;

const pools = new WeakMap<Db, pg.Pool>();

export function registerMeteringPool(db: Db, pool: pg.Pool): void {
  pools.set(db, pool);
}

interface AdapterFactoryShape {
  externalPool?: pg.Pool | null;
  config?: pg.PoolConfig;
}

export function meteringPool(db: Db): pg.Pool {
  const known = pools.get(db);
  if (known) return known;
  const factory = (db as unknown as { _engineConfig?: { adapter?: AdapterFactoryShape } })._engineConfig?.adapter;
  const pool =
    factory?.externalPool ??
    (factory?.config
      ? new pg.Pool(factory.config)
      : (() => {
          throw new Error('metering: cannot find the Db connection settings; call registerMeteringPool(db, pool)');
        })());
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  pools.set(db, pool);
  return pool;
}

/** Closes a pool built by meteringPool (tests, shutdown). Registered external pools are left to their owner. */
export async function closeMeteringPool(db: Db): Promise<void> {
  const pool = pools.get(db);
  pools.delete(db);
  if (
    pool &&
    pool !==
      (db as unknown as { _engineConfig?: { adapter?: AdapterFactoryShape } })._engineConfig?.adapter?.externalPool
  ) {
    await pool.end();
  }
}
