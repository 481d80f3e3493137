// Payees: the freelancers, agencies and referral partners an organization pays out to. Payout details are the payout
// provider's token only (like payment methods: no bank or card number reaches the platform); the balance of a payee
// is its payee_payable accounts, one per currency (payeeBalances).
import { moneyText } from '../../domain/money.js';
import type { PayeeKind, PayoutSchedule } from '../../prisma/generated/client.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { UnprocessableError } from '../resourceErrors.js';

export interface NewPayee {
  kind: PayeeKind;
  name: string;
  externalRef?: string | null | undefined;
  payoutProvider?: string | null | undefined;
  payoutToken?: string | null | undefined;
  payoutSchedule?: PayoutSchedule | undefined;
  payoutMinimum?: string | undefined;
}

export async function createPayee(db: Db, actor: Actor, organizationId: string, input: NewPayee) {
  if ((input.payoutProvider == null) !== (input.payoutToken == null)) {
    throw new UnprocessableError(
      'PAYOUT_DETAILS_INCOMPLETE',
      'payoutProvider and payoutToken are given together (the token is the provider’s)',
      input.payoutToken == null ? 'payoutToken' : 'payoutProvider',
    );
  }
  return db.$transaction(async (tx) => {
    const payee = await tx.payee.create({
      data: {
        organizationId,
        kind: input.kind,
        name: input.name,
        externalRef: input.externalRef ?? null,
        payoutProvider: input.payoutProvider ?? null,
        payoutToken: input.payoutToken ?? null,
        payoutSchedule: input.payoutSchedule ?? 'weekly',
        payoutMinimum: input.payoutMinimum ?? '0',
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'payee.create',
      targetType: 'payee',
      targetId: payee.id,
      after: payee,
    });
    return payee;
  });
}

export async function listPayees(
  db: Db,
  organizationId: string,
  filter: { kind?: PayeeKind | undefined },
  page: PageRequest,
) {
  const args = pageArgs(page);
  const rows = await db.payee.findMany({
    ...args,
    where: { AND: [args.where, { organizationId }, filter.kind ? { kind: filter.kind } : {}] },
  });
  return toPage(rows, page);
}

export async function findPayee(db: Db, organizationId: string, id: string) {
  return db.payee.findFirst({ where: { id, organizationId } });
}

export interface PayeeBalance {
  currency: string;
  /** What the marketplace owes the payee: minus the payable account's (credit) balance; negative after claw-backs. */
  balance: string;
}

export async function payeeBalances(db: Db, organizationId: string, payeeId: string): Promise<PayeeBalance[]> {
  const accounts = await db.ledgerAccount.findMany({
    where: { organizationId, payeeId, kind: 'payee_payable' },
    orderBy: { currency: 'asc' },
  });
  return accounts.map((a) => ({ currency: a.currency, balance: moneyText(a.balance.negated(), a.currency) }));
}
