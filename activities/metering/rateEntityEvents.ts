// Rating one locked entity's events, in input order, in memory: idempotency, request checks, the period each event
// belongs to (eventPeriods.ts), the billing decision (domain/meteringDecision.ts), and the rows to write
// (meteringWrites.ts). Nothing here touches the database.
import type { Decimal } from 'decimal.js';
import { SequentialDrawdown } from '../../domain/creditDrawdown.js';
import { minorUnitDigits } from '../../domain/currencies.js';
import { isBillingDomainError } from '../../domain/errors.js';
import type { EventPricer } from '../../domain/eventPricer.js';
import { decideMeteredEvent } from '../../domain/meteringDecision.js';
import { BillingDecimal, formatAmount, Money, padAmount } from '../../domain/money.js';
import {
  counterOf,
  type EntityState,
  type MemberState,
  type PeriodState,
  type SpendState,
  spendOf,
} from './entityState.js';
import type { PreparedEvent } from './eventInput.js';
import { placeEvent } from './eventPeriods.js';
import type { StoredEventRow } from './meteringSql.js';
import {
  type EventOutcome,
  type IngestEventInput,
  type InvalidEventCode,
  invalid,
  type RejectionCode,
  type StoredEventOutcome,
} from './meteringTypes.js';
import { emitOnce, type Writes } from './meteringWrites.js';
import { balanceCrossings } from './outboxRows.js';
import { uuidv7 } from './uuidv7.js';

export interface EntityEvents {
  pricer: EventPricer;
  events: PreparedEvent[];
}

const iso = (d: Date | string) => (typeof d === 'string' ? new Date(d) : d).toISOString();
const zero = () => new BillingDecimal(0);

/** The answer to a repeat of a stored event: exactly what the first request was told. */
export function replayOutcome(row: StoredEventRow): StoredEventOutcome {
  const m = (v: string) => Money.of(v, row.currency).toString();
  const periodStart = iso(row.periodStart);
  const billedPeriodStart = iso(row.billedPeriodStart);
  return {
    status: row.status,
    replayed: true,
    eventId: row.id,
    entityId: row.entityId,
    idempotencyKey: row.idempotencyKey,
    code: row.reasonCode as RejectionCode | null,
    currency: row.currency,
    ratedAmount: m(row.ratedAmount),
    creditsDrawn: m(row.creditsDrawn),
    draws: row.draws.map((d) => ({ grantId: d.grantId, amount: m(d.amount) })),
    billedLater: m(row.billedLater),
    balanceAfter: row.balanceAfter === null ? null : m(row.balanceAfter),
    periodStart,
    billedPeriodStart,
    late: billedPeriodStart !== periodStart,
    occurredAt: iso(row.occurredAt),
  };
}

function priceError(error: unknown): { code: InvalidEventCode; detail: string } | null {
  if (!isBillingDomainError(error)) return null;
  switch (error.code) {
    case 'UNKNOWN_EVENT_TYPE':
    case 'CURRENCY_MISMATCH':
    case 'INVALID_PRICE_DEFINITION':
      return { code: error.code, detail: error.message };
    default:
      return null;
  }
}

