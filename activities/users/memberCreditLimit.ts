// Changing a member's per-period credit limit (EntityUser.creditLimit) and what the change means for the spend already
// recorded (UserSpend, one row per member and period, written by metering). Every writer of a limit goes through
// here, inside its own transaction, holding the entity's row lock as metering does while it reads the limit and the
// spend: an event and a limit change never interleave.
//
// UserSpend.limitReachedAt says user.credit_limit_reached was emitted for that period's crossing. After a change:
//   - raised above a period's spend, or removed (null): that period is no longer at its limit, so its mark is cleared
//     (the read says limitReached false, and metering emits user.credit_limit_reached again at the next crossing);
//   - lowered to or below a period's spend: nothing is emitted here and the mark is left as it is. Metering refuses the
//     member's next event that costs anything (USER_CREDIT_LIMIT_EXCEEDED) and emits the webhook then, once; the
//     caller of the change sees `remaining: "0.00"` in its answer.
// Rows of every period are considered, whichever period is current: a closed period's row is never read again by
// metering, and clearing it only keeps the rule simple and true.
import { toDecimal } from '../../domain/money.js';
import { type UserSpendView, userSpend } from '../analytics/userSpend.js';
import { type Actor, recordAudit } from '../auditLog.js';
import { lockCreditEntity } from '../credits/entityCreditState.js';
import type { Db, Prisma } from '../db.js';
import { ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';

type Tx = Prisma.TransactionClient;

/** A limit as stored: a non-negative decimal with at most 6 places, or null (no limit). */
export function normalizeCreditLimit(creditLimit: string | null): string | null {
  if (creditLimit === null) return null;
  const d = toDecimal(creditLimit);
  if (d.isNegative() || d.decimalPlaces() > 6) {
    throw new UnprocessableError('INVALID_AMOUNT', 'creditLimit must be >= 0 with at most 6 decimals', 'creditLimit');
  }
  return d.toFixed();
}

/**
 * PUT /api/billing/entities/{entityId}/user-limits/{userId}: sets (or with null removes) a member's per-period
 * credit limit, with its audit entry, under the entity's row lock; takes effect on the next event. Answers the
 * member's limit, spend and remaining allowance after the change.
 */
export async function setUserCreditLimit(
  db: Db,
  actor: Actor,
  organizationId: string,
  entityId: string,
  userId: string,
  creditLimit: string | null,
  now = new Date(),
): Promise<UserSpendView> {
  const value = normalizeCreditLimit(creditLimit);
  await db.$transaction(async (tx) => {
    if (!(await lockCreditEntity(tx, organizationId, entityId))) throw new ResourceNotFoundError('entity');
    const before = await tx.entityUser.findFirst({ where: { entityId, userId, deletedAt: null } });
    if (!before) throw new ResourceNotFoundError('member');
    await applyCreditLimit(tx, before.id, value);
    await recordAudit(tx, actor, {
      organizationId,
      action: 'membership.update',
      targetType: 'entity_user',
      targetId: before.id,
      before,
      after: await tx.entityUser.findUniqueOrThrow({ where: { id: before.id } }),
    });
  });
  return userSpend(db, organizationId, entityId, userId, now);
}

/** Sets (null: removes) the member's limit and clears the limit marks the new limit no longer justifies. */
export async function applyCreditLimit(tx: Tx, entityUserId: string, creditLimit: string | null): Promise<void> {
  await tx.entityUser.update({ where: { id: entityUserId }, data: { creditLimit } });
  await clearLimitMarksBelow(tx, entityUserId, creditLimit);
}

/** Clears limitReachedAt on the member's spend rows below `creditLimit` (all of them when there is no limit). */
export async function clearLimitMarksBelow(tx: Tx, entityUserId: string, creditLimit: string | null): Promise<void> {
  await tx.userSpend.updateMany({
    where: {
      entityUserId,
      limitReachedAt: { not: null },
      ...(creditLimit === null ? {} : { amount: { lt: creditLimit } }),
    },
    data: { limitReachedAt: null },
  });
}
