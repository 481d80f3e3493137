import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDb } from '../activities/db.js';
import { ingestEvents } from '../activities/metering/ingestEvents.js';
import { meteringPool } from '../activities/metering/meteringPool.js';
const url = 'postgresql://postgres@127.0.0.1:54329/billing_bench';
const db = createDb(url, 16);
const c = new pg.Client({ connectionString: url }); await c.connect();
const org = (await c.query(`SELECT "organizationId" AS o FROM "Entity" ORDER BY "createdAt" DESC LIMIT 1`)).rows[0].o;
const members = (await c.query(`SELECT m."entityId" AS e, m."userId" AS u FROM "EntityUser" m JOIN "Entity" e ON e.id = m."entityId" WHERE e."organizationId" = $1`, [org])).rows;
await c.end();
const ev = () => { const m = members[Math.floor(Math.random() * members.length)]; return { entityId: m.e, userId: m.u, eventType: 'project.posted', quantity: 1, occurredAt: new Date().toISOString(), idempotencyKey: randomUUID(), properties: { a: 1 } }; };
const pool = meteringPool(db);
const timings = new Map<string, number[]>();
(globalThis as any).__timing = (k: string, ms: number) => { (timings.get(k) ?? timings.set(k, []).get(k)!).push(ms); };
for (const [name, fn] of [
  ['select1', () => pool.query('SELECT 1')],
  ['ingest single', () => ingestEvents(db, org, [ev()])],
] as const) {
  for (const conc of (process.env.CONC ?? '1,32').split(',').map(Number)) {
    const dur = 5000; let n = 0; const t0 = performance.now(); const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: conc }, async () => { while (performance.now() - t0 < dur) { await fn(); n++; } }));
    const el = performance.now() - t0; const cpu = process.cpuUsage(cpu0);
    console.log(name, 'conc', conc, 'ops/s', Math.round(n / el * 1000), 'node cpu ms/op', ((cpu.user + cpu.system) / 1000 / n).toFixed(3));
  }
}
for (const [k, v] of timings) { v.sort((a, b) => a - b); console.log(k, 'n', v.length, 'avg', (v.reduce((a, b) => a + b, 0) / v.length).toFixed(3), 'p50', v[Math.floor(v.length / 2)]!.toFixed(3)); }
await db.$disconnect(); process.exit(0);
