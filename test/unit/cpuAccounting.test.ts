import { describe, expect, it } from 'vitest';
import { cpuPerEvent, readCpu } from '../../bench/cpuAccounting.js';

describe('bench CPU accounting', () => {
  it('counts each Postgres process from the first reading or its start, and drops one that exited', () => {
    const before = {
      api: 1_000,
      postgres: new Map([
        [10, 500],
        [11, 200],
        [12, 50],
      ]),
      driver: 300,
    };
    // 11 exited (a pool backend closed); 13 started during the scenario.
    const after = {
      api: 1_900,
      postgres: new Map([
        [10, 800],
        [12, 150],
        [13, 100],
      ]),
      driver: 400,
    };
    // Postgres: (800 - 500) + (150 - 50) + 100 = 500 ms over 1,000 events.
    expect(cpuPerEvent(before, after, 1_000)).toEqual({ api: 900, postgres: 500, driver: 100 });
  });

  it('says nothing where a side could not be read, or no event went through', () => {
    const none = { api: null, postgres: null, driver: 0 };
    expect(cpuPerEvent(none, none, 10)).toEqual({ api: null, postgres: null, driver: 0 });
    expect(cpuPerEvent(none, none, 0)).toEqual({ api: null, postgres: null, driver: null });
  });

  it('reads this process and its own pid from /proc', () => {
    const reading = readCpu(process.pid, null);
    expect(reading.api).toBeGreaterThan(0);
    expect(reading.driver).toBeGreaterThan(0);
    expect(reading.postgres).toBeNull();
  });
});
