// Moves credits between two entities of the same organization, atomically and idempotently.
//
// The amount is drawn from the source's grants in draw order (planDrawdown: earliest expiry first, then priority,
// then oldest); for every source grant drawn, the target gets a new grant (source transfer, sourceGrantId set) with
// the same expiry and priority, so transferred credits never live longer than they would have. Ledger entries:
// transfer_out (negative) on the source grant, transfer_in (positive, the new grant's opening entry) on the new one.
// The source must hold the whole amount (INSUFFICIENT_CREDITS otherwise).
//
// Entities of different currencies: the amount (in the source's currency) is converted at the rate in force now
// (activities/exchangeRates/rateInForce.ts; 422 NO_EXCHANGE_RATE when the organization holds none) or at the rate
// given in the request, rounded once, half-even, to the target currency's minor unit (domain/currencyConversion.ts);
// that converted total is split over the target grants in proportion to the source grants drawn (Money.allocate, so
// the parts sum to it exactly). Both ledger entries of every leg carry the exchange (LedgerEntry.conversion: the
// rate, how it was found, the stored rates or the request's rate behind it, and the other side's amount).
//
// Idempotency: (organization, idempotencyKey). Under a transaction-scoped advisory lock on that key the transfer is
// recorded as an AuditLog row (targetType credit_transfer, targetId = key) holding the request and the result; a
// repeat returns the stored result, the same key with another request is IDEMPOTENCY_KEY_CONFLICT. Both entity rows
// are locked in id order, so concurrent transfers in opposite directions cannot deadlock.
import { createHash } from 'node:crypto';
import type { Decimal } from 'decimal.js';
import { planDrawdown } from '../../domain/creditDrawdown.js';
import {
  type AppliedRate,
  type AppliedRateJSON,
  appliedRateToJSON,
  convert,
  parseRate,
} from '../../domain/currencyConversion.js';
import { BillingDecimal, Money, toDecimal } from '../../domain/money.js';
import { type Actor, recordAudit, SYSTEM_ACTOR } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { loadRateInForce, requestRate } from '../exchangeRates/rateInForce.js';
import { balanceCrossings, insertOutboxRows } from '../metering/outboxRows.js';
import { uuidv7 } from '../metering/uuidv7.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';
import { recordCreditsTransferred } from './creditEvents.js';
import { type CreditGrantView, creditGrantView } from './creditGrantView.js';
import { type LockedCreditEntity, lockCreditEntity, usableGrants } from './entityCreditState.js';
import { issueCreditGrant } from './issueCreditGrant.js';

export interface TransferInput {
  fromEntityId: string;
  toEntityId: string;
  amount: string;
  idempotencyKey: string;
  description?: string | undefined;
  /** Units of the target's currency per unit of the source's: only between entities of different currencies. */
  rate?: string | undefined;
}

export interface TransferResult {
  transferId: string;
  replayed: boolean;
  fromEntityId: string;
  toEntityId: string;
  amount: string;
  currency: string;
  /** What the target received, in its currency (the amount itself when both share a currency). */
  toAmount: string;
  toCurrency: string;
  /** The exchange applied between different currencies; null when both share one. */
  exchangeRate: AppliedRateJSON | null;
  legs: Array<{
    sourceGrantId: string;
    /** Null when the leg's share converts to less than one minor unit of the target currency (no grant made). */
    targetGrantId: string | null;
    amount: string;
    toAmount: string;
    expiresAt: string | null;
  }>;
  targetGrants: CreditGrantView[];
  fromBalance: string;
  toBalance: string;
}

