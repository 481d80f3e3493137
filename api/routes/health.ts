// GET /health: is the API able to do its job right now? Checks a round trip to Postgres and to Temporal.
// GET /ready: may this process take traffic? Health, plus every migration of this build applied (load balancers and
// orchestrators gate on it; /health stays a liveness signal).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { type Db, pingDb } from '../../activities/db.js';
import { pendingMigrations } from '../../activities/readiness.js';
import { json } from '../openapiKit.js';

const CheckSchema = z.object({
  status: z.enum(['ok', 'error']),
  latencyMs: z.number(),
  error: z.string().optional(),
});
const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.object({ database: CheckSchema, temporal: CheckSchema }) })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['System'],
  summary: 'Database and Temporal reachability',
  description:
    'A round trip to Postgres and to Temporal, each with its latency. 200 `ok` when both answer, 503 `degraded` ' +
    'naming the one that did not. No API key needed: a liveness probe.',
  responses: {
    200: json(HealthSchema, 'Everything reachable', {
      status: 'ok',
      checks: { database: { status: 'ok', latencyMs: 2 }, temporal: { status: 'ok', latencyMs: 4 } },
    }),
    503: json(HealthSchema, 'A dependency is unreachable', {
      status: 'degraded',
      checks: {
        database: { status: 'ok', latencyMs: 2 },
        temporal: { status: 'error', latencyMs: 2000, error: 'timed out after 2000 ms' },
      },
    }),
  },
});

const ReadySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ database: CheckSchema, temporal: CheckSchema, migrations: CheckSchema }),
    pendingMigrations: z.array(z.string()),
  })
  .openapi('Readiness');

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['System'],
  summary: 'Ready for traffic: database and Temporal reachable, all migrations applied',
  description:
    'What load balancers gate on: the health checks plus every migration of this build applied (`pendingMigrations` ' +
    'lists those that are not). 503 `not_ready` until then. No API key needed.',
  responses: {
    200: json(ReadySchema, 'Ready', {
      status: 'ready',
      checks: {
        database: { status: 'ok', latencyMs: 2 },
        temporal: { status: 'ok', latencyMs: 4 },
        migrations: { status: 'ok', latencyMs: 3 },
      },
      pendingMigrations: [],
    }),
    503: json(ReadySchema, 'Not ready', {
      status: 'not_ready',
      checks: {
        database: { status: 'ok', latencyMs: 2 },
        temporal: { status: 'ok', latencyMs: 4 },
        migrations: { status: 'error', latencyMs: 3, error: '1 migration not applied' },
      },
      pendingMigrations: ['20261207120000_test_clocks'],
    }),
  },
});

async function check(probe: () => Promise<unknown>, timeoutMs = 2000): Promise<z.infer<typeof CheckSchema>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'error', latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: { db: Db; temporal: Client }) {
  return new OpenAPIHono()
    .openapi(readyRoute, async (c) => {
      let pending: string[] = [];
      const [database, temporal, migrations] = await Promise.all([
        check(() => pingDb(deps.db)),
        check(() => deps.temporal.connection.workflowService.getSystemInfo({})),
        check(async () => {
          pending = await pendingMigrations(deps.db);
          if (pending.length > 0) throw new Error(`${pending.length} migration(s) not applied`);
        }),
      ]);
      const ready = [database, temporal, migrations].every((x) => x.status === 'ok');
      return c.json(
        {
          status: ready ? ('ready' as const) : ('not_ready' as const),
          checks: { database, temporal, migrations },
          pendingMigrations: pending,
        },
        ready ? 200 : 503,
      );
    })
    .openapi(route, async (c) => {
      const [database, temporal] = await Promise.all([
        check(() => pingDb(deps.db)),
        check(() => deps.temporal.connection.workflowService.getSystemInfo({})),
      ]);
      const ok = database.status === 'ok' && temporal.status === 'ok';
      return c.json(
        { status: ok ? ('ok' as const) : ('degraded' as const), checks: { database, temporal } },
        ok ? 200 : 503,
      );
    });
}
