// The metering hot path without HTTP or contention: ingestEvents called in this process, one batch after another on
// one connection, against a local Postgres. What it reports is the CPU each side spends per event (this process and
// the Postgres server, from /proc), which on a shared 2-vCPU host moves far less than throughput over HTTP does: the
// number to compare two versions of the hot path by (alternate them; see bench/README.md).
//
//   npm run bench:metering:inprocess    # a throwaway Postgres cluster in a temp dir (bench/benchDatabase.ts)
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:54329/billing_inproc npm run bench:metering:inprocess
//   knobs (defaults): BENCH_SHAPE=one (one entity per batch) | spread (every batch over all entities)
//     BENCH_BATCHES=200 BENCH_BATCH_SIZE=500 BENCH_ENTITIES=100 BENCH_ROUNDS=3
//   BENCH_COMPARE=rls: the cost of row-level security. Each round runs the batches twice in this one process, as the
//     application role (policies checked, the tenant set in each transaction's BEGIN) and as the owner (a superuser:
//     no policy applies; the same code, the same SET LOCAL), in alternating order (ABBA), and reports both and the ratio.
import { applicationDatabaseUrl } from '../activities/databaseRoles.js';
import { closeDb, createDb, type Db } from '../activities/db.js';
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
const COMPARE = env('BENCH_COMPARE', '');

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
  if (COMPARE === 'rls') {
    await compareRowLevelSecurity(f, { rls: db, owner: createDb(databaseUrl, 2) }, postmasterPid);
    return;
  }
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

interface Totals {
  events: number;
  ms: number;
  processUs: number;
  postgresUs: number;
}

/** One round of BATCHES batches on `db`: events, wall time and the CPU of each side (µs, unrounded sums). */
async function runRound(db: Db, f: MeteringFixture, postmasterPid: number | null): Promise<Totals> {
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
  // Per "1 event": the totals in µs.
  const total = cpuPerEvent(before, readCpu(process.pid, postmasterPid), 1);
  return { events: BATCHES * BATCH_SIZE, ms, processUs: total.api ?? 0, postgresUs: total.postgres ?? 0 };
}

async function compareRowLevelSecurity(
  f: MeteringFixture,
  variants: { rls: Db; owner: Db },
  postmasterPid: number | null,
): Promise<void> {
  for (const db of Object.values(variants)) {
    for (let n = 0; n < 20; n += 1) await ingestEvents(db, f.organizationId, batchFor(f, n));
  }
  const rounds = { rls: [] as Totals[], owner: [] as Totals[] };
  const perEvent = (t: Totals) => ({
    process: t.processUs / t.events,
    postgres: t.postgresUs / t.events,
    total: (t.processUs + t.postgresUs) / t.events,
    rate: (t.events * 1000) / t.ms,
  });
  const fmt = (n: number) => n.toFixed(1);
  console.log('| round | variant | events/s | CPU µs/event: this process | Postgres | both |');
  console.log('|---|---|---|---|---|---|');
  for (let round = 1; round <= ROUNDS; round += 1) {
    const order: Array<'rls' | 'owner'> = round % 2 === 1 ? ['rls', 'owner'] : ['owner', 'rls'];
    for (const name of order) {
      const t = await runRound(variants[name], f, postmasterPid);
      rounds[name].push(t);
      const e = perEvent(t);
      console.log(
        `| ${round} | ${name} | ${Math.round(e.rate)} | ${fmt(e.process)} | ${fmt(e.postgres)} | ${fmt(e.total)} |`,
      );
    }
  }
  const sum = (ts: Totals[]): Totals =>
    ts.reduce((a, t) => ({
      events: a.events + t.events,
      ms: a.ms + t.ms,
      processUs: a.processUs + t.processUs,
      postgresUs: a.postgresUs + t.postgresUs,
    }));
  const rls = perEvent(sum(rounds.rls));
  const owner = perEvent(sum(rounds.owner));
  const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${((a / b - 1) * 100).toFixed(1)} %`;
  console.log(`\n${SHAPE}, ${ROUNDS} rounds of ${BATCHES} x ${BATCH_SIZE} events per variant, alternating:`);
  console.log('| variant | events/s | CPU µs/event: this process | Postgres | both |');
  console.log('|---|---|---|---|---|');
  for (const [name, e] of [
    ['application role (RLS)', rls],
    ['owner (no RLS)', owner],
  ] as const) {
    console.log(`| ${name} | ${Math.round(e.rate)} | ${fmt(e.process)} | ${fmt(e.postgres)} | ${fmt(e.total)} |`);
  }
  console.log(
    `RLS / no RLS: CPU of both sides ${pct(rls.total, owner.total)}, Postgres ${pct(rls.postgres, owner.postgres)}, ` +
      `this process ${pct(rls.process, owner.process)}, events/s ${pct(rls.rate, owner.rate)}`,
  );
  await Promise.all([closeDb(variants.rls), closeDb(variants.owner)]);
}

await main();
process.exit(0);
