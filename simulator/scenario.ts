// A simulation scenario: the organization's set-up and the operations to run, all drawn from one seed before anything
// runs, so a seed always means the same sequence and a failing one can be shrunk by removing operations. Operations
// name what to do, not platform ids: the driver resolves "entity 1", "the third closed period back" at run time.
import { type Rng, seededRng } from '../chaos/random.js';

export const EVENT_TYPES = ['flat.a', 'grad.b', 'vol.c'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const TIME_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'America/St_Johns',
  'Asia/Kolkata',
  'America/Sao_Paulo',
] as const;

export interface EntitySetup {
  anchorDay: number;
  timeZone: string;
  overagePolicy: 'reject' | 'bill';
  threshold: string;
}

export interface EventSpec {
  entity: number;
  user: number;
  type: EventType;
  quantity: number;
  /** occurredAt = now - offsetMs (negative: ahead of the clock). */
  offsetMs: number;
  key: string;
}

export type Op =
  | { kind: 'advance'; ms: number }
  | ({ kind: 'event' } & EventSpec)
  | { kind: 'batch'; events: EventSpec[] }
  | {
      kind: 'late';
      entity: number;
      user: number;
      type: EventType;
      quantity: number;
      back: number;
      at: number;
      key: string;
    }
  | { kind: 'repeat'; which: number; conflict: boolean }
  | { kind: 'closeNow'; entity: number }
  | { kind: 'anchor'; entity: number; anchorDay: number }
  | { kind: 'grant'; entity: number; amount: string; expiresInDays: number | null; priority: number }
  | { kind: 'purchase'; entity: number }
  | { kind: 'limit'; entity: number; user: number; limit: string | null }
  | { kind: 'overage'; entity: number; policy: 'reject' | 'bill' }
  | { kind: 'price'; type: 'flat.a'; unitPrice: string }
  | { kind: 'transfer'; from: number; to: number; amount: string }
  | { kind: 'replay'; entity: number; back: number }
  | { kind: 'subscribe'; entity: number; plan: number; seats: number }
  | { kind: 'payment'; entity: number; method: 'ok' | 'declined' }
  | { kind: 'markPaid'; entity: number; which: number }
  | {
      kind: 'subChange';
      which: number;
      change: 'seats' | 'plan' | 'pause' | 'resume' | 'cancel' | 'cancelAtEnd';
      seats: number;
      plan: number;
    };

export interface Scenario {
  seed: number;
  /**
   * The instant (ms) the scenario starts at: a function of the seed alone, so a reproduction sees the same calendar
   * (month lengths, DST changes, anchor clamping). Seeds are spaced further apart than a scenario lasts, so a run of
   * consecutive seeds only ever moves the clock forward.
   */
  startAt: number;
  entities: EntitySetup[];
  /** Members per entity; user 0 is a member of every entity. */
  users: number;
  ops: Op[];
}

const DAY = 86_400_000;

