// The audit log: one row per API write request (actor key, action, target, before/after, request id), inserted in
// the SAME transaction as the write where the write is ours (so a rolled-back write leaves no entry and a committed one
// always has its entry). Writes the API hands to a workflow (close-now, a job's cancel, a redelivery) are recorded
// when Temporal accepted them (`recordAuditNow`); subscription changes are recorded by the activity that applies them,
// in its transaction, with the actor the API passed along. Metered events are not audited: each is its own record
// (MarketplaceEvent), at a rate no audit table should take. Read back through GET /api/audit-log.
import type { Db, Prisma } from './db.js';
import { type PageRequest, pageArgs, toPage } from './pagination.js';

/** Who is writing: an API key of the organization, or the bootstrap admin key from the environment. */
export interface Actor {
  /** system: the platform itself (a test fixture, a script), not an API request. */
  actorType: 'api_key' | 'bootstrap' | 'system';
  /** The API key's id; null for the bootstrap key. */
  actorId: string | null;
  requestId?: string | undefined;
}

export interface AuditEntry {
  organizationId: string;
  /** `<resource>.<verb>`, e.g. `entity.create`, `api_key.revoke`. */
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

// JSON columns take plain JSON: Dates become ISO strings and Prisma Decimals their string form.
function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

export const SYSTEM_ACTOR: Actor = { actorType: 'system', actorId: null };

export async function recordAudit(tx: Prisma.TransactionClient, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({
    data: {
      organizationId: entry.organizationId,
      actorType: actor.actorType,
      actorId: actor.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: toJson(entry.before),
      after: toJson(entry.after),
      requestId: actor.requestId ?? null,
    },
  });
}

/** For a write done elsewhere (a signal or Update Temporal accepted): its row, on its own, once it is done. */
export async function recordAuditNow(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await recordAudit(db as unknown as Prisma.TransactionClient, actor, entry);
}

export interface AuditLogFilter {
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
}

export async function listAuditLog(db: Db, organizationId: string, filter: AuditLogFilter, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.auditLog.findMany({
    ...args,
    where: {
      AND: [
        args.where,
        {
          organizationId,
          ...(filter.action ? { action: filter.action } : {}),
          ...(filter.targetType ? { targetType: filter.targetType } : {}),
          ...(filter.targetId ? { targetId: filter.targetId } : {}),
        },
      ],
    },
  });
  return toPage(rows, page);
}

export async function findAuditEntry(db: Db, organizationId: string, id: string) {
  return db.auditLog.findFirst({ where: { id, organizationId } });
}
