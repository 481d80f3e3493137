// Issuing, listing, rotating and revoking an organization's API keys. The key itself exists only in the response
// that issued it; the table keeps its SHA-256 and a display prefix. Every write is audited in its transaction.
import { forgetApiKey } from './apiKeyAuthCache.js';
import { type ApiKeyScope, apiKeyDisplayPrefix, generateApiKey, hashApiKey } from './apiKeys.js';
import { type Actor, recordAudit } from './auditLog.js';
import type { Db, Prisma } from './db.js';
import { type PageRequest, pageArgs, toPage } from './pagination.js';
import { ResourceConflictError, ResourceNotFoundError } from './resourceErrors.js';
import { tenantDb } from './tenantDb.js';

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  expiresAt?: Date | null | undefined;
}

type ApiKeyRow = Awaited<ReturnType<Db['apiKey']['create']>>;

/** The row as audited: never the hash. */
export const auditView = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
});

/**
 * A new key in the caller's transaction. `audit: false` when the key is part of a larger write (an organization's
 * first key, a rotation) whose own audit row records it: one row per request.
 */
export async function insertApiKey(
  tx: Prisma.TransactionClient,
  actor: Actor,
  organizationId: string,
  input: NewApiKey,
  opts: { audit: boolean } = { audit: true },
): Promise<{ row: ApiKeyRow; secret: string }> {
  const secret = generateApiKey();
  const row = await tx.apiKey.create({
    data: {
      organizationId,
      name: input.name,
      prefix: apiKeyDisplayPrefix(secret),
      hash: hashApiKey(secret),
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt ?? null,
    },
  });
  if (opts.audit) {
    await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: row.id,
      after: auditView(row),
    });
  }
  return { row, secret };
}

export async function createApiKey(db: Db, actor: Actor, organizationId: string, input: NewApiKey) {
  return db.$transaction((tx) => insertApiKey(tx, actor, organizationId, input));
}

/**
 * The bootstrap key's one way into an existing organization: a key for an organization that has no usable key
 * (just created, or every key revoked). Checked under a lock on the organization, so two concurrent calls cannot
 * both mint one. The bootstrap key belongs to no organization: this runs as the organization named (tenantDb.ts).
 */
export async function createFirstApiKey(db: Db, actor: Actor, organizationId: string, input: NewApiKey) {
  return tenantDb(db, organizationId).$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM "Organization" WHERE id = ${organizationId}::uuid AND "deletedAt" IS NULL FOR UPDATE`;
    if (locked.length === 0) throw new ResourceNotFoundError('organization');
    const usable = await tx.apiKey.count({
      where: { organizationId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
    });
    if (usable > 0) {
      throw new ResourceConflictError(
        'ORGANIZATION_HAS_KEYS',
        'The organization already has an active API key; use an admin key of the organization to create more',
      );
    }
    return insertApiKey(tx, actor, organizationId, input);
  });
}

export interface ApiKeyFilter {
  includeRevoked?: boolean | undefined;
}

export async function listApiKeys(db: Db, organizationId: string, filter: ApiKeyFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.apiKey.findMany({
    ...args,
    where: { AND: [args.where, { organizationId, ...(filter.includeRevoked ? {} : { revokedAt: null }) }] },
  });
  return toPage(rows, page);
}

export async function findApiKey(db: Db, organizationId: string, id: string) {
  return db.apiKey.findFirst({ where: { id, organizationId } });
}

async function lockKey(tx: Prisma.TransactionClient, organizationId: string, id: string) {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "ApiKey" WHERE id = ${id}::uuid AND "organizationId" = ${organizationId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new ResourceNotFoundError('API key');
  const key = await tx.apiKey.findUniqueOrThrow({ where: { id } });
  if (key.revokedAt) throw new ResourceConflictError('API_KEY_REVOKED', 'The API key is already revoked');
  return key;
}

export async function revokeApiKey(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  const revoked = await db.$transaction(async (tx) => {
    const before = await lockKey(tx, organizationId, id);
    const after = await tx.apiKey.update({ where: { id }, data: { revokedAt: now } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.revoke',
      targetType: 'api_key',
      targetId: id,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
  forgetApiKey(db, id);
  return revoked;
}

/**
 * Rotation: a new key with the same name and scopes, and the old one revoked now or, with a grace period, expiring
 * then (so deployments can switch over without a failed request).
 */
export async function rotateApiKey(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  opts: { oldKeyExpiresInSeconds: number },
  now = new Date(),
) {
  const rotated = await db.$transaction(async (tx) => {
    const before = await lockKey(tx, organizationId, id);
    const old =
      opts.oldKeyExpiresInSeconds > 0
        ? await tx.apiKey.update({
            where: { id },
            data: {
              expiresAt: new Date(
                Math.min(
                  now.getTime() + opts.oldKeyExpiresInSeconds * 1000,
                  before.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
                ),
              ),
            },
          })
        : await tx.apiKey.update({ where: { id }, data: { revokedAt: now } });
    const created = await insertApiKey(
      tx,
      actor,
      organizationId,
      { name: before.name, scopes: before.scopes as ApiKeyScope[], expiresAt: before.expiresAt },
      { audit: false },
    );
    await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.rotate',
      targetType: 'api_key',
      targetId: id,
      before: auditView(before),
      after: { ...auditView(old), replacedBy: created.row.id, replacement: auditView(created.row) },
    });
    return { old, ...created };
  });
  forgetApiKey(db, id);
  return rotated;
}
