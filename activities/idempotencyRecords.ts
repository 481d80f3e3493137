// Storage behind the API's Idempotency-Key header. A key is claimed before the request runs (a row with
// statusCode 0), so two concurrent requests with one key cannot both run; the finished response replaces the claim.
import type { Db, Prisma } from './db.js';

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

export async function claimIdempotencyKey(db: Db, req: IdempotencyRequest): Promise<IdempotencyClaim> {
  const inserted = await db.$executeRaw`
    INSERT INTO "IdempotencyRecord" ("id", "scope", "key", "method", "path", "requestHash", "statusCode", "responseBody")
    VALUES (gen_random_uuid(), ${req.scope}, ${req.key}, ${req.method}, ${req.path}, ${req.requestHash}, 0, 'null'::jsonb)
    ON CONFLICT ("scope", "key") DO NOTHING`;
  if (inserted === 1) return { kind: 'claimed' };
  const existing = await db.idempotencyRecord.findUnique({ where: { scope_key: { scope: req.scope, key: req.key } } });
  if (!existing) return claimIdempotencyKey(db, req); // released between our insert and read: try again
  if (existing.requestHash !== req.requestHash || existing.method !== req.method || existing.path !== req.path) {
    return { kind: 'mismatch' };
  }
  if (existing.statusCode === 0) return { kind: 'in_progress' };
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
