// A refund of all or part of a succeeded work payment, through the payment provider, and the claw-back of what it
// had paid to the payees and the marketplace.
//
// Written `pending` first, under the work payment's lock and the client's key (<workPaymentId>:<key>, unique per
// organization), the amount checked against what was paid minus every refund not failed (REFUND_EXCEEDS_PAID), so two
// refunds at once never return more than was paid. Then asked of the provider with work_payment_refund:<id> (the same
// on every repeat). When the provider accepts it, under the work payment's lock again: the refund's share of every
// allocation line (domain/workPaymentAllocation.ts clawBack, proportional, exact to the cent) is posted back
// (work_payment_refund: revenue and payee payables debited, refunds credited) and paid out of clearing
// (work_payment_refund_paid). A payee's balance may go negative (its earnings were paid out already): it is carried and
// netted against what the payee earns next. A refused refund posts nothing and answers 402 REFUND_FAILED.
import { Money, moneyText } from '../../domain/money.js';
import { refundAmount } from '../../domain/refunds.js';
import { MARKETPLACE_PARTY } from '../../domain/revenueShare.js';
import { clawBack, type WorkPaymentAllocation } from '../../domain/workPaymentAllocation.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import type { PaymentProvider, RefundResult } from '../payments/paymentProvider.js';
import { ResourceConflictError, ResourceNotFoundError } from '../resourceErrors.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { postLedgerTransaction } from './ledgerTransactions.js';
import type { StoredLine } from './workPayments.js';

type Tx = Prisma.TransactionClient;

export interface WorkPaymentRefundRequest {
  /** Default: everything still refundable. */
  amount?: string | undefined;
  idempotencyKey: string;
}

async function lockWorkPayment(tx: Tx, organizationId: string, workPaymentId: string) {
  await tx.$queryRaw`SELECT 1 FROM "WorkPayment" WHERE "id" = ${workPaymentId}::uuid FOR UPDATE`;
  return tx.workPayment.findFirst({ where: { id: workPaymentId, organizationId } });
}

