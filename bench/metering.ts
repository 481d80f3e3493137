// Metering hot-path benchmark: the real API over HTTP (a child process running createApp on @hono/node-server) against
// a local Postgres, driven by autocannon from this process. Each scenario runs next to its baseline in the same run:
// plain INSERTs of the same MarketplaceEvent rows through the same HTTP stack and driver, without pricing or ledger.
//
//   npm run bench:metering                      # defaults below; results printed as a markdown table
//   BENCH_DURATION=60 BENCH_CONNECTIONS=32 BENCH_BATCH_DURATION=30 BENCH_BATCH_CONNECTIONS=4 BENCH_ENTITIES=100 \
//   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:54329/billing_bench npm run bench:metering
//
// Without BENCH_DATABASE_URL a throwaway Postgres cluster runs in a temp dir (bench/benchDatabase.ts). The database
// named in BENCH_DATABASE_URL is created if missing, migrated, and filled with a fresh organization per run (never
// point it at data you care about). Needs no Temporal server (the API's client connects lazily and this path starts
// no workflow). Not part of `npm test`.
import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { applyMigrations } from '../scripts/lib/prismaCli.js';
import { benchDatabase, stopOnSignal } from './benchDatabase.js';
import { cpuPerEvent, findPostmasterPid, readCpu } from './cpuAccounting.js';
import { benchEvent, type MeteringFixture as Fixture, seedMeteringFixture } from './meteringFixture.js';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
/** Set by main(): BENCH_DATABASE_URL or the throwaway cluster's. */
let DATABASE_URL = '';
const DURATION = Number(env('BENCH_DURATION', '60'));
const CONNECTIONS = Number(env('BENCH_CONNECTIONS', '32'));
const BATCH_DURATION = Number(env('BENCH_BATCH_DURATION', '30'));
const BATCH_CONNECTIONS = Number(env('BENCH_BATCH_CONNECTIONS', '4'));
const BATCH_SIZE = Number(env('BENCH_BATCH_SIZE', '500'));
const ENTITIES = Number(env('BENCH_ENTITIES', '100'));
const POOL = env('BENCH_POOL_SIZE', '16');
const PORT = Number(env('BENCH_PORT', '3999'));
const ONLY = env('BENCH_ONLY', 'single,batch').split(',');

function startServer(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(import.meta.dirname, 'meteringServer.ts'), [], {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ],
      env: { ...process.env, DATABASE_URL, PORT: String(PORT), DATABASE_POOL_SIZE: POOL, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => (m === 'ready' ? resolve(child) : reject(new Error(String(m)))));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const pick = (f: Fixture) => f.members[Math.floor(Math.random() * f.members.length)] as Fixture['members'][number];

const eventFor = (f: Fixture, member: Fixture['members'][number] = pick(f)) => benchEvent(member);

/** batch > 1: `spread` = events over random entities (every batch touches most entities), else one entity each. */
async function run(
  f: Fixture,
  p: string,
  connections: number,
  duration: number,
  batch: number,
  spread = true,
): Promise<Result> {
  const headers = { authorization: `Bearer ${f.apiKey}`, 'content-type': 'application/json' };
  return autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections,
    duration,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: p,
        headers,
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify(
            batch === 1
              ? eventFor(f)
              : spread
                ? { events: Array.from({ length: batch }, () => eventFor(f)) }
                : ((m) => ({ events: Array.from({ length: batch }, () => eventFor(f, m)) }))(pick(f)),
          ),
        }),
      },
    ],
  });
}

interface Row {
  scenario: string;
  connections: number;
  duration: number;
  requests: number;
  events: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  acceptedInDb?: number;
  /** CPU µs per event of the API process, the Postgres server and the load generator (bench/cpuAccounting.ts). */
  cpu?: ReturnType<typeof cpuPerEvent>;
}

