// Storage behind the API's Idempotency-Key header. A key is claimed before the request runs (a row with
// statusCode 0), so two concurrent requests with one key cannot both run; the finished response replaces the claim.
// A claim whose process died mid-request (SIGKILL, OOM, deploy) is never completed nor released: once it is older
// than the claim lease, the next request with the same key and body takes it over and runs, instead of answering
// IDEMPOTENCY_IN_PROGRESS forever (found by the fault-injection run, docs/reliability.md).
import type { Db, Prisma } from './db.js';

/** How long a claim protects a running request; older unfinished claims are taken to be abandoned. */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 60_000;

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; statusCode: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyRequest {
  scope: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

export async function claimIdempotencyKey(
  db: Db,
  req: IdempotencyRequest,
  leaseMs: number = IDEMPOTENCY_CLAIM_LEASE_MS,
): Promise<IdempotencyClaim> {
  const inserted = await db.$executeRaw`
    INSERT INTO "IdempotencyRecord" ("id", "scope", "key", "method", "path", "requestHash", "statusCode", "responseBody")
    VALUES (gen_random_uuid(), ${req.scope}, ${req.key}, ${req.method}, ${req.path}, ${req.requestHash}, 0, 'null'::jsonb)
    ON CONFLICT ("scope", "key") DO NOTHING`;
  if (inserted === 1) return { kind: 'claimed' };
  const existing = await db.idempotencyRecord.findUnique({ where: { scope_key: { scope: req.scope, key: req.key } } });
  if (!existing) return claimIdempotencyKey(db, req, leaseMs); // released between our insert and read: try again
  if (existing.requestHash !== req.requestHash || existing.method !== req.method || existing.path !== req.path) {
    return { kind: 'mismatch' };
  }
  if (existing.statusCode === 0) {
    // Take over an abandoned claim atomically: of two retries racing for it, exactly one wins the row.
    const takenOver = await db.$executeRaw`
      UPDATE "IdempotencyRecord" SET "createdAt" = now()
      WHERE "scope" = ${req.scope} AND "key" = ${req.key} AND "statusCode" = 0
        AND "createdAt" < now() - make_interval(secs => ${leaseMs / 1000}::float8)`;
    return takenOver === 1 ? { kind: 'claimed' } : { kind: 'in_progress' };
  }
  return { kind: 'replay', statusCode: existing.statusCode, body: existing.responseBody };
}

export async function completeIdempotencyKey(
  db: Db,
  scope: string,
  key: string,
  statusCode: number,
  body: unknown,
): Promise<void> {
  await db.idempotencyRecord.update({
    where: { scope_key: { scope, key } },
    data: { statusCode, responseBody: (body ?? null) as Prisma.InputJsonValue },
  });
}

/** The request failed in a way worth retrying (5xx, crash): forget the claim so a retry runs again. */
export async function releaseIdempotencyKey(db: Db, scope: string, key: string): Promise<void> {
  await db.idempotencyRecord.deleteMany({ where: { scope, key, statusCode: 0 } });
}
