// Per-user credit limits: what a member may spend per billing period in an entity (EntityUser.creditLimit, null = no
// limit), what they spent in the current period (UserSpend, maintained by the metering path) and what remains.
// Changing a limit: users/memberCreditLimit.ts.
import { Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { periodAt } from '../invoicing/billingPeriodRows.js';
import { type Page, type PageRequest, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';

export interface UserSpendView {
  entityId: string;
  userId: string;
  currency: string;
  creditLimit: string | null;
  spent: string;
  remaining: string | null;
  limitReached: boolean;
  limitReachedAt: string | null;
  periodStart: string;
  periodEnd: string;
}

async function entityAndPeriod(db: Db, organizationId: string, entityId: string, now: Date) {
  const entity = await db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  const period = await periodAt(db, entity, now);
  return { entity, period };
}

function view(
  entity: { id: string; currency: string },
  period: { start: Date; end: Date },
  member: { userId: string; creditLimit: { toString(): string } | null },
  spend: { amount: { toString(): string }; limitReachedAt: Date | null } | undefined,
): UserSpendView {
  const spent = Money.of(spend?.amount.toString() ?? '0', entity.currency);
  const limit = member.creditLimit === null ? null : Money.of(member.creditLimit.toString(), entity.currency);
  const remaining = limit === null ? null : Money.max(limit.subtract(spent), Money.zero(entity.currency));
  return {
    entityId: entity.id,
    userId: member.userId,
    currency: entity.currency,
    creditLimit: limit?.toString() ?? null,
    spent: spent.toString(),
    remaining: remaining?.toString() ?? null,
    limitReached: spend?.limitReachedAt != null,
    limitReachedAt: spend?.limitReachedAt?.toISOString() ?? null,
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
  };
}

export async function userSpend(
  db: Db,
  organizationId: string,
  entityId: string,
  userId: string,
  now = new Date(),
): Promise<UserSpendView> {
  const { entity, period } = await entityAndPeriod(db, organizationId, entityId, now);
  const member = await db.entityUser.findFirst({
    where: { entityId: entity.id, userId, deletedAt: null },
    include: { spends: { where: { periodStart: period.start } } },
  });
  if (!member) throw new ResourceNotFoundError('member');
  return view(entity, period, member, member.spends[0]);
}

/** One page of the entity's members' limits, in userId order (the cursor is a userId: members are keyed by user). */
export async function listUserSpend(
  db: Db,
  organizationId: string,
  entityId: string,
  page: PageRequest,
  now = new Date(),
): Promise<Page<UserSpendView>> {
  const { entity, period } = await entityAndPeriod(db, organizationId, entityId, now);
  const members = await db.entityUser.findMany({
    where: {
      entityId: entity.id,
      deletedAt: null,
      ...(page.startingAfter ? { userId: { gt: page.startingAfter } } : {}),
    },
    include: { spends: { where: { periodStart: period.start } } },
    orderBy: { userId: 'asc' },
    take: page.limit + 1,
  });
  return toPage(
    members.map((m) => view(entity, period, m, m.spends[0])),
    page,
  );
}

/** Every member's spend in the current period, all pages (the portal and the recommendations show every member). */
export async function allUserSpend(
  db: Db,
  organizationId: string,
  entityId: string,
  now = new Date(),
): Promise<UserSpendView[]> {
  const all: UserSpendView[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await listUserSpend(db, organizationId, entityId, { limit: 500, startingAfter }, now);
    all.push(...page.items);
    if (!page.hasMore) return all;
    startingAfter = page.items.at(-1)?.userId;
  }
}
