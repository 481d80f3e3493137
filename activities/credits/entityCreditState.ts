// Shared by the credit use cases: the entity row lock that serializes every balance change of an entity (the metering
// hot path takes the same lock), and the entity's usable grants read under it.
import type { Decimal } from 'decimal.js';
import type { CreditGrantBalance } from '../../domain/creditDrawdown.js';
import { BillingDecimal } from '../../domain/money.js';
import type { Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export interface LockedCreditEntity {
  id: string;
  organizationId: string;
  currency: string;
  status: 'active' | 'suspended';
  lowBalanceThreshold: string;
  defaultPaymentMethod: string | null;
}

/** Takes the entity lock (FOR NO KEY UPDATE, see invoicing/billingPeriodRows.ts) if it belongs to the organization. */
export async function lockCreditEntity(
  tx: Tx,
  organizationId: string,
  entityId: string,
): Promise<LockedCreditEntity | null> {
  const rows = await tx.$queryRawUnsafe<LockedCreditEntity[]>(
    `SELECT id::text AS id, "organizationId"::text AS "organizationId", currency, status::text AS status,
            "lowBalanceThreshold"::text AS "lowBalanceThreshold", "defaultPaymentMethod"
     FROM "Entity" WHERE id = $1::uuid AND "organizationId" = $2::uuid AND "deletedAt" IS NULL FOR NO KEY UPDATE`,
    entityId,
    organizationId,
  );
  return rows[0] ?? null;
}

export interface UsableGrant extends CreditGrantBalance {
  remaining: Decimal;
  source: string;
  original: Decimal;
}

/** Grants with something left that have not expired at `asOf`. */
export async function usableGrants(tx: Tx, entityId: string, asOf: Date): Promise<UsableGrant[]> {
  const rows = await tx.creditGrant.findMany({
    where: { entityId, remaining: { gt: 0 }, OR: [{ expiresAt: null }, { expiresAt: { gt: asOf } }] },
  });
  return rows.map((g) => ({
    id: g.id,
    remaining: new BillingDecimal(g.remaining.toString()),
    original: new BillingDecimal(g.original.toString()),
    expiresAt: g.expiresAt,
    priority: g.priority,
    createdAt: g.createdAt,
    source: g.source,
  }));
}
