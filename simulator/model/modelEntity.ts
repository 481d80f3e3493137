// What the reference model keeps per entity: its periods, grants, members, counters, pending items, expected invoices
// and webhooks, and the shapes of the events and outcomes it predicts. Plain data; the rules live in the model's
// other files (periods, credits, metering, invoices, collection, subscriptions).
import type { Collection } from './collectionModel.js';
import type { Dec, ModelPrice } from './pricing.js';

export interface ModelPeriod {
  start: number;
  end: number;
  closed: boolean;
}

export interface ModelGrant {
  /** The platform's id, once known. */
  id: string;
  seq: number;
  remaining: Dec;
  expiresAt: number | null;
  priority: number;
  /** When its expiry workflow sends credits.expiring (7 days before expiry, or at once if created later). */
  noticeAt: number | null;
  /** 'pending' until the notice moment; then 'notified', 'used_up' (nothing left then: no expiry) or 'expired'. */
  phase: 'pending' | 'notified' | 'used_up' | 'expired';
}

export interface ModelMember {
  userId: string;
  limit: Dec | null;
  /** Spend by period start. */
  spend: Map<number, Dec>;
  /** Periods (by start) whose limit was reached and not cleared since. */
  limitReached: Set<number>;
}

/** An event as the scenario sends it. */
export interface ModelEventInput {
  key: string;
  userIndex: number;
  type: string;
  quantity: number;
  occurredAt: number;
}

export interface ModelEvent extends ModelEventInput {
  entity: number;
  outcome: ExpectedOutcome;
}

export type ExpectedOutcome =
  | { status: 'invalid'; code: string }
  | {
      status: 'accepted' | 'rejected';
      code: string | null;
      rated: Dec;
      drawn: Dec;
      billedLater: Dec;
      balanceAfter: Dec;
      periodStart: number;
      billedPeriodStart: number;
      usageBefore: Dec;
    };

export interface ModelEntity {
  index: number;
  id: string;
  anchorDay: number;
  timeZone: string;
  overagePolicy: 'reject' | 'bill';
  threshold: Dec;
  periods: ModelPeriod[];
  grants: ModelGrant[];
  members: ModelMember[];
  /** Tier counters: quantity by `${type}|${periodStart}`. */
  counters: Map<string, Dec>;
  /** Pending invoice items not tied to events: credit purchases, carry-forwards, replay adjustments. */
  pending: PendingItem[];
  /** Expected invoices by period start, once closed. */
  invoices: Map<number, ExpectedInvoice | null>;
  /** Webhook rows the model expects, by type. */
  webhooks: Map<string, number>;
  overageBilled: Set<number>;
  /** The one-off invoices of charge_now subscription changes, in order, with their collection. */
  oneOffs: Collection[];
  status: 'active' | 'suspended';
  paymentMethod: 'ok' | 'declined';
  /** Every invoice issued, period and one-off, as collection sees it. */
  collections: Collection[];
}

/** What the scenario's set-up says about an entity; the rest of ModelEntity starts empty. */
export type ModelEntitySetup = Pick<
  ModelEntity,
  'index' | 'id' | 'anchorDay' | 'timeZone' | 'overagePolicy' | 'threshold' | 'members'
>;

export interface PendingItem {
  kind: 'credit_purchase' | 'adjustment' | 'replay' | 'fee' | 'proration';
  amount: Dec;
  /** For replay adjustments: one line per job and event type. */
  group?: string;
}

export interface ExpectedInvoice {
  collection: Collection;
  periodStart: number;
  periodEnd: number;
  /** Usage by `${periodStart}|${type}` (periodStart of the events' own period: late usage differs from the invoice's). */
  usage: Map<string, Dec>;
  creditsApplied: Dec;
  other: Dec[];
  total: Dec;
}

export interface Catalog {
  prices: Map<string, ModelPrice>;
  package: { credits: string; price: string; validityDays: number };
}

export function newEntity(setup: ModelEntitySetup): ModelEntity {
  return {
    ...setup,
    periods: [],
    grants: [],
    counters: new Map(),
    pending: [],
    invoices: new Map(),
    webhooks: new Map(),
    overageBilled: new Set(),
    oneOffs: [],
    status: 'active',
    paymentMethod: 'ok',
    collections: [],
  };
}

/** One more webhook row of `type` expected for the entity. */
export function recordWebhook(e: ModelEntity, type: string): void {
  e.webhooks.set(type, (e.webhooks.get(type) ?? 0) + 1);
}
