// The API as the benchmark runs it: createApp (the production app, every middleware) on @hono/node-server, plus one
// bench-only route pair under /api/bench that is the baseline: the same HTTP stack, auth and JSON parsing, then plain
// INSERTs of the same MarketplaceEvent rows through the same driver as the hot path (`pg`, see activities/db.ts),
// autocommit, with no pricing, locks, ledger or counters, and as the tables' owner (no row-level security: the
// baseline is the plain insert). The app itself runs as the application role, as api/main.ts does. Started as a child
// process by bench/metering.ts; never part of the product.
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { applicationDatabaseUrl } from '../activities/databaseRoles.js';
import { createDb } from '../activities/db.js';
import { createLogger } from '../activities/logger.js';
import { uuidv7 } from '../activities/metering/uuidv7.js';
import { createApp } from '../api/app.js';

const databaseUrl = process.env.DATABASE_URL as string;
const port = Number(process.env.PORT ?? 3999);
const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 16);
const db = createDb(applicationDatabaseUrl({ DATABASE_URL: databaseUrl }), poolSize);
// No workflow is started on this path; a lazy connection keeps the benchmark independent of a Temporal server.
const temporal = new Client({
  connection: Connection.lazy({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' }),
});
const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
// As production runs it (activities/config.ts defaults): API-key lookups cached for 5 s per process.
const app = createApp({
  db,
  temporal,
  taskQueue: 'bench',
  log: createLogger('api', process.env.LOG_LEVEL ?? 'warn'),
  apiKeyCacheTtlMs: Number(process.env.API_KEY_CACHE_TTL_MS ?? 5000),
});

interface BaselineEvent {
  entityId: string;
  userId: string;
  eventType: string;
  quantity?: number;
  occurredAt: string;
  idempotencyKey: string;
  properties?: Record<string, unknown>;
}

const INSERT = `
  INSERT INTO "MarketplaceEvent" ("id", "organizationId", "entityId", "userId", "eventType", "quantity", "occurredAt",
    "idempotencyKey", "payloadHash", "properties", "status", "currency", "ratedAmount", "creditsDrawn", "periodStart",
    "billedPeriodStart", "usageBefore")
  SELECT x.id, $2::uuid, x."entityId", x."userId", x."eventType", x.quantity, x."occurredAt", x."idempotencyKey", '-',
    coalesce(x.properties, '{}'::jsonb), 'accepted', 'USD', 0.01, 0.01, date_trunc('month', x."occurredAt"),
    date_trunc('month', x."occurredAt"), 0
  FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, "entityId" uuid, "userId" uuid, "eventType" text, quantity numeric,
    "occurredAt" timestamptz, "idempotencyKey" text, properties jsonb)`;

const rows = (events: BaselineEvent[]) =>
  JSON.stringify(events.map((e) => ({ ...e, id: uuidv7(), quantity: e.quantity ?? 1 })));

app.post('/api/bench/baseline/events', async (c) => {
  const event = (await c.req.json()) as BaselineEvent;
  await pool.query(INSERT, [rows([event]), c.var.auth.organizationId]);
  return c.json({ status: 'inserted' }, 200);
});
// The ceiling: the same HTTP stack, auth and JSON parsing with no database work at all.
app.post('/api/bench/noop/events', async (c) => {
  await c.req.json();
  return c.json({ status: 'parsed' }, 200);
});
app.post('/api/bench/baseline/events/batch', async (c) => {
  const { events } = (await c.req.json()) as { events: BaselineEvent[] };
  await pool.query(INSERT, [rows(events), c.var.auth.organizationId]);
  return c.json({ inserted: events.length }, 200);
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => {
  process.send?.('ready');
});
process.on('SIGTERM', () => process.exit(0));
