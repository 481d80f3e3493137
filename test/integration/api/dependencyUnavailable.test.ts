// With Postgres or the Temporal frontend unreachable, the API answers 503 SERVICE_UNAVAILABLE with Retry-After (a
// client retries with the same Idempotency-Key), not 500 INTERNAL. The chaos run (docs/reliability.md) sees both.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Db } from '../../../activities/db.js';
import { unavailableDependency } from '../../../api/unavailableDependency.js';
import { freePort } from '../../../scripts/lib/freePort.js';
import { caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { testApp, testAppDb, testDb, uniqueTaskQueue } from '../../support/services.js';

let db: Db;
let appDb: Db;
let deadDb: Db;
let deadTemporal: Client;
let tenant: TestTenant;

beforeAll(async () => {
  db = testDb();
  appDb = testAppDb();
  tenant = await createTenant(db);
  // Ports nothing listens on: a database that is down, a Temporal frontend that is down.
  deadDb = createDb(`postgresql://postgres@127.0.0.1:${await freePort()}/billing`, 2);
  deadTemporal = new Client({
    connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 1_000 }),
  });
});

afterAll(async () => {
  await Promise.all([db && closeDb(db), appDb && closeDb(appDb), deadDb && closeDb(deadDb)]);
});

describe('a dependency that is down', () => {
  it('Postgres down: 503 SERVICE_UNAVAILABLE with Retry-After', async () => {
    const app = testApp(deadDb, deadTemporal, uniqueTaskQueue('deps-down'));
    const res = await caller(app, tenant.adminKey)('GET', '/api/entities');
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.body.detail).toBe('The database is unavailable; retry shortly');
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('Temporal down: 503 SERVICE_UNAVAILABLE on a route that needs the workflow engine; others still work', async () => {
    const app = testApp(appDb, deadTemporal, uniqueTaskQueue('deps-down'));
    const call = caller(app, tenant.adminKey);
    const res = await call('GET', `/api/entities/${tenant.entityId}/billing-workflow`);
    expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.body.detail).toBe('The workflow engine is unavailable; retry shortly');
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await call('GET', '/api/entities')).status).toBe(200);
  });
});

describe('unavailableDependency', () => {
  // Shapes as the drivers report them: pg's own errors, Prisma's known errors with the adapter's cause underneath,
  // and the Temporal client's ServiceError around a gRPC status.
  it.each([
    ['pg: connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'database'],
    ['pg: server restarting', Object.assign(new Error('terminating connection'), { code: '57P01' }), 'database'],
    ['pg: connection cut', new Error('Connection terminated unexpectedly'), 'database'],
    ['Prisma: not reachable', { code: 'P1001', message: "Can't reach database server" }, 'database'],
    [
      'Prisma: adapter saw the connection close',
      { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } },
      'database',
    ],
    [
      'Prisma: adapter relays a shutdown SQLSTATE',
      { meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P03' } } } },
      'database',
    ],
    ['Temporal: unavailable', { name: 'ServiceError', cause: { code: 14 } }, 'workflow engine'],
    ['Temporal: deadline exceeded', { name: 'ServiceError', cause: { code: 4 } }, 'workflow engine'],
    ['Temporal: not found is not an outage', { name: 'ServiceError', cause: { code: 5 } }, undefined],
    ['a unique violation is not an outage', { code: 'P2002', meta: { target: ['name'] } }, undefined],
    ['a bug is not an outage', new TypeError('x is undefined'), undefined],
  ])('%s', (_name, error, expected) => {
    expect(unavailableDependency(error)).toBe(expected);
  });
});
