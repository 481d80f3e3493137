// The credit of a downgrade (fewer seats, a cheaper plan, a pause, an immediate cancel: a change settled
// credit_next_invoice) under the organization's `refund` policy: refunded in cash instead of reducing the next invoice.
// In the change's own transaction (so a retried change writes them once, keyed downgrade:<sub>:<change>:<invoice>):
//   - pending refunds over the entity's paid invoices, newest first, each up to what is still refundable on it
//     (domain/refunds.ts allocateCreditRefund), through the payment that paid it;
//   - an adjustment item of the refunded amount, so the next invoice does not credit it a second time (its proration
//     lines still show the credit; the adjustment shows it was paid out).
// What no paid invoice can take stays a credit on the next invoice, as under carry_forward. The subscription workflow
// carries the refunds out after the change (executeRefunds); the reconciliation schedule runs any left pending.
import { Money } from '../../domain/money.js';
import { allocateCreditRefund } from '../../domain/refunds.js';
import type { Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export interface DowngradeCredit {
  organizationId: string;
  entityId: string;
  subscriptionId: string;
  changeId: string;
  /** The change's net, negative (a credit), rounded to the minor unit. */
  net: Money;
}

export async function writeDowngradeRefunds(tx: Tx, credit: DowngradeCredit): Promise<string[]> {
  if (!credit.net.isNegative()) return [];
  const org = await tx.organization.findUniqueOrThrow({
    where: { id: credit.organizationId },
    select: { downgradeCreditPolicy: true },
  });
  if (org.downgradeCreditPolicy !== 'refund') return [];
  const currency = credit.net.currency;
  const invoices = await tx.invoice.findMany({
    where: { entityId: credit.entityId, status: 'paid', currency, amountPaid: { gt: 0 } },
    orderBy: [{ paidAt: 'desc' }, { id: 'desc' }],
    take: 24,
    include: {
      payments: { where: { status: 'succeeded', provider: { not: 'out_of_band' } }, orderBy: { succeededAt: 'asc' } },
      refunds: { where: { status: { not: 'failed' } }, select: { amount: true } },
    },
  });
  const targets = invoices
    .filter((i) => i.payments.length > 0)
    .map((i) => ({
      id: i.id,
      refundable: Money.of(i.amountPaid.toString(), currency).subtract(
        Money.sum(
          i.refunds.map((r) => Money.of(r.amount.toString(), currency)),
          currency,
        ),
      ),
    }));
  const allocation = allocateCreditRefund(credit.net.negate(), targets);
  if (allocation.parts.length === 0) return [];
  const byId = new Map(invoices.map((i) => [i.id, i]));
  const ids: string[] = [];
  for (const part of allocation.parts) {
    const invoice = byId.get(part.id)!;
    const payment = invoice.payments[0]!;
    const refund = await tx.refund.upsert({
      where: { idempotencyKey: `downgrade:${credit.subscriptionId}:${credit.changeId}:${invoice.id}` },
      create: {
        organizationId: credit.organizationId,
        entityId: credit.entityId,
        invoiceId: invoice.id,
        paymentId: payment.id,
        kind: 'downgrade_credit',
        amount: part.amount.toString(),
        currency,
        provider: payment.provider,
        reason: 'downgrade_credit',
        idempotencyKey: `downgrade:${credit.subscriptionId}:${credit.changeId}:${invoice.id}`,
        subscriptionId: credit.subscriptionId,
        changeId: credit.changeId,
      },
      update: {},
    });
    ids.push(refund.id);
  }
  const refunded = credit.net.negate().subtract(allocation.remainder);
  await tx.invoiceItem.createMany({
    data: [
      {
        entityId: credit.entityId,
        subscriptionId: credit.subscriptionId,
        kind: 'adjustment',
        description: 'Downgrade credit refunded in cash (credit notes)',
        amount: refunded.toString(),
        currency,
        idempotencyKey: `downgrade-refunded:${credit.subscriptionId}:${credit.changeId}`,
        metadata: { changeId: credit.changeId, refundIds: ids },
      },
    ],
    skipDuplicates: true,
  });
  return ids;
}
