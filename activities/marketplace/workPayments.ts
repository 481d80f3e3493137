// A client entity's payment for work (a contract, milestone or hourly period), charged through the payment provider.
//
// 1. Written `pending` under the client's idempotency key (work_payment:<key>, unique per organization), after every
//    check that could refuse it later: the entity, payee, plan and split rules are the organization's, the rules are in
//    force and of the right base, and the amount suits the plan (currency, minor units). The same request again finds
//    the row: a different body is 409 IDEMPOTENCY_KEY_CONFLICT, the same one answers what was recorded (or, for a row
//    still pending because the provider did not answer, asks the provider again with the same key).
// 2. Charged with the provider key work_payment:<id>, the same on every repeat, so the client is charged once.
// 3. The outcome recorded under the row's lock: on success the allocation is computed against the pair's lifetime
//    billings (the payee's row is locked, so two payments of one pair are placed on the tiers one after the other)
//    and posted to the ledger (work_payment, then work_payment_collected), with the work_payment.succeeded outbox row;
//    on failure nothing is posted and work_payment.failed is written. A `processing` answer (a provider that decides
//    later) leaves the row processing; nothing is posted until it succeeds.
import { parseCommissionPlan } from '../../domain/commissionPlans.js';
import { Money, moneyText } from '../../domain/money.js';
import { MARKETPLACE_PARTY, type SplitRuleDefinition } from '../../domain/revenueShare.js';
import { type AllocationLine, allocateWorkPayment } from '../../domain/workPaymentAllocation.js';
import type { Prisma, WorkPaymentKind } from '../../prisma/generated/client.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { chargeTarget } from '../payments/paymentCustomers.js';
import type { ChargeResult, PaymentProvider } from '../payments/paymentProvider.js';
import { ResourceConflictError, UnprocessableError } from '../resourceErrors.js';
import { recordWebhookEvent } from '../webhooks/outboxEvents.js';
import { planDefinition } from './commissionPlans.js';
import { postLedgerTransaction } from './ledgerTransactions.js';
import { ruleDefinition } from './splitRules.js';

type Tx = Prisma.TransactionClient;

export interface NewWorkPayment {
  entityId: string;
  payeeId: string;
  kind: WorkPaymentKind;
  reference: string;
  amount: string;
  currency: string;
  commissionPlanId: string;
  payeeSplitRuleId?: string | null | undefined;
  commissionSplitRuleId?: string | null | undefined;
  /** A provider token to charge instead of the entity's default payment method. */
  paymentMethod?: string | null | undefined;
  idempotencyKey: string;
}

/** Allocation lines as stored on the row and sent in webhooks: the marketplace's revenue has no payee. */
export interface StoredLine {
  kind: AllocationLine['kind'];
  payeeId: string | null;
  amount: string;
}

const storedLines = (lines: readonly AllocationLine[]): StoredLine[] =>
  lines.map((l) => ({
    kind: l.kind,
    payeeId: l.party === MARKETPLACE_PARTY ? null : l.party,
    amount: l.amount.toString(),
  }));

async function activeRule(
  tx: Tx,
  organizationId: string,
  id: string | null | undefined,
  base: SplitRuleDefinition['appliesTo'],
  field: string,
  at: Date,
): Promise<SplitRuleDefinition | null> {
  if (!id) return null;
  const row = await tx.splitRule.findFirst({ where: { id, organizationId } });
  if (!row) throw new UnprocessableError('UNKNOWN_SPLIT_RULE', `No split rule ${id} in this organization`, field);
  if (row.appliesTo !== base) {
    throw new UnprocessableError(
      'SPLIT_RULE_BASE_MISMATCH',
      `Split rule ${id} applies to ${row.appliesTo}, not ${base}`,
      field,
    );
  }
  if ((row.validFrom && at < row.validFrom) || (row.validUntil && at >= row.validUntil)) {
    throw new UnprocessableError('SPLIT_RULE_NOT_IN_FORCE', `Split rule ${id} is not in force now`, field);
  }
  return ruleDefinition(row);
}

