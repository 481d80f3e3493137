// A process's proof of life in Postgres: one connection it holds open for as long as it runs. Its backend (pid and
// start time, as pg_stat_activity shows them) dies with the process: a SIGKILL, an OOM kill or a lost host closes the
// socket, and Postgres ends the backend. Work the process claims is stamped with that backend, so another process can
// tell at once that the claimant is gone (no such backend any more) instead of waiting out a lease. Used for
// Idempotency-Key claims (idempotencyRecords.ts).
//
// While the connection is down (Postgres restarting), stamp() is null and claims fall back to the lease alone. A claim
// stamped with a connection that was lost while this process lives on may be taken over early by a retry; that is
// safe, as any takeover is: the business idempotency keys and workflow Update ids underneath run the work once.
// Assumes every API process connects as the same role (pg_stat_activity hides other roles' backend_start).
import pg from 'pg';

export interface LivenessStamp {
  pid: number;
  /** pg_stat_activity.backend_start as Postgres prints it (microseconds; a JS Date would round them away). */
  startedAt: string;
}

export interface ProcessLiveness {
  /** The backend of this process's liveness connection, or null while it is not connected. */
  stamp(): LivenessStamp | null;
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;

export function createProcessLiveness(
  databaseUrl: string,
  onError: (err: unknown) => void = () => {},
): ProcessLiveness {
  let current: LivenessStamp | null = null;
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const lost = (err?: unknown) => {
    if (err) onError(err);
    current = null;
    client?.removeAllListeners();
    client?.end().catch(() => {});
    client = null;
    if (!closed) retry = setTimeout(connect, RECONNECT_MS).unref();
  };

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'billing-api liveness' });
    client = c;
    c.on('error', lost);
    c.on('end', () => {
      if (client === c) lost();
    });
    try {
      await c.connect();
      const { rows } = await c.query<{ pid: number; startedAt: string }>(
        `SELECT pid, backend_start::text AS "startedAt" FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      );
      if (closed || client !== c) return;
      current = rows[0] ?? null;
    } catch (err) {
      if (client === c) lost(err);
    }
  }

  void connect();
  return {
    stamp: () => current,
    async close() {
      closed = true;
      clearTimeout(retry);
      current = null;
      const c = client;
      client = null;
      c?.removeAllListeners();
      await c?.end().catch(() => {});
    },
  };
}
