// One writer of an organization's archives at a time: the retention run and an erasure both rewrite archive files and
// their index rows. A Postgres advisory lock held by a connection of its own for the whole operation (released when
// the operation ends, or by Postgres if the process dies), never a row lock: the billing tables stay unlocked.
import type { Db } from '../db.js';
import { ResourceConflictError } from '../resourceErrors.js';

const LOCK_CLASS = 0x7265_7465; // "rete"

/** Another operation holds the organization's archives (a retention run or an erasure). */
export class ArchivesBusyError extends ResourceConflictError {
  constructor() {
    super('ARCHIVES_BUSY', "the organization's archives are being written (retention run or erasure); retry shortly");
  }
}

/**
 * Runs `fn` holding the organization's archive lock. `waitMs` 0: fail at once with ArchivesBusyError when it is held;
 * otherwise wait up to that long.
 */
export async function withArchiveLock<T>(
  db: Db,
  organizationId: string,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const client = await db.pg.connect();
  let locked = false;
  try {
    if (waitMs <= 0) {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [LOCK_CLASS, organizationId],
      );
      locked = rows[0]?.locked === true;
    } else {
      await client.query(`SET lock_timeout = ${Math.ceil(waitMs)}`);
      locked = await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, organizationId]).then(
        () => true,
        (err: { code?: string }) => {
          if (err.code === '55P03') return false;
          throw err;
        },
      );
    }
    if (!locked) throw new ArchivesBusyError();
    return await fn();
  } finally {
    // Unlocked first: closing the connection releases the lock too, but only once the server has noticed, which under
    // load is after the next operation of the organization has tried it and been told the archives are busy.
    if (locked) {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, organizationId]).catch(() => {});
    }
    // The connection is closed rather than returned to the pool: that releases the lock (and any setting) for sure.
    client.release(true);
  }
}