/** Rates `group`'s events against `s`, recording outcomes by input index and the rows to write in `writes`. */
export function rateEntityEvents(
  group: EntityEvents,
  s: EntityState,
  now: Date,
  writes: Writes,
  outcomes: Map<number, EventOutcome>,
): void {
  const { locked } = s;
  const { pricer } = group;
  const currency = locked.currency;
  const digits = minorUnitDigits(currency);
  const money = (d: Decimal) => formatAmount(d, digits);
  // An amount already printed for storage (toFixed), as the API shows it: the stored text padded to the minor unit.
  const shown = (plain: string) => padAmount(plain, digits);
  const threshold = new BillingDecimal(locked.lowBalanceThreshold);
  const seen = new Map<string, { hash: string; outcome: StoredEventOutcome }>();
  const conflict = (input: IngestEventInput) =>
    invalid(input, 409, 'IDEMPOTENCY_KEY_CONFLICT', 'this idempotency key was used with another payload');
  // Emitted once per crossing: the spend row remembers it (cleared when the limit is raised above the spend); the
  // outbox key names the event that crossed, so a later crossing in the same period is a new webhook.
  const limitReached = (sp: SpendState, member: MemberState, period: PeriodState, eventId: string, at: Date) => {
    if (sp.limitReachedAt !== null || sp.newLimitReachedAt !== null || member.creditLimit === null) return;
    sp.newLimitReachedAt = now;
    emitOnce(writes, {
      id: uuidv7(),
      organizationId: locked.organizationId,
      entityId: locked.id,
      type: 'user.credit_limit_reached',
      idempotencyKey: `user.credit_limit_reached:${member.id}:${eventId}`,
      payload: {
        type: 'user.credit_limit_reached',
        entityId: locked.id,
        organizationId: locked.organizationId,
        userId: member.userId,
        creditLimit: money(member.creditLimit),
        spent: money(sp.amount),
        currency,
        periodStart: period.iso.start,
        periodEnd: period.iso.end,
        eventId,
        occurredAt: at.toISOString(),
      },
    });
  };
  // Events at `now` (nearly all) share one drawdown; the grant objects carry every draw into the next one.
  const drawdownAt = (asOf: Date) => {
    if (s.drawdown?.asOf.getTime() !== asOf.getTime()) s.drawdown = new SequentialDrawdown(s.grants, asOf);
    return s.drawdown;
  };

  for (const event of group.events) {
    const { input, quantity, occurredAt, hash } = event;
    const key = input.idempotencyKey;

    // Idempotency: a stored event (or an earlier one of this batch) answers for its key.
    const previous = seen.get(key);
    if (previous) {
      outcomes.set(event.index, previous.hash === hash ? { ...previous.outcome, replayed: true } : conflict(input));
      continue;
    }
    const stored = s.existing.get(key);
    if (stored) {
      outcomes.set(event.index, stored.payloadHash === hash ? replayOutcome(stored) : conflict(input));
      continue;
    }

    // Request errors: nothing is written for these.
    const member = s.members.get(input.userId.toLowerCase());
    if (!member) {
      outcomes.set(event.index, invalid(input, 422, 'NOT_A_MEMBER', 'the user is not a member of the entity'));
      continue;
    }
    let priceId: string | null;
    try {
      priceId = pricer.resolve(input.eventType).definition.priceId ?? null;
    } catch (error) {
      const mapped = priceError(error);
      if (!mapped) throw error;
      outcomes.set(event.index, invalid(input, 422, mapped.code, mapped.detail));
      continue;
    }
    const placement = placeEvent(s, occurredAt, now);
    if (!placement) {
      outcomes.set(
        event.index,
        invalid(input, 422, 'BEFORE_FIRST_PERIOD', "occurredAt is before the entity's first billing period"),
      );
      continue;
    }
    const { period, billedIn, late } = placement;
    if (period.archived) {
      // Its events are archived and deleted: a repeat of one of them would find no stored event and be billed again.
      outcomes.set(
        event.index,
        invalid(
          input,
          422,
          'PERIOD_ARCHIVED',
          "occurredAt falls in a billing period whose events were archived under the organization's retention policy",
        ),
      );
      continue;
    }

    const eventId = uuidv7();
    const asOf = occurredAt > now ? occurredAt : now;
    const drawdown = drawdownAt(asOf);
    const balanceBefore = drawdown.available;
    const quantityText = quantity.toFixed();
    const counter = counterOf(s, input.eventType, period);
    const spend = spendOf(member, period);
    const usageBefore = counter.quantity;

    let cumulativeAfter: Decimal | null = null;
    const decision = decideMeteredEvent({
      entityStatus: locked.status,
      overagePolicy: locked.overagePolicy,
      // EventPricer.rate's definition, P(used + q) - P(used), with P(used) carried from the previous event.
      rate: () => {
        counter.cumulative ??= pricer.periodAmount(input.eventType, counter.quantity);
        cumulativeAfter = pricer.periodAmount(input.eventType, counter.quantity.plus(quantity));
        return (cumulativeAfter as Decimal).minus(counter.cumulative);
      },
      creditLimit: member.creditLimit,
      spent: spend.amount,
      planDraw: (amount) => drawdown.plan(amount),
    });
    const rated = decision.rated;
    let drawn = zero();
    let billedLater = zero();

    const eventDraws: Array<{ grantId: string; amount: string; ledgerEntryId: string }> = [];
    if (decision.status === 'rejected') {
      if (decision.limitReached) limitReached(spend, member, period, eventId, occurredAt);
    } else {
      // The grant objects the plan updates are this transaction's own copies (built from the state query).
      if (decision.plan) drawdown.apply(decision.plan);
      drawn = decision.drawn;
      billedLater = decision.billedLater;
      counter.quantity = counter.quantity.plus(quantity);
      counter.cumulative = cumulativeAfter;
      counter.deltaQuantity = counter.deltaQuantity.plus(quantity);
      counter.deltaAmount = counter.deltaAmount.plus(rated);
      spend.amount = spend.amount.plus(rated);
      spend.delta = spend.delta.plus(rated);
      if (decision.limitReached) limitReached(spend, member, period, eventId, occurredAt);
      for (const d of decision.draws) {
        let entry = writes.consumeByGrant.get(d.grantId);
        if (!entry) {
          entry = {
            id: uuidv7(),
            entityId: locked.id,
            currency,
            drawn: zero(),
            events: 0,
            firstEventId: eventId,
            firstDescription: `${input.eventType} x ${quantityText}`,
          };
          writes.consumeByGrant.set(d.grantId, entry);
        }
        entry.drawn = entry.drawn.plus(d.amount);
        entry.events += 1;
        eventDraws.push({ grantId: d.grantId, amount: d.amount.toFixed(), ledgerEntryId: entry.id });
      }
      if (!billedLater.isZero()) {
        writes.invoiceItems.push({
          id: uuidv7(),
          entityId: locked.id,
          eventId,
          description: billedLater.isNegative()
            ? `${input.eventType}: volume tier adjustment`
            : `${input.eventType} x ${quantityText} not covered by credits`,
          quantity: quantityText,
          amount: billedLater.toFixed(),
          currency,
          periodStart: period.iso.start,
          periodEnd: period.iso.end,
          idempotencyKey: `usage:${eventId}`,
        });
      }
      if (billedLater.greaterThan(0)) {
        emitOnce(writes, {
          id: uuidv7(),
          organizationId: locked.organizationId,
          entityId: locked.id,
          type: 'billing.overage',
          idempotencyKey: `billing.overage:${locked.id}:${period.iso.start}`,
          payload: {
            type: 'billing.overage',
            entityId: locked.id,
            organizationId: locked.organizationId,
            currency,
            billedLater: money(billedLater),
            periodStart: period.iso.start,
            periodEnd: period.iso.end,
            eventId,
            occurredAt: occurredAt.toISOString(),
          },
        });
      }
    }

    // Draws come only from grants usable at asOf and never exceed what they hold.
    const balanceAfter = balanceBefore.minus(drawn);
    const crossings = balanceCrossings(
      {
        organizationId: locked.organizationId,
        entityId: locked.id,
        currency,
        threshold,
        before: balanceBefore,
        after: balanceAfter,
        cause: eventId,
        occurredAt,
        details: { eventId },
      },
      uuidv7,
    );
    for (const row of crossings) emitOnce(writes, row);

    const accepted = decision.status === 'accepted';
    const occurredAtIso = occurredAt.toISOString();
    const ratedText = rated.toFixed();
    const drawnText = drawn.toFixed();
    const billedLaterText = billedLater.toFixed();
    const balanceAfterText = balanceAfter.toFixed();
    writes.events.push({
      id: eventId,
      entityId: locked.id,
      userId: member.userId,
      eventType: input.eventType,
      quantity: quantityText,
      occurredAt: occurredAtIso,
      idempotencyKey: key,
      payloadHash: hash,
      properties: input.properties ?? {},
      status: decision.status,
      reasonCode: accepted ? null : decision.code,
      currency,
      ratedAmount: ratedText,
      creditsDrawn: drawnText,
      billedLater: billedLaterText,
      balanceAfter: balanceAfterText,
      periodStart: period.iso.start,
      billedPeriodStart: billedIn.iso.start,
      usageBefore: accepted ? usageBefore.toFixed() : null,
      priceId,
      draws: eventDraws,
    });
    const outcome: StoredEventOutcome = {
      status: decision.status,
      replayed: false,
      eventId,
      entityId: locked.id,
      idempotencyKey: key,
      code: accepted ? null : decision.code,
      currency,
      ratedAmount: shown(ratedText),
      creditsDrawn: shown(drawnText),
      draws: eventDraws.map((d) => ({ grantId: d.grantId, amount: shown(d.amount) })),
      billedLater: shown(billedLaterText),
      balanceAfter: shown(balanceAfterText),
      periodStart: period.iso.start,
      billedPeriodStart: billedIn.iso.start,
      late,
      occurredAt: occurredAtIso,
    };
    seen.set(key, { hash, outcome });
    outcomes.set(event.index, outcome);
  }
}
