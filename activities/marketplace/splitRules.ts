// Revenue-share split rules of an organization, validated on write: the shares by the domain
// (domain/revenueShare.ts: 422 INVALID_SPLIT_RULE), every party a payee of this organization (422 UNKNOWN_PAYEE naming
// it), and validFrom before validUntil (422 INVALID_SPLIT_WINDOW). A rule is fixed once written.
import { MARKETPLACE_PARTY, parseSplitRule, type SplitRuleDefinition } from '../../domain/revenueShare.js';
import type { Prisma } from '../../prisma/generated/client.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { UUID_PATTERN } from '../metering/eventInput.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { UnprocessableError } from '../resourceErrors.js';

export interface NewSplitRule {
  name: string;
  appliesTo: SplitRuleDefinition['appliesTo'];
  shares: SplitRuleDefinition['shares'];
  validFrom?: string | null | undefined;
  validUntil?: string | null | undefined;
}

export async function createSplitRule(db: Db, actor: Actor, organizationId: string, input: NewSplitRule) {
  const rule = parseSplitRule({ appliesTo: input.appliesTo, shares: input.shares });
  const validFrom = input.validFrom ? new Date(input.validFrom) : null;
  const validUntil = input.validUntil ? new Date(input.validUntil) : null;
  if (validFrom && validUntil && validFrom >= validUntil) {
    throw new UnprocessableError('INVALID_SPLIT_WINDOW', 'validFrom must be before validUntil', 'validUntil');
  }
  return db.$transaction(async (tx) => {
    const payeeIds = rule.shares.map((s) => s.party).filter((p) => p !== MARKETPLACE_PARTY);
    // A party that is not even a UUID is no payee (and must not reach a uuid column: Postgres would refuse the query).
    const candidates = payeeIds.filter((id) => UUID_PATTERN.test(id));
    const known = await tx.payee.findMany({ where: { organizationId, id: { in: candidates } }, select: { id: true } });
    const missing = payeeIds.find((id) => !known.some((k) => k.id === id));
    if (missing !== undefined) {
      const index = rule.shares.findIndex((s) => s.party === missing);
      throw new UnprocessableError(
        'UNKNOWN_PAYEE',
        `No payee ${missing} in this organization`,
        `shares.${index}.party`,
      );
    }
    const row = await tx.splitRule.create({
      data: {
        organizationId,
        name: input.name,
        appliesTo: rule.appliesTo,
        shares: rule.shares as unknown as Prisma.InputJsonValue,
        validFrom,
        validUntil,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'split_rule.create',
      targetType: 'split_rule',
      targetId: row.id,
      after: row,
    });
    return row;
  });
}

export async function listSplitRules(db: Db, organizationId: string, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.splitRule.findMany({ ...args, where: { AND: [args.where, { organizationId }] } });
  return toPage(rows, page);
}

export async function findSplitRule(db: Db, organizationId: string, id: string) {
  return db.splitRule.findFirst({ where: { id, organizationId } });
}

export const ruleDefinition = (row: { appliesTo: SplitRuleDefinition['appliesTo']; shares: unknown }) =>
  ({ appliesTo: row.appliesTo, shares: row.shares as SplitRuleDefinition['shares'] }) satisfies SplitRuleDefinition;
