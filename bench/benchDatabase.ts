// The database a benchmark runs against: BENCH_DATABASE_URL when given (created if missing; never point it at data
// you care about), else a throwaway Postgres cluster of its own in a temp dir on a free port, with the same durable
// settings as `npm start`'s, stopped and removed by stop(). So a benchmark needs no `npm start` running beside it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/lib/freePort.js';
import { startLocalPostgres } from '../scripts/lib/localPostgres.js';
import { ensureDatabase } from './meteringFixture.js';

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const given = process.env.BENCH_DATABASE_URL;
  if (given) {
    await ensureDatabase(given);
    return { url: given, stop: async () => {} };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), `${name.replaceAll('_', '-')}-pg-`));
  const port = await freePort();
  console.log(`starting a throwaway Postgres cluster on port ${port} in ${dir} (set BENCH_DATABASE_URL to use yours)`);
  const local = await startLocalPostgres({ dataDir: dir, port, database: name });
  return {
    url: local.url,
    async stop() {
      await local.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Stops `db` on Ctrl-C or SIGTERM too, so no cluster outlives an interrupted run. */
export function stopOnSignal(db: BenchDatabase): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping the benchmark's database`);
      void db.stop().finally(() => process.exit(130));
    });
  }
}
