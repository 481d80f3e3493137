// Creates a credit grant and its opening ledger entry in the caller's transaction (which holds the entity lock):
// the ledger invariant starts here, sum(entries of the grant) = remaining = original.
import type { Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export interface IssueGrantInput {
  entityId: string;
  source: 'purchase' | 'promo' | 'transfer' | 'refund';
  amount: string;
  currency: string;
  expiresAt: Date | null;
  priority: number;
  idempotencyKey: string;
  packageId?: string | null;
  sourceGrantId?: string | null;
  description: string;
  /** Ledger kind of the opening entry: `grant`, or `transfer_in` for a transfer's new grant. */
  ledgerKind?: 'grant' | 'transfer_in';
  ledgerKey?: (grantId: string) => string;
  /** A cross-currency transfer's exchange, recorded on the opening entry (LedgerEntry.conversion). */
  conversion?: Prisma.InputJsonValue | undefined;
}

export async function issueCreditGrant(tx: Tx, input: IssueGrantInput) {
  const grant = await tx.creditGrant.create({
    data: {
      entityId: input.entityId,
      source: input.source,
      original: input.amount,
      remaining: input.amount,
      currency: input.currency,
      expiresAt: input.expiresAt,
      priority: input.priority,
      idempotencyKey: input.idempotencyKey,
      packageId: input.packageId ?? null,
      sourceGrantId: input.sourceGrantId ?? null,
    },
  });
  const ledgerEntry = await tx.ledgerEntry.create({
    data: {
      entityId: input.entityId,
      grantId: grant.id,
      kind: input.ledgerKind ?? 'grant',
      amount: input.amount,
      currency: input.currency,
      description: input.description,
      ...(input.conversion === undefined ? {} : { conversion: input.conversion }),
      idempotencyKey: input.ledgerKey ? input.ledgerKey(grant.id) : `grant:${grant.id}`,
    },
  });
  return { grant, ledgerEntry };
}
