// The one way to get a Prisma client: Prisma 7 talks to Postgres through the `pg` driver adapter.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
}

/** Database reachability for /health: a round trip, not just an open pool. */
export async function pingDb(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