export function generateScenario(
  seed: number,
  opts: { entities: number; months: number; without?: readonly Op['kind'][] },
): Scenario {
  const rng = seededRng(seed);
  const entities = Array.from({ length: rng.int(1, Math.max(1, opts.entities)) }, () => entitySetup(rng));
  const users = 2;
  const ops: Op[] = [];
  let keyN = 0;
  const key = () => `s${seed}-e${keyN++}`;
  const entity = () => rng.int(0, entities.length - 1);
  const eventSpec = (e: number): EventSpec => ({
    entity: e,
    user: rng.int(0, users - 1),
    type: rng.pick(EVENT_TYPES),
    quantity: rng.chance(0.7) ? rng.int(1, 3) : rng.int(4, 15),
    // Mostly the last two days; sometimes up to 4 minutes ahead of the clock.
    offsetMs: rng.chance(0.08) ? -rng.int(1, 240_000) : rng.int(0, 2 * DAY),
    key: key(),
  });

  let elapsed = 0;
  const target = opts.months * 30 * DAY;
  while (elapsed < target) {
    const weights = {
      event: 30,
      batch: 8,
      late: 6,
      repeat: 4,
      advance: 14,
      closeNow: 3,
      anchor: 3,
      grant: 5,
      purchase: 3,
      limit: 4,
      overage: 2,
      price: 2,
      transfer: entities.length > 1 ? 3 : 0,
      replay: 2,
      subscribe: 3,
      subChange: 8,
      payment: 3,
      markPaid: 2,
    } satisfies Record<Op['kind'], number>;
    for (const kind of opts.without ?? []) weights[kind] = 0;
    const kind = rng.weighted(weights);
    switch (kind) {
      case 'advance': {
        const ms = rng.weighted({ minutes: 2, hours: 2, days: 4, month: 2 });
        const step =
          ms === 'minutes'
            ? rng.int(1, 59) * 60_000
            : ms === 'hours'
              ? rng.int(1, 23) * 3_600_000
              : ms === 'days'
                ? rng.int(1, 9) * DAY + rng.int(0, 86_399) * 1000
                : rng.int(25, 35) * DAY;
        ops.push({ kind: 'advance', ms: step });
        elapsed += step;
        break;
      }
      case 'event':
        ops.push({ kind: 'event', ...eventSpec(entity()) });
        break;
      case 'batch':
        ops.push({ kind: 'batch', events: Array.from({ length: rng.int(2, 12) }, () => eventSpec(entity())) });
        break;
      case 'late':
        ops.push({
          kind: 'late',
          entity: entity(),
          user: rng.int(0, users - 1),
          type: rng.pick(EVENT_TYPES),
          quantity: rng.int(1, 5),
          back: rng.int(1, 3),
          at: rng.next(),
          key: key(),
        });
        break;
      case 'repeat':
        ops.push({ kind: 'repeat', which: rng.int(0, 1_000_000), conflict: rng.chance(0.3) });
        break;
      case 'closeNow':
        ops.push({ kind: 'closeNow', entity: entity() });
        break;
      case 'anchor':
        ops.push({ kind: 'anchor', entity: entity(), anchorDay: anchorDay(rng) });
        break;
      case 'grant':
        ops.push({
          kind: 'grant',
          entity: entity(),
          amount: `${rng.int(1, 40)}.${String(rng.int(0, 99)).padStart(2, '0')}`,
          expiresInDays: rng.chance(0.25) ? null : rng.int(1, 60),
          priority: rng.int(0, 2),
        });
        break;
      case 'purchase':
        ops.push({ kind: 'purchase', entity: entity() });
        break;
      case 'limit':
        ops.push({
          kind: 'limit',
          entity: entity(),
          user: rng.int(0, users - 1),
          limit: rng.chance(0.2) ? null : `${rng.int(2, 60)}.00`,
        });
        break;
      case 'overage':
        ops.push({ kind: 'overage', entity: entity(), policy: rng.chance(0.5) ? 'reject' : 'bill' });
        break;
      case 'price':
        ops.push({ kind: 'price', type: 'flat.a', unitPrice: rng.pick(['0.80', '1.25', '1.75', '2.10']) });
        break;
      case 'transfer': {
        const from = entity();
        ops.push({ kind: 'transfer', from, to: (from + 1) % entities.length, amount: `${rng.int(1, 15)}.50` });
        break;
      }
      case 'replay':
        ops.push({ kind: 'replay', entity: entity(), back: rng.int(0, 2) });
        break;
      case 'payment':
        ops.push({ kind: 'payment', entity: entity(), method: rng.chance(0.5) ? 'declined' : 'ok' });
        break;
      case 'markPaid':
        ops.push({ kind: 'markPaid', entity: entity(), which: rng.int(0, 1_000_000) });
        break;
      case 'subscribe':
        ops.push({ kind: 'subscribe', entity: entity(), plan: rng.int(0, 2), seats: rng.int(1, 6) });
        break;
      case 'subChange':
        ops.push({
          kind: 'subChange',
          which: rng.int(0, 1_000_000),
          change: rng.weighted({ seats: 5, plan: 2, pause: 2, resume: 2, cancel: 1, cancelAtEnd: 1 }),
          seats: rng.int(1, 8),
          plan: rng.int(0, 1),
        });
        break;
    }
  }
  const startAt = Date.UTC(2027, 0, 1) + seed * (opts.months * 30 + 40) * DAY + rng.int(0, DAY - 1);
  return { seed, startAt, entities, users, ops };
}

function anchorDay(rng: Rng): number {
  return rng.chance(0.5) ? rng.pick([1, 15, 28, 29, 30, 31]) : rng.int(1, 31);
}

function entitySetup(rng: Rng): EntitySetup {
  return {
    anchorDay: anchorDay(rng),
    timeZone: rng.pick(TIME_ZONES),
    overagePolicy: rng.chance(0.6) ? 'bill' : 'reject',
    threshold: rng.chance(0.5) ? '0' : '5.00',
  };
}
