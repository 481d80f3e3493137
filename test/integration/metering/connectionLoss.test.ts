// The metering hot path when Postgres drops its connection mid-transaction (a restarted server, a terminated
// backend). Found by the fault-injection run (docs/reliability.md): the checked-out `pg` client had no 'error'
// listener, so the connection's death was an unhandled 'error' event that killed the whole API process, taking every
// other request in flight with it. Now the request in flight fails (the client retries it), the process lives on,
// and the retry with the same idempotency key is accepted exactly once.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ingestEvents } from '../../../activities/metering/ingestEvents.js';
import { createMeteringTenant, eventBody, grantCredits } from '../../support/meteringFactories.js';
import { dbTestContext } from '../../support/testContext.js';

const APP_NAME = `metering-connection-loss-${randomUUID().slice(0, 8)}`;
// The metering pool's connections carry APP_NAME, so the test can find the one in flight in pg_stat_activity.
const ctx = dbTestContext({ poolSize: 2, applicationName: APP_NAME });

describe('metering when the database connection dies mid-request', () => {
  it('fails the request in flight without crashing the process; the retry is accepted exactly once', async () => {
    const t = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '1.25' }] });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
    const event = eventBody(t) as unknown as Parameters<typeof ingestEvents>[2][number];

    // Hold the entity's row lock so the ingest waits, with its connection checked out, where we can find it.
    const blocker = new pg.Client({ connectionString: inject('databaseUrl') });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM "Entity" WHERE id = $1 FOR UPDATE', [t.entityId]);
    const inFlight = ingestEvents(ctx.db, t.organizationId, [event]).then(
      ({ outcomes }) => {
        const outcome = outcomes[0] as { failed?: { code?: string } } | undefined;
        return outcome?.failed ? (outcome.failed.code ?? 'failed') : 'completed';
      },
      (err: { code?: string }) => err.code ?? 'error',
    );
    let pid: number | undefined;
    for (let i = 0; i < 100 && pid === undefined; i++) {
      // Polled outside the blocker's transaction: pg_stat_activity is a snapshot within one.
      const rows = await ctx.db.$queryRaw<Array<{ pid: number }>>`
        SELECT pid FROM pg_stat_activity WHERE application_name = ${APP_NAME} AND wait_event_type = 'Lock'`;
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pid).toBeDefined();
    await blocker.query('SELECT pg_terminate_backend($1)', [pid]);
    // 57P01 admin_shutdown: the event fails (the API answers 5xx, the client retries), and nothing else does: an
    // unhandled 'error' event would fail this run as it killed the API process.
    expect(await inFlight).toBe('57P01');
    await blocker.query('ROLLBACK');
    await blocker.end();

    const retried = await ingestEvents(ctx.db, t.organizationId, [event]);
    expect(retried.outcomes.map((o) => o.status)).toEqual(['accepted']);
    const again = await ingestEvents(ctx.db, t.organizationId, [event]);
    expect(again.outcomes.map((o) => [o.status, 'replayed' in o && o.replayed])).toEqual([['accepted', true]]);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(1);
  });
});
