// What one locked entity's events see and change during a metering transaction: its billing periods, usable grants,
// tier counters, members with their spend, and stored events for keys already taken. Built from the state query
// (meteringSql.ts STATE_SQL), changed in memory event by event (rateEntityEvents.ts), written back in one statement
// (meteringWrites.ts).
import type { Decimal } from 'decimal.js';
import { type BillingSchedule, monthlySchedule } from '../../domain/billingPeriods.js';
import type { CreditGrantBalance, SequentialDrawdown } from '../../domain/creditDrawdown.js';
import { BillingDecimal } from '../../domain/money.js';
import type { PeriodRow } from '../../domain/periodTiling.js';
import type { LockedEntity, StateRow, StoredEventRow } from './meteringSql.js';
import { uuidv7 } from './uuidv7.js';

/** A BillingPeriod row as the transaction knows it; `isNew` rows are inserted by it. */
export interface PeriodState extends PeriodRow {
  id: string;
  isNew: boolean;
  /** Its events were archived (BillingPeriod.eventsArchivedAt): no event may fall in it any more. */
  archived: boolean;
  /** start and end as ISO strings, made once. */
  iso: { start: string; end: string };
}

export interface CounterState {
  id: string;
  eventType: string;
  period: PeriodState;
  quantity: Decimal;
  /** P(quantity): the period's usage charge so far at AMOUNT_SCALE (see EventPricer), computed on first use. */
  cumulative: Decimal | null;
  deltaQuantity: Decimal;
  deltaAmount: Decimal;
}

export interface SpendState {
  id: string;
  entityUserId: string;
  period: PeriodState;
  amount: Decimal;
  delta: Decimal;
  limitReachedAt: Date | null;
  newLimitReachedAt: Date | null;
}

export interface MemberState {
  id: string;
  userId: string;
  creditLimit: Decimal | null;
  /** By period start (ms). */
  spends: Map<number, SpendState>;
}

export interface EntityState {
  locked: LockedEntity;
  schedule: BillingSchedule;
  /** The entity's BillingPeriod rows from the one holding its earliest event onwards, in start order. */
  periods: PeriodState[];
  grants: CreditGrantBalance[];
  /** By event type and period start. */
  counters: Map<string, CounterState>;
  /** By lower-cased user id. */
  members: Map<string, MemberState>;
  /** Stored events by idempotency key (only looked up after a key turned out to be taken). */
  existing: Map<string, StoredEventRow>;
  /**
   * The grants in draw order as of one instant, with what they still hold, kept current through this transaction's
   * draws; made again when an event needs another instant (occurredAt after `now`).
   */
  drawdown: SequentialDrawdown | null;
}

const zero = () => new BillingDecimal(0);

export const counterKey = (eventType: string, periodStart: number) => `${eventType}\u0000${periodStart}`;

export function periodState(
  row: { id: string; start: Date; end: Date; status: PeriodRow['status']; archived?: boolean },
  isNew: boolean,
): PeriodState {
  return { archived: false, ...row, isNew, iso: { start: row.start.toISOString(), end: row.end.toISOString() } };
}

/** The states of the locked entities, from the state query's rows. */
export function buildEntityStates(locked: readonly LockedEntity[], state: StateRow): Map<string, EntityState> {
  const states = new Map<string, EntityState>();
  for (const entity of locked) {
    states.set(entity.id, {
      locked: entity,
      schedule: monthlySchedule(entity),
      periods: [],
      grants: [],
      counters: new Map(),
      members: new Map(),
      existing: new Map(),
      drawdown: null,
    });
  }
  // Sorted by entity and start in SQL.
  const periodsByStart = new Map<string, Map<number, PeriodState>>();
  for (const p of state.periods) {
    const s = states.get(p.entityId);
    if (!s) continue;
    const period = periodState(
      { id: p.id, start: new Date(p.start), end: new Date(p.end), status: p.status, archived: p.archived },
      false,
    );
    s.periods.push(period);
    const byStart = periodsByStart.get(p.entityId) ?? new Map<number, PeriodState>();
    byStart.set(period.start.getTime(), period);
    periodsByStart.set(p.entityId, byStart);
  }
  for (const g of state.grants) {
    states.get(g.entityId)?.grants.push({
      id: g.id,
      remaining: new BillingDecimal(g.remaining),
      expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt),
      priority: g.priority,
      createdAt: new Date(g.createdAt),
    });
  }
  for (const c of state.counters) {
    const s = states.get(c.entityId);
    const start = new Date(c.periodStart).getTime();
    const period = periodsByStart.get(c.entityId)?.get(start);
    if (!s || !period) continue;
    s.counters.set(counterKey(c.eventType, start), {
      id: uuidv7(),
      eventType: c.eventType,
      period,
      quantity: new BillingDecimal(c.quantity),
      cumulative: null,
      deltaQuantity: zero(),
      deltaAmount: zero(),
    });
  }
  for (const m of state.members) {
    const s = states.get(m.entityId);
    if (!s) continue;
    const spends = new Map<number, SpendState>();
    for (const sp of m.spends) {
      const start = new Date(sp.periodStart).getTime();
      const period = periodsByStart.get(m.entityId)?.get(start);
      if (!period) continue;
      spends.set(start, {
        id: uuidv7(),
        entityUserId: m.id,
        period,
        amount: new BillingDecimal(sp.amount),
        delta: zero(),
        limitReachedAt: sp.limitReachedAt === null ? null : new Date(sp.limitReachedAt),
        newLimitReachedAt: null,
      });
    }
    s.members.set(m.userId.toLowerCase(), {
      id: m.id,
      userId: m.userId,
      creditLimit: m.creditLimit === null ? null : new BillingDecimal(m.creditLimit),
      spends,
    });
  }
  for (const row of state.existing) states.get(row.entityId)?.existing.set(row.idempotencyKey, row);
  return states;
}

/** The counter of an event type in a period, created at zero when the period has none yet. */
export function counterOf(s: EntityState, eventType: string, period: PeriodState): CounterState {
  const key = counterKey(eventType, period.start.getTime());
  let counter = s.counters.get(key);
  if (!counter) {
    counter = {
      id: uuidv7(),
      eventType,
      period,
      quantity: zero(),
      cumulative: null,
      deltaQuantity: zero(),
      deltaAmount: zero(),
    };
    s.counters.set(key, counter);
  }
  return counter;
}

/** A member's spend in a period, created at zero when there is none yet. */
export function spendOf(member: MemberState, period: PeriodState): SpendState {
  let spend = member.spends.get(period.start.getTime());
  if (!spend) {
    spend = {
      id: uuidv7(),
      entityUserId: member.id,
      period,
      amount: zero(),
      delta: zero(),
      limitReachedAt: null,
      newLimitReachedAt: null,
    };
    member.spends.set(period.start.getTime(), spend);
  }
  return spend;
}
