// An entity's prepaid credit balance: the total usable now and every grant that still holds credits, in draw order
// (earliest expiry first, then priority, then oldest), with its expiry.
import { drawOrder } from '../../domain/creditDrawdown.js';
import { BillingDecimal, Money } from '../../domain/money.js';
import type { Db } from '../db.js';
import { ResourceNotFoundError } from '../resourceErrors.js';
import { entityClockNow } from '../testClocks/testClockRecords.js';
import { type CreditGrantView, creditGrantView } from './creditGrantView.js';

export interface EntityBalanceView {
  entityId: string;
  currency: string;
  balance: string;
  lowBalanceThreshold: string;
  asOf: string;
  grants: CreditGrantView[];
}

export async function entityBalance(
  db: Db,
  organizationId: string,
  entityId: string,
  now: Date = new Date(),
): Promise<EntityBalanceView> {
  const entity = await db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
  if (!entity) throw new ResourceNotFoundError('entity');
  // An entity on a test clock: the balance as of the clock's time (grants expired there are not usable).
  const asOf = (await entityClockNow(db, entity.testClockId)) ?? now;
  const rows = await db.creditGrant.findMany({
    where: { entityId, remaining: { gt: 0 }, OR: [{ expiresAt: null }, { expiresAt: { gt: asOf } }] },
  });
  const order = drawOrder(
    rows.map((g) => ({
      id: g.id,
      remaining: g.remaining.toString(),
      expiresAt: g.expiresAt,
      priority: g.priority,
      createdAt: g.createdAt,
    })),
    asOf,
  ).map((g) => g.id);
  const byId = new Map(rows.map((g) => [g.id, g]));
  const total = rows.reduce((sum, g) => sum.plus(g.remaining.toString()), new BillingDecimal(0));
  return {
    entityId,
    currency: entity.currency,
    balance: Money.of(total, entity.currency).toString(),
    lowBalanceThreshold: Money.of(entity.lowBalanceThreshold.toString(), entity.currency).toString(),
    asOf: asOf.toISOString(),
    grants: order.map((id) => creditGrantView(byId.get(id) as NonNullable<ReturnType<typeof byId.get>>)),
  };
}
