// Storage behind the API's Idempotency-Key header. A record belongs to the API key that made the request (and so to
// its organization): the same Idempotency-Key sent by another key is another record. A key is claimed before the
// request runs (a row with statusCode 0), so two concurrent requests with one key cannot both run; the finished
// response replaces the claim.
// A claim whose process died mid-request (SIGKILL, OOM, deploy) is never completed nor released. The next request
// with the same key and body takes it over and runs, instead of answering IDEMPOTENCY_IN_PROGRESS forever (found by
// the fault-injection run, docs/reliability.md): at once when the claim names its process's liveness backend
// (processLiveness.ts) and that backend is gone, else once the claim is older than the lease.
import type { Db, Prisma } from './db.js';
import type { LivenessStamp } from './processLiveness.js';

/** How long a claim protects a running request; older unfinished claims are taken to be abandoned. */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 60_000;

/** How long a stored response is replayed (Stripe's 24 h); after that the key starts a new request. */
export const IDEMPOTENCY_REPLAY_WINDOW_MS = 24 * 60 * 60_000;

export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; statusCode: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** Whose records: the API key (BOOTSTRAP_KEY_ID for the bootstrap key) and its organization (null: bootstrap). */
export interface IdempotencyOwner {
  organizationId: string | null;
  apiKeyId: string;
}

export interface IdempotencyRequest extends IdempotencyOwner {
  key: string;
  method: string;
  path: string;
  requestHash: string;
  /** The claiming process's liveness backend; null: only the lease tells an abandoned claim. */
  holder?: LivenessStamp | null;
}

export async function claimIdempotencyKey(
  db: Db,
  req: IdempotencyRequest,
  leaseMs: number = IDEMPOTENCY_CLAIM_LEASE_MS,
): Promise<IdempotencyClaim> {
  const holderPid = req.holder?.pid ?? null;
  const holderStartedAt = req.holder?.startedAt ?? null;
  const inserted = await db.$executeRaw`
    INSERT INTO "IdempotencyRecord" ("id", "organizationId", "apiKeyId", "key", "method", "path", "requestHash",
      "statusCode", "responseBody", "holderPid", "holderStartedAt")
    VALUES (gen_random_uuid(), ${req.organizationId}::uuid, ${req.apiKeyId}, ${req.key}, ${req.method}, ${req.path},
      ${req.requestHash}, 0, 'null'::jsonb, ${holderPid}::int, ${holderStartedAt}::timestamptz)
    ON CONFLICT ("apiKeyId", "key") DO NOTHING`;
  if (inserted === 1) return { kind: 'claimed' };
  const existing = await db.idempotencyRecord.findUnique({
    where: { apiKeyId_key: { apiKeyId: req.apiKeyId, key: req.key } },
  });
  if (!existing) return claimIdempotencyKey(db, req, leaseMs); // released between our insert and read: try again
  if (existing.createdAt.getTime() < Date.now() - IDEMPOTENCY_REPLAY_WINDOW_MS) {
    // Past the window the key is free: the record becomes this request's claim. Of two requests racing for it one
    // wins the row (the other sees the fresh claim on its next read).
    const renewed = await db.$executeRaw`
      UPDATE "IdempotencyRecord"
      SET "method" = ${req.method}, "path" = ${req.path}, "requestHash" = ${req.requestHash}, "statusCode" = 0,
        "responseBody" = 'null'::jsonb, "createdAt" = now(), "holderPid" = ${holderPid}::int,
        "holderStartedAt" = ${holderStartedAt}::timestamptz
      WHERE "id" = ${existing.id}::uuid AND "createdAt" = ${existing.createdAt}::timestamptz`;
    return renewed === 1 ? { kind: 'claimed' } : claimIdempotencyKey(db, req, leaseMs);
  }
  if (existing.requestHash !== req.requestHash || existing.method !== req.method || existing.path !== req.path) {
    return { kind: 'mismatch' };
  }
  if (existing.statusCode === 0) {
    // Take over an abandoned claim atomically: of two retries racing for it, exactly one wins the row. Abandoned:
    // its process's liveness backend is gone, or (no backend named) the lease has run out.
    const takenOver = await db.$executeRaw`
      UPDATE "IdempotencyRecord" r
      SET "createdAt" = now(), "holderPid" = ${holderPid}::int, "holderStartedAt" = ${holderStartedAt}::timestamptz
      WHERE r."apiKeyId" = ${req.apiKeyId} AND r."key" = ${req.key} AND r."statusCode" = 0
        AND (r."createdAt" < now() - make_interval(secs => ${leaseMs / 1000}::float8)
          OR (r."holderPid" IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM pg_stat_activity a WHERE a.pid = r."holderPid" AND a.backend_start = r."holderStartedAt")))`;
    return takenOver === 1 ? { kind: 'claimed' } : { kind: 'in_progress' };
  }
  return { kind: 'replay', statusCode: existing.statusCode, body: existing.responseBody };
}

export async function completeIdempotencyKey(
  db: Db,
  owner: IdempotencyOwner,
  key: string,
  statusCode: number,
  body: unknown,
): Promise<void> {
  await db.idempotencyRecord.update({
    where: { apiKeyId_key: { apiKeyId: owner.apiKeyId, key } },
    data: { statusCode, responseBody: (body ?? null) as Prisma.InputJsonValue },
  });
}

/** The request failed in a way worth retrying (5xx, crash): forget the claim so a retry runs again. */
export async function releaseIdempotencyKey(db: Db, owner: IdempotencyOwner, key: string): Promise<void> {
  await db.idempotencyRecord.deleteMany({ where: { apiKeyId: owner.apiKeyId, key, statusCode: 0 } });
}
