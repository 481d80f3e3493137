// The write path of the marketplace's double-entry ledger: the only code that writes LedgerTransaction,
// LedgerPosting and account balances. A transaction is checked to balance (domain/ledgerPostings.ts) before anything
// is written, and is written once: its key (unique per organization) makes a repeat return the first one unchanged.
// Accounts are created on first use and locked (FOR UPDATE, in key order, so two writers never deadlock) while their
// balance moves with the postings, in the caller's database transaction. Callers hold the lock of the transaction's
// cause (its work payment), so two writers of one key never race to the unique index.

import { balancedPostings } from '../../domain/ledgerPostings.js';
import type { Money } from '../../domain/money.js';
import type { LedgerAccountKind } from '../../prisma/generated/client.js';
import type { Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export type LedgerTransactionKind =
  // A client billed for work: receivable against revenue and the payees' shares.
  | 'work_payment'
  // The provider took the client's money: clearing against receivable.
  | 'work_payment_collected'
  // Money returned to a client: the shares clawed back against refunds...
  | 'work_payment_refund'
  // ...and refunds paid out of clearing.
  | 'work_payment_refund_paid'
  // A payout made: the payee's payable against payouts in transit...
  | 'payout'
  // ...paid by the payout provider: in transit out of clearing...
  | 'payout_paid'
  // ...or failed for good: in transit back to the payee's payable.
  | 'payout_failed';

export interface AccountRef {
  kind: LedgerAccountKind;
  /** For payee accounts. */
  payeeId?: string | null;
}

export interface LedgerTransactionInput {
  organizationId: string;
  kind: LedgerTransactionKind;
  currency: string;
  idempotencyKey: string;
  description: string;
  workPaymentId?: string | null;
  payoutId?: string | null;
  /** When it happened (its cause's time: what a payee's security hold counts from); default now. */
  at?: Date | undefined;
  postings: Array<{ account: AccountRef; amount: Money }>;
}

export const accountKey = (account: AccountRef, currency: string) =>
  account.payeeId ? `${account.kind}:${account.payeeId}:${currency}` : `${account.kind}:${currency}`;

/** Returns the transaction's id, and whether this call wrote it (false: it was written before with this key). */
export async function postLedgerTransaction(
  tx: Tx,
  input: LedgerTransactionInput,
): Promise<{ transactionId: string; created: boolean }> {
  const postings = balancedPostings(input.currency, input.postings);
  const existing = await tx.ledgerTransaction.findUnique({
    where: {
      organizationId_idempotencyKey: { organizationId: input.organizationId, idempotencyKey: input.idempotencyKey },
    },
    select: { id: true },
  });
  if (existing) return { transactionId: existing.id, created: false };

  // One row per account, then lock them all in key order.
  const keys = [...new Set(postings.map((p) => accountKey(p.account, input.currency)))].sort();
  await tx.ledgerAccount.createMany({
    data: keys.map((key) => {
      const account = postings.find((p) => accountKey(p.account, input.currency) === key)?.account as AccountRef;
      return {
        organizationId: input.organizationId,
        kind: account.kind,
        payeeId: account.payeeId ?? null,
        currency: input.currency,
        key,
      };
    }),
    skipDuplicates: true,
  });
  const locked = await tx.$queryRaw<Array<{ id: string; key: string }>>`
    SELECT "id"::text AS id, "key" FROM "LedgerAccount"
    WHERE "organizationId" = ${input.organizationId}::uuid AND "key" = ANY (${keys}::text[])
    ORDER BY "key" FOR UPDATE`;
  const idOf = new Map(locked.map((row) => [row.key, row.id]));

  const transaction = await tx.ledgerTransaction.create({
    data: {
      organizationId: input.organizationId,
      kind: input.kind,
      currency: input.currency,
      idempotencyKey: input.idempotencyKey,
      description: input.description,
      workPaymentId: input.workPaymentId ?? null,
      payoutId: input.payoutId ?? null,
      ...(input.at ? { createdAt: input.at } : {}),
    },
    select: { id: true },
  });
  await tx.ledgerPosting.createMany({
    data: postings.map((p) => ({
      organizationId: input.organizationId,
      transactionId: transaction.id,
      accountId: idOf.get(accountKey(p.account, input.currency)) as string,
      amount: p.amount.toString(),
      currency: input.currency,
      ...(input.at ? { createdAt: input.at } : {}),
    })),
  });
  for (const posting of postings) {
    await tx.ledgerAccount.update({
      where: { id: idOf.get(accountKey(posting.account, input.currency)) as string },
      data: { balance: { increment: posting.amount.toString() } },
    });
  }
  return { transactionId: transaction.id, created: true };
}