export async function refundWorkPayment(
  db: Db,
  provider: PaymentProvider,
  actor: Actor,
  organizationId: string,
  workPaymentId: string,
  request: WorkPaymentRefundRequest,
  now: Date = new Date(),
): Promise<{ refundId: string; replayed: boolean; webhookEventIds: string[] }> {
  const key = `${workPaymentId}:${request.idempotencyKey}`;
  const { refund, replayed } = await db.$transaction(async (tx) => {
    const payment = await lockWorkPayment(tx, organizationId, workPaymentId);
    if (!payment) throw new ResourceNotFoundError('work payment');
    const existing = await tx.workPaymentRefund.findUnique({
      where: { organizationId_idempotencyKey: { organizationId, idempotencyKey: key } },
    });
    if (existing) {
      const same =
        request.amount === undefined ||
        Money.of(request.amount, payment.currency).equals(Money.of(existing.amount.toString(), payment.currency));
      if (!same) {
        throw new ResourceConflictError('IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used for another refund');
      }
      return { refund: existing, replayed: true };
    }
    if (payment.status !== 'succeeded') {
      throw new ResourceConflictError(
        'WORK_PAYMENT_NOT_REFUNDABLE',
        `A ${payment.status} work payment has nothing to refund`,
      );
    }
    const others = await tx.workPaymentRefund.findMany({
      where: { workPaymentId, status: { not: 'failed' } },
      select: { amount: true },
    });
    const amount = refundAmount(
      request.amount === undefined ? null : Money.of(request.amount, payment.currency),
      Money.of(payment.amount.toString(), payment.currency),
      Money.sum(
        others.map((r) => Money.of(r.amount.toString(), payment.currency)),
        payment.currency,
      ),
    );
    const created = await tx.workPaymentRefund.create({
      data: {
        organizationId,
        workPaymentId,
        amount: amount.toString(),
        currency: payment.currency,
        idempotencyKey: key,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'work_payment.refund',
      targetType: 'work_payment',
      targetId: workPaymentId,
      before: { amountRefunded: payment.amountRefunded.toString() },
      after: { refundId: created.id, amount: amount.toString() },
    });
    return { refund: created, replayed: false };
  });
  if (refund.status !== 'pending') return { refundId: refund.id, replayed, webhookEventIds: [] };

  const payment = await db.workPayment.findUniqueOrThrow({ where: { id: workPaymentId } });
  // A timeout propagates (503): the refund stays pending and the same request asks again with the same key.
  const outcome = await provider.refund({
    idempotencyKey: `work_payment_refund:${refund.id}`,
    paymentRef: payment.providerRef ?? '',
    amount: Money.of(refund.amount.toString(), refund.currency).toString(),
    currency: refund.currency,
    metadata: { workPaymentId, workPaymentRefundId: refund.id, organizationId },
  });
  const webhookEventIds = await recordWorkPaymentRefundOutcome(db, organizationId, refund.id, outcome, now);
  return { refundId: refund.id, replayed, webhookEventIds };
}

/** The stored allocation as the domain's, for clawBack. */
function allocationOf(payment: { amount: unknown; currency: string; commission: unknown; allocation: unknown }) {
  const currency = payment.currency;
  return {
    payment: Money.of(String(payment.amount), currency),
    commission: Money.of(String(payment.commission ?? '0'), currency),
    lines: (payment.allocation as StoredLine[]).map((line) => ({
      kind: line.kind,
      party: line.payeeId ?? MARKETPLACE_PARTY,
      amount: Money.of(line.amount, currency),
    })),
  } satisfies WorkPaymentAllocation;
}

export async function recordWorkPaymentRefundOutcome(
  db: Db,
  organizationId: string,
  refundId: string,
  outcome: RefundResult,
  at: Date,
): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const pending = await tx.workPaymentRefund.findUniqueOrThrow({ where: { id: refundId } });
    const payment = await lockWorkPayment(tx, organizationId, pending.workPaymentId);
    const refund = await tx.workPaymentRefund.findUniqueOrThrow({ where: { id: refundId } });
    if (!payment || refund.status !== 'pending') return [];
    if (outcome.status === 'failed') {
      await tx.workPaymentRefund.update({
        where: { id: refund.id },
        data: {
          status: 'failed',
          providerRef: outcome.providerRef,
          failureCode: outcome.errorCode,
          failureMessage: outcome.errorMessage,
        },
      });
      return [];
    }
    // Accepted (succeeded, or pending payout at the provider): the money is on its way back, the shares come back now.
    const currency = payment.currency;
    const amount = Money.of(refund.amount.toString(), currency);
    const refundedBefore = Money.of(payment.amountRefunded.toString(), currency);
    const allocation = allocationOf(payment);
    const parts = clawBack(allocation, refundedBefore, amount);
    await postLedgerTransaction(tx, {
      organizationId,
      kind: 'work_payment_refund',
      currency,
      idempotencyKey: `work_payment_refund:${refund.id}`,
      description: `Refund of work payment ${payment.reference}`,
      workPaymentId: payment.id,
      at,
      postings: [
        ...allocation.lines.map((line, i) => ({
          account:
            line.party === MARKETPLACE_PARTY
              ? { kind: 'marketplace_revenue' as const }
              : { kind: 'payee_payable' as const, payeeId: line.party },
          amount: parts[i] as Money,
        })),
        { account: { kind: 'refunds' }, amount: amount.negate() },
      ],
    });
    await postLedgerTransaction(tx, {
      organizationId,
      kind: 'work_payment_refund_paid',
      currency,
      idempotencyKey: `work_payment_refund_paid:${refund.id}`,
      description: `Refund of work payment ${payment.reference} paid out by ${payment.provider}`,
      workPaymentId: payment.id,
      at,
      postings: [
        { account: { kind: 'refunds' }, amount },
        { account: { kind: 'payment_clearing' }, amount: amount.negate() },
      ],
    });
    const amountRefunded = refundedBefore.add(amount);
    await tx.workPayment.update({ where: { id: payment.id }, data: { amountRefunded: amountRefunded.toString() } });
    await tx.workPaymentRefund.update({
      where: { id: refund.id },
      data: { status: 'succeeded', providerRef: outcome.providerRef, succeededAt: at },
    });
    const id = await recordWebhookEvent(tx, {
      organizationId,
      entityId: payment.entityId,
      type: 'work_payment.refunded',
      idempotencyKey: `work_payment.refunded:${refund.id}`,
      payload: {
        workPaymentId: payment.id,
        refundId: refund.id,
        entityId: payment.entityId,
        amount: amount.toString(),
        amountRefunded: amountRefunded.toString(),
        currency,
        clawedBack: allocation.lines.map((line, i) => ({
          kind: line.kind,
          payeeId: line.party === MARKETPLACE_PARTY ? null : line.party,
          amount: moneyText((parts[i] as Money).amount, currency),
        })),
      },
    });
    return [id];
  });
}
