// CPU time spent by each side of a benchmark scenario, read from /proc (Linux): the API process, the Postgres server
// (postmaster and every process it forked: backends, WAL writer, checkpointer) and the load generator (this process).
// On a 2-core host the sides share the same cores, so events/s alone cannot say which side to make cheaper; CPU per
// event can. Elsewhere (no /proc) every reading is null and the report shows '-'.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

export interface CpuReading {
  /** CPU milliseconds (user + system) so far, per side; null where /proc cannot say. */
  api: number | null;
  /**
   * Per Postgres process (pid to CPU ms): backends and autovacuum workers come and go during a scenario, so the
   * server's share is summed per process (what each used since the first reading, or since it started).
   */
  postgres: Map<number, number> | null;
  driver: number;
}

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in ms, or null when it is gone or /proc is not there. */
function processCpuMs(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces), counted from `state` as 0: utime is 11, stime 12.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return null;
  }
}

function parentPid(pid: number): number | null {
  try {
    const match = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The postmaster serving `databaseUrl`: the parent of a backend of ours (same host only). */
export async function findPostmasterPid(databaseUrl: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return parentPid(rows[0]?.pid ?? 0);
  } finally {
    await client.end();
  }
}

function serverCpuMs(postmasterPid: number): Map<number, number> | null {
  const own = processCpuMs(postmasterPid);
  if (own === null) return null;
  const byPid = new Map([[postmasterPid, own]]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentPid(pid) !== postmasterPid) continue;
    const ms = processCpuMs(pid);
    if (ms !== null) byPid.set(pid, ms);
  }
  return byPid;
}

export function readCpu(apiPid: number | undefined, postmasterPid: number | null): CpuReading {
  const own = process.cpuUsage();
  return {
    api: apiPid === undefined ? null : processCpuMs(apiPid),
    postgres: postmasterPid === null ? null : serverCpuMs(postmasterPid),
    driver: (own.user + own.system) / 1000,
  };
}

/** CPU µs per event of each side between two readings; null where either reading is missing. */
export function cpuPerEvent(
  before: CpuReading,
  after: CpuReading,
  events: number,
): { api: number | null; postgres: number | null; driver: number | null } {
  const per = (a: number | null, b: number | null) =>
    a === null || b === null || events === 0 ? null : Math.round(((b - a) * 1000) / events);
  // A process gone by the second reading drops out (its last moments are lost, a rounding error at these durations).
  const serverSum = (readings: Map<number, number> | null, only?: Map<number, number>) => {
    if (readings === null) return null;
    let sum = 0;
    for (const [pid, ms] of readings) if (!only || only.has(pid)) sum += ms;
    return sum;
  };
  const postgresBefore = after.postgres === null ? null : serverSum(before.postgres, after.postgres);
  return {
    api: per(before.api, after.api),
    postgres: per(postgresBefore, serverSum(after.postgres)),
    driver: per(before.driver, after.driver),
  };
}
