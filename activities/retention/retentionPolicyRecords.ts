// An organization's retention policy: read (the defaults when it never wrote one) and changed, validated against the
// rules of domain/retentionPolicy.ts and audited in the same transaction as the change.
import { DEFAULT_RETENTION, type RetentionPeriods, refuseRetentionPolicy } from '../../domain/retentionPolicy.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { UnprocessableError } from '../resourceErrors.js';

export interface RetentionPolicyView extends RetentionPeriods {
  organizationId: string;
  /** True while the organization has never written a policy: the defaults apply. */
  isDefault: boolean;
  updatedAt: Date | null;
}

const PERIOD_FIELDS = Object.keys(DEFAULT_RETENTION) as Array<keyof RetentionPeriods>;

function periodsOf(row: RetentionPeriods): RetentionPeriods {
  return Object.fromEntries(PERIOD_FIELDS.map((f) => [f, row[f]])) as unknown as RetentionPeriods;
}

type Reader = Db | Prisma.TransactionClient;

export async function readRetentionPolicy(db: Reader, organizationId: string): Promise<RetentionPolicyView> {
  const row = await db.retentionPolicy.findUnique({ where: { organizationId } });
  return row
    ? { organizationId, ...periodsOf(row), isDefault: false, updatedAt: row.updatedAt }
    : { organizationId, ...DEFAULT_RETENTION, isDefault: true, updatedAt: null };
}

/**
 * Changes the periods given, keeping the others; the policy as a whole must pass refuseRetentionPolicy (a refusal is
 * a 422 with its code and changes nothing).
 */
export async function updateRetentionPolicy(
  db: Db,
  actor: Actor,
  organizationId: string,
  patch: Partial<RetentionPeriods>,
): Promise<RetentionPolicyView> {
  return db.$transaction(async (tx) => {
    // The organization row orders concurrent changes of its policy (each validated against the one before).
    await tx.$queryRaw`SELECT id FROM "Organization" WHERE id = ${organizationId}::uuid FOR NO KEY UPDATE`;
    const before = await readRetentionPolicy(tx, organizationId);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next: RetentionPeriods = { ...periodsOf(before), ...defined };
    const refusal = refuseRetentionPolicy(next);
    if (refusal) throw new UnprocessableError(refusal.code, refusal.message, refusal.field);
    await tx.retentionPolicy.upsert({
      where: { organizationId },
      create: { organizationId, ...next },
      update: next,
    });
    const after = await readRetentionPolicy(tx, organizationId);
    await recordAudit(tx, actor, {
      organizationId,
      action: 'retention_policy.update',
      targetType: 'retention_policy',
      targetId: organizationId,
      before: { ...periodsOf(before), isDefault: before.isDefault },
      after: { ...periodsOf(after), isDefault: false },
    });
    return after;
  });
}
