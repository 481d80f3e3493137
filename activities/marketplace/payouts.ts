// The activities of payout:<payeeId> (workflows/payoutWorkflow.ts): a payee's funds per currency (on hold, available,
// domain/payoutTiming.ts), making a payout of what is available (at most one in transit per payee and currency), asking
// the payout provider to pay it, and settling it.
//
// Ledger: making a payout moves its amount from the payee's payable to payouts_in_transit (`payout`); paid moves it
// out of clearing (`payout_paid`); failed for good returns it to the payee's payable (`payout_failed`), to be paid
// with the next payout. A negative balance (a refund clawed back earnings already paid out) is netted: nothing is paid
// until what is available is positive again, and then only that.
import { Money, moneyText } from '../../domain/money.js';
import { payeeFunds, payoutDecision } from '../../domain/payoutTiming.js';
import type { PayoutSchedule } from '../../prisma/generated/client.js';
import type { Db, Prisma } from '../db.js';
import type { PayoutProvider, TransferResult } from '../payouts/payoutProvider.js';
import { tenantDbOf } from '../tenantDb.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { postLedgerTransaction } from './ledgerTransactions.js';

type Tx = Prisma.TransactionClient;

export const DEFAULT_PAYOUT_HOLD_DAYS = 5;
const DAY_MS = 86_400_000;

export interface PayeeRef {
  organizationId: string;
  payeeId: string;
}

export interface CurrencyFunds {
  currency: string;
  balance: string;
  pending: string;
  available: string;
  /** ISO instant the earliest pending credit becomes available; null when none is pending. */
  nextReleaseAt: string | null;
  /** no_payout_details: the payee has no payout token, so nothing is paid (its balance waits for one). */
  decision: 'pay' | 'nothing_available' | 'below_minimum' | 'no_payout_details';
  /** The payout of this currency still in transit (its provider call unanswered or being retried). */
  inTransit: { payoutId: string; attempts: number } | null;
}

export interface PayoutState {
  /** null when the payee no longer exists. */
  schedule: PayoutSchedule | null;
  holdDays: number;
  currencies: CurrencyFunds[];
}

/** The organization's security hold, in days. */
async function holdDays(tx: Pick<Tx, 'marketplaceSettings'>, organizationId: string): Promise<number> {
  const settings = await tx.marketplaceSettings.findUnique({ where: { organizationId } });
  return settings?.payoutHoldDays ?? DEFAULT_PAYOUT_HOLD_DAYS;
}

/** The funds of one payable account at `at`: its earnings credits younger than the hold are still pending. */
async function fundsOf(
  tx: Tx,
  account: { id: string; balance: Prisma.Decimal; currency: string },
  minimum: Money,
  hold: number,
  at: Date,
) {
  const since = new Date(at.getTime() - hold * DAY_MS);
  const credits = await tx.ledgerPosting.findMany({
    where: {
      accountId: account.id,
      createdAt: { gt: since },
      amount: { lt: 0 },
      transaction: { kind: 'work_payment' },
    },
    select: { amount: true, createdAt: true },
  });
  // The payable's (credit) balance, as what the payee is owed.
  const owed = Money.of(account.balance.negated().toString(), account.currency);
  const funds = payeeFunds(
    owed,
    credits.map((c) => ({ amount: Money.of(c.amount.negated().toString(), account.currency), postedAt: c.createdAt })),
    at,
    hold,
  );
  const decision = payoutDecision(funds.available, Money.of(minimum.amount, account.currency));
  return { owed, funds, decision };
}