/** The terms a payment is charged under, checked before the charge so that recording its success cannot fail. */
async function checkedTerms(tx: Tx, organizationId: string, input: NewWorkPayment, at: Date) {
  const entity = await tx.entity.findFirst({ where: { id: input.entityId, organizationId, deletedAt: null } });
  if (!entity)
    throw new UnprocessableError('UNKNOWN_ENTITY', `No entity ${input.entityId} in this organization`, 'entityId');
  const payee = await tx.payee.findFirst({ where: { id: input.payeeId, organizationId } });
  if (!payee)
    throw new UnprocessableError('UNKNOWN_PAYEE', `No payee ${input.payeeId} in this organization`, 'payeeId');
  const planRow = await tx.commissionPlan.findFirst({ where: { id: input.commissionPlanId, organizationId } });
  if (!planRow) {
    throw new UnprocessableError(
      'UNKNOWN_COMMISSION_PLAN',
      `No commission plan ${input.commissionPlanId} in this organization`,
      'commissionPlanId',
    );
  }
  const plan = parseCommissionPlan(planDefinition(planRow));
  // Refuses another currency, a non-positive amount or one finer than the minor unit (INVALID_WORK_PAYMENT).
  plan.commission(Money.of(input.amount, input.currency), Money.zero(input.currency));
  const payeeSplit = await activeRule(
    tx,
    organizationId,
    input.payeeSplitRuleId,
    'payee_amount',
    'payeeSplitRuleId',
    at,
  );
  const commissionSplit = await activeRule(
    tx,
    organizationId,
    input.commissionSplitRuleId,
    'commission',
    'commissionSplitRuleId',
    at,
  );
  return { entity, payee, plan, payeeSplit, commissionSplit };
}

export interface RecordedWorkPayment {
  workPaymentId: string;
  replayed: boolean;
  webhookEventIds: string[];
}

