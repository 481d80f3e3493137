// A payee's statement for a period [from, to) in one currency: its balance at the start, every movement of its
// payable account in the period (earnings and referral shares, claw-backs of refunds, payouts and their returns), and
// its balance at the end. From the ledger only, so opening + movements = closing by construction of the postings.
import { Money } from '../../domain/money.js';
import type { Db } from '../db.js';

export interface PayeeStatement {
  payee: { id: string; name: string; kind: string };
  organization: { name: string };
  currency: string;
  from: Date;
  to: Date;
  /** What the payee was owed at `from` (negative: it owed a claw-back). */
  opening: Money;
  closing: Money;
  lines: Array<{ at: Date; kind: string; description: string; amount: Money }>;
}

export async function payeeStatement(
  db: Db,
  organizationId: string,
  payeeId: string,
  period: { currency: string; from: Date; to: Date },
): Promise<PayeeStatement | null> {
  const payee = await db.payee.findFirst({ where: { id: payeeId, organizationId } });
  if (!payee) return null;
  const organization = await db.organization.findUniqueOrThrow({ where: { id: organizationId } });
  const account = await db.ledgerAccount.findFirst({
    where: { organizationId, payeeId, kind: 'payee_payable', currency: period.currency },
  });
  const zero = Money.zero(period.currency);
  // Credits to the payable are what the payee is owed: shown with the sign turned (earnings positive).
  const owed = (amount: { toString(): string }) => Money.of(amount.toString(), period.currency).negate();
  let opening = zero;
  let lines: PayeeStatement['lines'] = [];
  if (account) {
    const before = await db.ledgerPosting.aggregate({
      where: { accountId: account.id, createdAt: { lt: period.from } },
      _sum: { amount: true },
    });
    opening = before._sum.amount ? owed(before._sum.amount) : zero;
    const postings = await db.ledgerPosting.findMany({
      where: { accountId: account.id, createdAt: { gte: period.from, lt: period.to } },
      include: { transaction: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    lines = postings.map((p) => ({
      at: p.createdAt,
      kind: p.transaction.kind,
      description: p.transaction.description,
      amount: owed(p.amount),
    }));
  }
  const closing = lines.reduce((sum, line) => sum.add(line.amount), opening);
  return {
    payee: { id: payee.id, name: payee.name, kind: payee.kind },
    organization: { name: organization.name },
    currency: period.currency,
    from: period.from,
    to: period.to,
    opening,
    closing,
    lines,
  };
}
