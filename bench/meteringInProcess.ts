// The metering hot path without HTTP or contention: ingestEvents called in this process, one batch after another on
// one connection, against a local Postgres. What it reports is the CPU each side spends per event (this process and
// the Postgres server, from /proc), which on a shared 2-vCPU host moves far less than throughput over HTTP does: the
// number to compare two versions of the hot path by (alternate them; see bench/README.md).
//
//   npm run bench:metering:inprocess    # a throwaway Postgres cluster in a temp dir (bench/benchDatabase.ts)
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:54329/billing_inproc npm run bench:metering:inprocess
//   knobs (defaults): BENCH_SHAPE=one (one entity per batch) | spread (every batch over all entities)
//     BENCH_BATCHES=200 BENCH_BATCH_SIZE=500 BENCH_ENTITIES=100 BENCH_ROUNDS=3
import { applicationDatabaseUrl } from '../activities/databaseRoles.js';
import { closeDb, createDb } from '../activities/db.js';
import {
  BATCH_ENTITIES_PER_TRANSACTION,
  type IngestEventInput,
  ingestEvents,
} from '../activities/metering/ingestEvents.js';
import { applyMigrations } from '../scripts/lib/prismaCli.js';
import { benchDatabase, stopOnSignal } from './benchDatabase.js';
import { cpuPerEvent, findPostmasterPid, readCpu } from './cpuAccounting.js';
import { benchEvent, type MeteringFixture, seedMeteringFixture } from './meteringFixture.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const SHAPE = env('BENCH_SHAPE', 'one');
const BATCHES = Number(env('BENCH_BATCHES', '200'));
const BATCH_SIZE = Number(env('BENCH_BATCH_SIZE', '500'));
const ENTITIES = Number(env('BENCH_ENTITIES', '100'));
const ROUNDS = Number(env('BENCH_ROUNDS', '3'));

function batchFor(f: MeteringFixture, n: number): IngestEventInput[] {
  const one = f.members[n % f.members.length] as MeteringFixture['members'][number];
  return Array.from({ length: BATCH_SIZE }, (_, i) => {
    const m = SHAPE === 'spread' ? (f.members[i % f.members.length] as typeof one) : one;
    return benchEvent(m);
  });
}

async function main() {
  const database = await benchDatabase('billing_inproc');
  stopOnSignal(database);
  try {
    await measure(database.url);
  } finally {
    await database.stop();
  }
}

async function measure(databaseUrl: string) {
  await applyMigrations(databaseUrl);
  const f = await seedMeteringFixture(databaseUrl, ENTITIES);
  // As the API runs it: the application role, under row-level security (BENCH_APP_DATABASE_URL, else derived).
  const db = createDb(
    applicationDatabaseUrl({ DATABASE_URL: databaseUrl, APP_DATABASE_URL: process.env.BENCH_APP_DATABASE_URL }),
    2,
  );
  const postmasterPid = await findPostmasterPid(databaseUrl);
  // Warm up JIT, prepared statements and caches.
  for (let n = 0; n < 20; n += 1) await ingestEvents(db, f.organizationId, batchFor(f, n));
  const rows: string[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const batches = Array.from({ length: BATCHES }, (_, n) => batchFor(f, n));
    const before = readCpu(process.pid, postmasterPid);
    const started = performance.now();
    for (const batch of batches) {
      const { outcomes } = await ingestEvents(db, f.organizationId, batch, {
        entitiesPerTransaction: BATCH_ENTITIES_PER_TRANSACTION,
      });
      if (outcomes.some((o) => o.status !== 'accepted')) throw new Error('bench: an event was not accepted');
    }
    const ms = performance.now() - started;
    const cpu = cpuPerEvent(before, readCpu(process.pid, postmasterPid), BATCHES * BATCH_SIZE);
    const row = `| ${SHAPE} | ${round} | ${Math.round((BATCHES * BATCH_SIZE * 1000) / ms)} | ${cpu.api} | ${cpu.postgres} |`;
    rows.push(row);
    console.log(row);
  }
  await closeDb(db);
  console.log('\n| shape | round | events/s (one connection) | CPU µs/event: this process | Postgres |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
process.exit(0);