export async function createWorkPayment(
  db: Db,
  provider: PaymentProvider,
  actor: Actor,
  organizationId: string,
  input: NewWorkPayment,
  now: Date = new Date(),
): Promise<RecordedWorkPayment> {
  const key = `work_payment:${input.idempotencyKey}`;
  const amount = Money.of(input.amount, input.currency);
  const { row, replayed } = await db.$transaction(async (tx) => {
    const existing = await tx.workPayment.findUnique({
      where: { organizationId_idempotencyKey: { organizationId, idempotencyKey: key } },
    });
    if (existing) {
      const same =
        existing.entityId === input.entityId &&
        existing.payeeId === input.payeeId &&
        existing.currency === input.currency &&
        Money.of(existing.amount.toString(), existing.currency).equals(amount) &&
        existing.commissionPlanId === input.commissionPlanId;
      if (!same) {
        throw new ResourceConflictError(
          'IDEMPOTENCY_KEY_CONFLICT',
          'this idempotency key was used for another work payment',
        );
      }
      return { row: existing, replayed: true };
    }
    const { entity } = await checkedTerms(tx, organizationId, input, now);
    const created = await tx.workPayment.create({
      data: {
        organizationId,
        entityId: entity.id,
        payeeId: input.payeeId,
        kind: input.kind,
        reference: input.reference,
        amount: amount.toString(),
        currency: amount.currency,
        commissionPlanId: input.commissionPlanId,
        payeeSplitRuleId: input.payeeSplitRuleId ?? null,
        commissionSplitRuleId: input.commissionSplitRuleId ?? null,
        provider: provider.name,
        paymentMethod: input.paymentMethod ?? entity.defaultPaymentMethod ?? provider.fallbackPaymentMethod ?? null,
        idempotencyKey: key,
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'work_payment.create',
      targetType: 'work_payment',
      targetId: created.id,
      after: created,
    });
    return { row: created, replayed: false };
  });
  if (row.status !== 'pending') return { workPaymentId: row.id, replayed, webhookEventIds: [] };

  const entity = await db.entity.findUniqueOrThrow({ where: { id: row.entityId } });
  let outcome: ChargeResult;
  if (!row.paymentMethod) {
    outcome = {
      status: 'failed',
      providerRef: null,
      errorCode: 'payment_method_missing',
      errorMessage: 'The entity has no payment method',
    };
  } else if (!provider.supportsCurrency(row.currency)) {
    outcome = {
      status: 'failed',
      providerRef: null,
      errorCode: 'currency_not_supported',
      errorMessage: `${provider.name} cannot charge in ${row.currency}`,
    };
  } else {
    const target = await chargeTarget(db, provider, entity, row.paymentMethod);
    // A timeout propagates (the API answers 503): the row stays pending and the same request asks again, same key.
    outcome = await provider.charge({
      idempotencyKey: `work_payment:${row.id}`,
      amount: Money.of(row.amount.toString(), row.currency).toString(),
      currency: row.currency,
      paymentMethod: row.paymentMethod,
      customerRef: target.customerRef,
      attempt: 1,
      description: `Work payment ${row.reference}`,
      metadata: { workPaymentId: row.id, organizationId, entityId: row.entityId },
    });
  }
  const webhookEventIds = await recordWorkPaymentOutcome(db, row.id, outcome, now);
  return { workPaymentId: row.id, replayed, webhookEventIds };
}

/** Records the provider's answer once (under the row's lock); returns the outbox rows it wrote. */
export async function recordWorkPaymentOutcome(
  db: Db,
  workPaymentId: string,
  outcome: ChargeResult,
  at: Date,
): Promise<string[]> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "WorkPayment" WHERE "id" = ${workPaymentId}::uuid FOR UPDATE`;
    const row = await tx.workPayment.findUniqueOrThrow({ where: { id: workPaymentId } });
    if (row.status === 'succeeded' || row.status === 'failed') return [];
    const base = {
      workPaymentId: row.id,
      entityId: row.entityId,
      payeeId: row.payeeId,
      kind: row.kind,
      reference: row.reference,
      amount: moneyText(row.amount, row.currency),
      currency: row.currency,
    };
    if (outcome.status === 'processing') {
      await tx.workPayment.update({
        where: { id: row.id },
        data: { status: 'processing', providerRef: outcome.providerRef },
      });
      return [];
    }
    if (outcome.status === 'failed') {
      await tx.workPayment.update({
        where: { id: row.id },
        data: {
          status: 'failed',
          providerRef: outcome.providerRef,
          failureCode: outcome.errorCode,
          failureMessage: outcome.errorMessage,
        },
      });
      const id = await recordWebhookEvent(tx, {
        organizationId: row.organizationId,
        entityId: row.entityId,
        type: 'work_payment.failed',
        idempotencyKey: `work_payment.failed:${row.id}`,
        payload: { ...base, commission: null, lines: [], errorCode: outcome.errorCode },
      });
      return [id];
    }

    // Succeeded: place it on the pair's tiers (the payee's lock orders the pair's payments) and post it.
    await tx.$queryRaw`SELECT 1 FROM "Payee" WHERE "id" = ${row.payeeId}::uuid FOR UPDATE`;
    const earlier = await tx.workPayment.aggregate({
      where: {
        entityId: row.entityId,
        payeeId: row.payeeId,
        currency: row.currency,
        status: 'succeeded',
        id: { not: row.id },
      },
      _sum: { amount: true },
    });
    const planRow = await tx.commissionPlan.findUniqueOrThrow({ where: { id: row.commissionPlanId } });
    const rule = async (id: string | null) =>
      id ? ruleDefinition(await tx.splitRule.findUniqueOrThrow({ where: { id } })) : null;
    const payment = Money.of(row.amount.toString(), row.currency);
    const allocation = allocateWorkPayment({
      payment,
      priorBillings: Money.of(earlier._sum.amount?.toString() ?? '0', row.currency),
      plan: parseCommissionPlan(planDefinition(planRow)),
      freelancerPayeeId: row.payeeId,
      payeeSplit: await rule(row.payeeSplitRuleId),
      commissionSplit: await rule(row.commissionSplitRuleId),
    });
    const lines = storedLines(allocation.lines);
    await postLedgerTransaction(tx, {
      organizationId: row.organizationId,
      kind: 'work_payment',
      currency: row.currency,
      idempotencyKey: `work_payment:${row.id}`,
      description: `Work payment ${row.reference}`,
      workPaymentId: row.id,
      at,
      postings: [
        { account: { kind: 'client_receivable' }, amount: payment },
        ...allocation.lines.map((line) => ({
          account:
            line.party === MARKETPLACE_PARTY
              ? { kind: 'marketplace_revenue' as const }
              : { kind: 'payee_payable' as const, payeeId: line.party },
          amount: line.amount.negate(),
        })),
      ],
    });
    await postLedgerTransaction(tx, {
      organizationId: row.organizationId,
      kind: 'work_payment_collected',
      currency: row.currency,
      idempotencyKey: `work_payment_collected:${row.id}`,
      description: `Work payment ${row.reference} collected by ${row.provider}`,
      workPaymentId: row.id,
      at,
      postings: [
        { account: { kind: 'payment_clearing' }, amount: payment },
        { account: { kind: 'client_receivable' }, amount: payment.negate() },
      ],
    });
    await tx.workPayment.update({
      where: { id: row.id },
      data: {
        status: 'succeeded',
        providerRef: outcome.providerRef,
        commission: allocation.commission.toString(),
        allocation: lines as unknown as Prisma.InputJsonValue,
        succeededAt: at,
      },
    });
    const id = await recordWebhookEvent(tx, {
      organizationId: row.organizationId,
      entityId: row.entityId,
      type: 'work_payment.succeeded',
      idempotencyKey: `work_payment.succeeded:${row.id}`,
      payload: { ...base, commission: allocation.commission.toString(), lines, errorCode: null },
    });
    return [id];
  });
}
