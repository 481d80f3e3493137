// A process's liveness connection (activities/processLiveness.ts): it names a backend that pg_stat_activity shows
// while the process runs, and after losing its connection it comes back on a new backend.
import { describe, expect, inject, it } from 'vitest';
import { createProcessLiveness, type LivenessStamp } from '../../activities/processLiveness.js';
import { dbTestContext } from '../support/testContext.js';

const ctx = dbTestContext(2);

const until = async <T>(read: () => T | null, what: string): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const isLive = async (stamp: LivenessStamp) =>
  (
    await ctx.db.$queryRaw<unknown[]>`
      SELECT 1 FROM pg_stat_activity WHERE pid = ${stamp.pid}::int AND backend_start = ${stamp.startedAt}::timestamptz`
  ).length === 1;

describe('process liveness', () => {
  it('names its live backend exactly, and reconnects on a new one when the connection is lost', async () => {
    const liveness = createProcessLiveness(inject('databaseUrl'));
    try {
      const first = await until(() => liveness.stamp(), 'the liveness connection');
      // Exactly: backend_start has microseconds, which a JS Date would round away.
      expect(await isLive(first)).toBe(true);

      await ctx.db.$queryRaw`SELECT pg_terminate_backend(${first.pid}::int)`;
      const second = await until(() => {
        const s = liveness.stamp();
        return s && s.pid !== first.pid ? s : null;
      }, 'a new liveness backend');
      expect(await isLive(second)).toBe(true);
      expect(await isLive(first)).toBe(false);
    } finally {
      await liveness.close();
    }
    expect(liveness.stamp()).toBeNull();
  });
});
