// The one way to get a Prisma client: Prisma 7 talks to Postgres through the `pg` driver adapter. Next to it, the
// metering hot path gets a plain `pg` pool of the same size (see metering/meteringPool.ts for why).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client.js';
import { closeMeteringPool, registerMeteringPool } from './metering/meteringPool.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

export function createDb(databaseUrl: string, poolSize = 10): Db {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
  registerMeteringPool(db, new pg.Pool({ connectionString: databaseUrl, max: poolSize }));
  return db;
}

/** Closes both pools of a Db made by createDb. */
export async function closeDb(db: Db): Promise<void> {
  await Promise.all([db.$disconnect(), closeMeteringPool(db)]);
}

/** Database reachability for /health: a round trip, not just an open pool. */
export async function pingDb(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
