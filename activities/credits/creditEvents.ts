// credits.granted and credits.transferred: written in the transaction that moved the credits, under the entity lock
// (so the balance they report is the one the next event sees). The threshold crossings (credits.low, .depleted) are
// metering/outboxRows.ts; expiry is creditGrants/creditGrantExpiry.ts.
import { BillingDecimal, moneyText } from '../../domain/money.js';
import type { Prisma } from '../db.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { usableGrants } from './entityCreditState.js';

type Tx = Prisma.TransactionClient;
type GrantRow = Awaited<ReturnType<Tx['creditGrant']['findUniqueOrThrow']>>;

/** The entity's usable balance at `at`, read in the caller's transaction. */
async function usableBalance(tx: Tx, entityId: string, at: Date) {
  const grants = await usableGrants(tx, entityId, at);
  return grants.reduce((sum, g) => sum.plus(g.remaining), new BillingDecimal(0));
}

/** credits.granted for a grant just issued (a purchase or a promotional grant); key credits.granted:<grantId>. */
export async function recordCreditsGranted(tx: Tx, organizationId: string, grant: GrantRow, at: Date): Promise<string> {
  return recordWebhookEvent(tx, {
    organizationId,
    entityId: grant.entityId,
    type: 'credits.granted',
    idempotencyKey: `credits.granted:${grant.id}`,
    payload: {
      grantId: grant.id,
      entityId: grant.entityId,
      source: grant.source,
      amount: moneyText(grant.original, grant.currency),
      currency: grant.currency,
      expiresAt: grant.expiresAt?.toISOString() ?? null,
      packageId: grant.packageId,
      sourceGrantId: grant.sourceGrantId,
      balance: moneyText(await usableBalance(tx, grant.entityId, at), grant.currency),
      grantedAt: at.toISOString(),
    },
  });
}

export interface TransferEvent {
  organizationId: string;
  transferId: string;
  fromEntityId: string;
  toEntityId: string;
  /** Already formatted (Money#toString), as the transfer's answer shows them. */
  amount: string;
  fromBalance: string;
  toBalance: string;
  currency: string;
  /** What the target received, in its currency, and the rate applied (null within one currency). */
  toAmount: string;
  toCurrency: string;
  rate: string | null;
  at: Date;
}

/** credits.transferred, on the source entity; key credits.transferred:<transferId>. */
export function recordCreditsTransferred(tx: Tx, t: TransferEvent): Promise<string> {
  return recordWebhookEvent(tx, {
    organizationId: t.organizationId,
    entityId: t.fromEntityId,
    type: 'credits.transferred',
    idempotencyKey: `credits.transferred:${t.transferId}`,
    payload: {
      transferId: t.transferId,
      fromEntityId: t.fromEntityId,
      toEntityId: t.toEntityId,
      amount: t.amount,
      currency: t.currency,
      toAmount: t.toAmount,
      toCurrency: t.toCurrency,
      rate: t.rate,
      fromBalance: t.fromBalance,
      toBalance: t.toBalance,
      transferredAt: t.at.toISOString(),
    },
  });
}