export function createPayoutActivities(processDb: Db, provider: PayoutProvider) {
  return {
    /** What payout:<payeeId> decides with, per currency the payee has a balance in. */
    async payoutState(input: PayeeRef & { at: string }): Promise<PayoutState> {
      const db = await tenantDbOf(processDb, 'organization', input.organizationId);
      return db.$transaction(async (tx) => {
        const payee = await tx.payee.findFirst({ where: { id: input.payeeId, organizationId: input.organizationId } });
        const hold = await holdDays(tx, input.organizationId);
        if (!payee) return { schedule: null, holdDays: hold, currencies: [] };
        const accounts = await tx.ledgerAccount.findMany({
          where: { organizationId: input.organizationId, payeeId: payee.id, kind: 'payee_payable' },
          orderBy: { currency: 'asc' },
        });
        const currencies: CurrencyFunds[] = [];
        for (const account of accounts) {
          const minimum = Money.of(payee.payoutMinimum.toString(), account.currency);
          const { owed, funds, decision } = await fundsOf(tx, account, minimum, hold, new Date(input.at));
          const inTransit = await tx.payout.findFirst({
            where: { payeeId: payee.id, currency: account.currency, status: 'in_transit' },
          });
          currencies.push({
            currency: account.currency,
            balance: owed.toString(),
            pending: funds.pending.toString(),
            available: funds.available.toString(),
            nextReleaseAt: funds.nextReleaseAt?.toISOString() ?? null,
            decision: !payee.payoutToken ? 'no_payout_details' : decision.kind === 'pay' ? 'pay' : decision.reason,
            inTransit: inTransit ? { payoutId: inTransit.id, attempts: inTransit.attempts } : null,
          });
        }
        return { schedule: payee.payoutSchedule, holdDays: hold, currencies };
      });
    },

    /**
     * Pays out what is available in `currency`, when it is positive and at least the payee's minimum: the payout row and
     * its `payout` transaction in one database transaction, under the payee's lock. A payout already in transit is
     * returned instead (a retried activity never makes a second one).
     */
    async makePayout(
      input: PayeeRef & { currency: string; at: string },
    ): Promise<{ payoutId: string | null; amount: string | null; webhookEventIds: string[] }> {
      const db = await tenantDbOf(processDb, 'organization', input.organizationId);
      return db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "Payee" WHERE "id" = ${input.payeeId}::uuid FOR UPDATE`;
        const payee = await tx.payee.findFirst({ where: { id: input.payeeId, organizationId: input.organizationId } });
        if (!payee?.payoutToken) return { payoutId: null, amount: null, webhookEventIds: [] };
        const inTransit = await tx.payout.findFirst({
          where: { payeeId: payee.id, currency: input.currency, status: 'in_transit' },
        });
        if (inTransit) {
          return { payoutId: inTransit.id, amount: moneyText(inTransit.amount, input.currency), webhookEventIds: [] };
        }
        const account = await tx.ledgerAccount.findFirst({
          where: {
            organizationId: input.organizationId,
            payeeId: payee.id,
            kind: 'payee_payable',
            currency: input.currency,
          },
        });
        if (!account) return { payoutId: null, amount: null, webhookEventIds: [] };
        await tx.$queryRaw`SELECT 1 FROM "LedgerAccount" WHERE "id" = ${account.id}::uuid FOR UPDATE`;
        const fresh = await tx.ledgerAccount.findUniqueOrThrow({ where: { id: account.id } });
        const minimum = Money.of(payee.payoutMinimum.toString(), input.currency);
        const hold = await holdDays(tx, input.organizationId);
        const { decision } = await fundsOf(tx, fresh, minimum, hold, new Date(input.at));
        if (decision.kind !== 'pay') return { payoutId: null, amount: null, webhookEventIds: [] };
        const payout = await tx.payout.create({
          data: {
            organizationId: input.organizationId,
            payeeId: payee.id,
            amount: decision.amount.toString(),
            currency: input.currency,
            provider: provider.name,
          },
        });
        await postLedgerTransaction(tx, {
          organizationId: input.organizationId,
          kind: 'payout',
          currency: input.currency,
          idempotencyKey: `payout:${payout.id}`,
          description: `Payout to ${payee.name}`,
          payoutId: payout.id,
          at: new Date(input.at),
          postings: [
            { account: { kind: 'payee_payable', payeeId: payee.id }, amount: decision.amount },
            { account: { kind: 'payouts_in_transit' }, amount: decision.amount.negate() },
          ],
        });
        const id = await recordWebhookEvent(tx, {
          organizationId: input.organizationId,
          type: 'payout.created',
          idempotencyKey: `payout.created:${payout.id}`,
          payload: payoutPayload(payout, null),
        });
        return { payoutId: payout.id, amount: decision.amount.toString(), webhookEventIds: [id] };
      });
    },

    /** Asks the payout provider to pay attempt `attempt` of the payout (key payout:<id>:<attempt>). */
    async sendPayout(input: { organizationId: string; payoutId: string; attempt: number }): Promise<TransferResult> {
      const db = await tenantDbOf(processDb, 'organization', input.organizationId);
      const payout = await db.payout.findUniqueOrThrow({ where: { id: input.payoutId }, include: { payee: true } });
      if (payout.status === 'paid') return { status: 'paid', providerRef: payout.providerRef ?? '' };
      await db.payout.updateMany({
        where: { id: payout.id, attempts: { lt: input.attempt } },
        data: { attempts: input.attempt },
      });
      if (!payout.payee.payoutToken) {
        return {
          status: 'failed',
          errorCode: 'payout_details_missing',
          errorMessage: 'The payee has no payout token',
          retryable: false,
        };
      }
      // A timeout throws: the activity is retried with the same attempt, hence the same key.
      return provider.transfer({
        idempotencyKey: `payout:${payout.id}:${input.attempt}`,
        amount: Money.of(payout.amount.toString(), payout.currency).toString(),
        currency: payout.currency,
        destination: payout.payee.payoutToken,
        attempt: input.attempt,
        metadata: { payoutId: payout.id, payeeId: payout.payeeId, organizationId: input.organizationId },
      });
    },

    /** Records a payout's final outcome once, under its lock: paid, or failed with its money back on the balance. */
    async settlePayout(input: {
      organizationId: string;
      payoutId: string;
      outcome: 'paid' | 'failed';
      providerRef?: string | null;
      errorCode?: string | null;
      errorMessage?: string | null;
      at: string;
    }): Promise<{ webhookEventIds: string[] }> {
      const db = await tenantDbOf(processDb, 'organization', input.organizationId);
      return db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "Payout" WHERE "id" = ${input.payoutId}::uuid FOR UPDATE`;
        const payout = await tx.payout.findUniqueOrThrow({ where: { id: input.payoutId } });
        if (payout.status !== 'in_transit') return { webhookEventIds: [] };
        const amount = Money.of(payout.amount.toString(), payout.currency);
        const at = new Date(input.at);
        const paid = input.outcome === 'paid';
        await postLedgerTransaction(tx, {
          organizationId: input.organizationId,
          kind: paid ? 'payout_paid' : 'payout_failed',
          currency: payout.currency,
          idempotencyKey: `${paid ? 'payout_paid' : 'payout_failed'}:${payout.id}`,
          description: paid ? 'Payout paid by the payout provider' : 'Payout failed: returned to the balance',
          payoutId: payout.id,
          at,
          postings: paid
            ? [
                { account: { kind: 'payouts_in_transit' }, amount },
                { account: { kind: 'payment_clearing' }, amount: amount.negate() },
              ]
            : [
                { account: { kind: 'payouts_in_transit' }, amount },
                { account: { kind: 'payee_payable', payeeId: payout.payeeId }, amount: amount.negate() },
              ],
        });
        const updated = await tx.payout.update({
          where: { id: payout.id },
          data: paid
            ? { status: 'paid', providerRef: input.providerRef ?? null, paidAt: at }
            : {
                status: 'failed',
                failureCode: input.errorCode ?? null,
                failureMessage: input.errorMessage ?? null,
                failedAt: at,
              },
        });
        const id = await recordWebhookEvent(tx, {
          organizationId: input.organizationId,
          type: paid ? 'payout.paid' : 'payout.failed',
          idempotencyKey: `${paid ? 'payout.paid' : 'payout.failed'}:${payout.id}`,
          payload: payoutPayload(updated, paid ? null : (input.errorCode ?? null)),
        });
        return { webhookEventIds: [id] };
      });
    },
  };
}

function payoutPayload(
  payout: { id: string; payeeId: string; amount: Prisma.Decimal; currency: string; attempts: number; status: string },
  errorCode: string | null,
) {
  return {
    payoutId: payout.id,
    payeeId: payout.payeeId,
    amount: moneyText(payout.amount, payout.currency),
    currency: payout.currency,
    status: payout.status as 'in_transit' | 'paid' | 'failed',
    attempts: payout.attempts,
    errorCode,
  };
}