function summarize(scenario: string, r: Result, batch: number, connections: number): Row {
  const ok = r['2xx'];
  return {
    scenario,
    connections,
    duration: r.duration,
    requests: r.requests.total,
    events: ok * batch,
    eventsPerSec: Math.round((ok * batch) / r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

async function countAccepted(f: Fixture): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const res = await client.query(
    `SELECT count(*)::int AS n FROM "MarketplaceEvent" e JOIN "Entity" en ON en.id = e."entityId"
      WHERE en."organizationId" = $1 AND e.status = 'accepted' AND e."payloadHash" <> '-'`,
    [f.organizationId],
  );
  await client.end();
  return res.rows[0].n as number;
}

async function main() {
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  const database = await benchDatabase('billing_bench');
  stopOnSignal(database);
  try {
    DATABASE_URL = database.url;
    await measureAll();
  } finally {
    await database.stop();
  }
}

async function measureAll() {
  await applyMigrations(DATABASE_URL);
  const f = await seedMeteringFixture(DATABASE_URL, ENTITIES);
  const server = await startServer();
  const postmasterPid = await findPostmasterPid(DATABASE_URL);
  const rows: Row[] = [];
  try {
    // Warm up JIT, pools and caches.
    await run(f, '/api/billing/events', CONNECTIONS, 5, 1);
    let before = await countAccepted(f);
    const measure = async (
      name: string,
      p: string,
      c: number,
      d: number,
      batch: number,
      metering: boolean,
      spread = true,
    ) => {
      const cpuBefore = readCpu(server.pid, postmasterPid);
      const r = await run(f, p, c, d, batch, spread);
      const row = summarize(name, r, batch, c);
      row.cpu = cpuPerEvent(cpuBefore, readCpu(server.pid, postmasterPid), row.events);
      if (metering) {
        const after = await countAccepted(f);
        row.acceptedInDb = after - before;
        before = after;
      }
      rows.push(row);
      console.log(JSON.stringify(row));
    };
    if (ONLY.includes('single')) {
      await measure('single: metering', '/api/billing/events', CONNECTIONS, DURATION, 1, true);
      await measure('single: baseline INSERT', '/api/bench/baseline/events', CONNECTIONS, DURATION, 1, false);
    }
    if (ONLY.includes('ceiling')) {
      await measure('single: HTTP stack only, no database', '/api/bench/noop/events', CONNECTIONS, DURATION, 1, false);
    }
    if (ONLY.includes('batch') || ONLY.includes('batch-one')) {
      await measure(
        `batch ${BATCH_SIZE}, one entity per batch: metering`,
        '/api/billing/events/batch',
        BATCH_CONNECTIONS,
        BATCH_DURATION,
        BATCH_SIZE,
        true,
        false,
      );
      await measure(
        `batch ${BATCH_SIZE}, one entity per batch: baseline INSERT`,
        '/api/bench/baseline/events/batch',
        BATCH_CONNECTIONS,
        BATCH_DURATION,
        BATCH_SIZE,
        false,
        false,
      );
    }
    if (ONLY.includes('batch') || ONLY.includes('batch-spread')) {
      await measure(
        `batch ${BATCH_SIZE}, spread over all ${ENTITIES} entities: metering`,
        '/api/billing/events/batch',
        BATCH_CONNECTIONS,
        BATCH_DURATION,
        BATCH_SIZE,
        true,
      );
      await measure(
        `batch ${BATCH_SIZE}, spread over all ${ENTITIES} entities: baseline INSERT`,
        '/api/bench/baseline/events/batch',
        BATCH_CONNECTIONS,
        BATCH_DURATION,
        BATCH_SIZE,
        false,
      );
    }
  } finally {
    server.kill('SIGTERM');
  }
  console.log(
    '\n| scenario | conns | duration s | events/s | p50 ms | p99 ms | max ms | non-2xx | errors | accepted in DB | CPU µs/event: API / Postgres / load generator |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const us = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  for (const r of rows) {
    const cpu = `${us(r.cpu?.api)} / ${us(r.cpu?.postgres)} / ${us(r.cpu?.driver)}`;
    console.log(
      `| ${r.scenario} | ${r.connections} | ${r.duration} | ${r.eventsPerSec} | ${r.p50} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.errors} | ${r.acceptedInDb ?? '-'} | ${cpu} |`,
    );
  }
}

await main();
process.exit(0);