export async function transferCredits(
  db: Db,
  organizationId: string,
  input: TransferInput,
  deps: { actor?: Actor; now?: Date } = {},
): Promise<{ result: TransferResult; webhookEventIds: string[] }> {
  const now = deps.now ?? new Date();
  let amount: ReturnType<typeof toDecimal>;
  try {
    amount = toDecimal(input.amount);
  } catch {
    throw new UnprocessableError('INVALID_AMOUNT', 'amount must be a decimal string', 'amount');
  }
  if (!amount.greaterThan(0) || amount.decimalPlaces() > 6) {
    throw new UnprocessableError('INVALID_AMOUNT', 'amount must be > 0 with at most 6 decimals', 'amount');
  }
  if (input.fromEntityId === input.toEntityId) {
    throw new UnprocessableError('SAME_ENTITY', 'source and target must be different entities', 'toEntityId');
  }
  let givenRate: string | undefined;
  if (input.rate !== undefined) {
    try {
      givenRate = parseRate(input.rate).toFixed();
    } catch (err) {
      throw new UnprocessableError('INVALID_EXCHANGE_RATE', (err as Error).message, 'rate');
    }
  }
  // The rate is part of the request only when given, so a same-currency transfer's key hashes as before.
  const request = {
    fromEntityId: input.fromEntityId,
    toEntityId: input.toEntityId,
    amount: amount.toFixed(),
    ...(givenRate === undefined ? {} : { rate: givenRate }),
  };
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');

  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(
        'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
        `credit-transfer:${organizationId}:${input.idempotencyKey}`,
      );
      const recorded = await tx.auditLog.findFirst({
        where: { organizationId, targetType: 'credit_transfer', targetId: input.idempotencyKey },
      });
      if (recorded) {
        const before = recorded.before as { requestHash?: string } | null;
        if (before?.requestHash !== requestHash) {
          throw new ResourceConflictError(
            'IDEMPOTENCY_KEY_CONFLICT',
            'this idempotency key was used for another transfer',
          );
        }
        return { result: { ...(recorded.after as unknown as TransferResult), replayed: true }, webhookEventIds: [] };
      }

      // Lock both entities in id order (a foreign or unknown entity is simply not found).
      const ids = [input.fromEntityId, input.toEntityId].sort();
      const locked = new Map<string, LockedCreditEntity>();
      for (const id of ids) {
        const row = await lockCreditEntity(tx, organizationId, id);
        if (!row) throw new ResourceNotFoundError('entity');
        locked.set(id, row);
      }
      const from = locked.get(input.fromEntityId) as LockedCreditEntity;
      const to = locked.get(input.toEntityId) as LockedCreditEntity;
      let applied: AppliedRate | null = null;
      if (from.currency !== to.currency) {
        applied =
          givenRate === undefined
            ? await loadRateInForce(tx, organizationId, from.currency, to.currency, now)
            : requestRate(from.currency, to.currency, givenRate, now);
      } else if (givenRate !== undefined) {
        throw new UnprocessableError(
          'EXCHANGE_RATE_NOT_APPLICABLE',
          `both entities are in ${from.currency}: a transfer between them takes no rate`,
          'rate',
        );
      }
      const sent = Money.of(amount, from.currency);
      const received = applied ? convert(sent, applied) : sent;
      if (!received.isPositive()) {
        throw new UnprocessableError(
          'INVALID_AMOUNT',
          `${sent.toDisplayString()} converts to ${received.toDisplayString()}: less than one minor unit of ${to.currency}`,
          'amount',
        );
      }
      const exchangeRate = applied ? appliedRateToJSON(applied) : null;
      const conversion = (counterAmount: Money) =>
        exchangeRate
          ? (JSON.parse(
              JSON.stringify({
                ...exchangeRate,
                counterAmount: counterAmount.toString(),
                counterCurrency: counterAmount.currency,
              }),
            ) as Prisma.InputJsonValue)
          : undefined;

      const sourceGrants = await usableGrants(tx, from.id, now);
      const plan = planDrawdown(sourceGrants, amount, now);
      if (plan.shortfall.greaterThan(0)) {
        throw new UnprocessableError(
          'INSUFFICIENT_CREDITS',
          `the source entity holds ${Money.of(plan.drawn, from.currency).toString()} ${from.currency}, less than the amount`,
          'amount',
        );
      }
      const byId = new Map(sourceGrants.map((g) => [g.id, g]));
      // Each leg's share of what the target receives: exact parts of the one rounded total.
      const shares = applied
        ? received.allocate(plan.draws.map((d) => d.amount))
        : plan.draws.map((d) => Money.of(d.amount, to.currency));
      const legs: TransferResult['legs'] = [];
      const targetGrants: CreditGrantView[] = [];
      const transferId = uuidv7();
      for (const [index, draw] of plan.draws.entries()) {
        const source = byId.get(draw.grantId) as (typeof sourceGrants)[number];
        const share = shares[index] as Money;
        const updated = await tx.creditGrant.updateMany({
          where: { id: source.id, remaining: { gte: draw.amount.toFixed() } },
          data: { remaining: { decrement: draw.amount.toFixed() } },
        });
        if (updated.count !== 1) throw new Error('credit grant changed outside the entity lock');
        await tx.ledgerEntry.create({
          data: {
            entityId: from.id,
            grantId: source.id,
            kind: 'transfer_out',
            amount: draw.amount.negated().toFixed(),
            currency: from.currency,
            description: input.description ?? `Transfer to entity ${to.id}`,
            ...(exchangeRate ? { conversion: conversion(share) } : {}),
            idempotencyKey: `transfer_out:${organizationId}:${input.idempotencyKey}:${source.id}`,
          },
        });
        if (share.isZero()) {
          legs.push({
            sourceGrantId: source.id,
            targetGrantId: null,
            amount: Money.of(draw.amount, from.currency).toString(),
            toAmount: share.toString(),
            expiresAt: source.expiresAt?.toISOString() ?? null,
          });
          continue;
        }
        const { grant } = await issueCreditGrant(tx, {
          entityId: to.id,
          source: 'transfer',
          amount: share.amount.toFixed(),
          currency: to.currency,
          expiresAt: source.expiresAt,
          priority: source.priority,
          idempotencyKey: `transfer:${input.idempotencyKey}:${source.id}`,
          sourceGrantId: source.id,
          description: input.description ?? `Transfer from entity ${from.id}`,
          ledgerKind: 'transfer_in',
          ledgerKey: (grantId) => `transfer_in:${organizationId}:${input.idempotencyKey}:${grantId}`,
          conversion: conversion(Money.of(draw.amount, from.currency)),
        });
        legs.push({
          sourceGrantId: source.id,
          targetGrantId: grant.id,
          amount: Money.of(draw.amount, from.currency).toString(),
          toAmount: share.toString(),
          expiresAt: source.expiresAt?.toISOString() ?? null,
        });
        targetGrants.push(creditGrantView(grant));
      }

      const sum = (gs: Array<{ remaining: Decimal }>) =>
        gs.reduce((s, g) => s.plus(g.remaining), new BillingDecimal(0));
      const fromBefore = sum(sourceGrants);
      const fromAfter = fromBefore.minus(amount);
      const toAfter = sum(await usableGrants(tx, to.id, now));
      const outbox = balanceCrossings(
        {
          organizationId,
          entityId: from.id,
          currency: from.currency,
          threshold: new BillingDecimal(from.lowBalanceThreshold),
          before: fromBefore,
          after: fromAfter,
          cause: `transfer:${transferId}`,
          occurredAt: now,
          details: { transferId },
        },
        uuidv7,
      );
      const webhookEventIds = await insertOutboxRows(tx as Prisma.TransactionClient, outbox);
      webhookEventIds.push(
        await recordCreditsTransferred(tx, {
          organizationId,
          transferId,
          fromEntityId: from.id,
          toEntityId: to.id,
          amount: Money.of(amount, from.currency).toString(),
          fromBalance: Money.of(fromAfter, from.currency).toString(),
          toBalance: Money.of(toAfter, to.currency).toString(),
          currency: from.currency,
          toAmount: received.toString(),
          toCurrency: to.currency,
          rate: exchangeRate?.rate ?? null,
          at: now,
        }),
      );

      const result: TransferResult = {
        transferId,
        replayed: false,
        fromEntityId: from.id,
        toEntityId: to.id,
        amount: Money.of(amount, from.currency).toString(),
        currency: from.currency,
        toAmount: received.toString(),
        toCurrency: to.currency,
        exchangeRate,
        legs,
        targetGrants,
        fromBalance: Money.of(fromAfter, from.currency).toString(),
        toBalance: Money.of(toAfter, to.currency).toString(),
      };
      // The audit row is also the transfer's idempotency record (targetId = the key; see the top of this file).
      await recordAudit(tx as Prisma.TransactionClient, deps.actor ?? SYSTEM_ACTOR, {
        organizationId,
        action: 'credits.transfer',
        targetType: 'credit_transfer',
        targetId: input.idempotencyKey,
        before: { ...request, requestHash },
        after: result,
      });
      return { result, webhookEventIds };
    },
    { maxWait: 30_000, timeout: 30_000 },
  );
}
