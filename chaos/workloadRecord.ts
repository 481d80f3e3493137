// What the workload's clients were told, for the verifier: every event's outcome, every purchase's grant, every
// transfer, refund and dispute, counts per operation and refusals by code.
import type { OrgRef } from './marketplaceSetup.js';
import type { PlatformPayments } from './platform.js';

/** What the marketplace was told about one event. */
export interface EventRecord {
  entityId: string;
  key: string;
  status: 'accepted' | 'rejected' | 'invalid' | 'unknown';
  code?: string;
  ratedAmount?: string;
  creditsDrawn?: string;
  billedLater?: string;
}

export interface WorkloadCounts {
  eventsSent: number;
  eventsAccepted: number;
  eventsRejected: number;
  eventsInvalid: number;
  eventsUnknown: number;
  batches: number;
  purchases: number;
  transfers: number;
  transfersRefused: number;
  seatChanges: number;
  seatChangesRefused: number;
  pauses: number;
  resumes: number;
  closes: number;
  refunds: number;
  refundsRefused: number;
  disputesOpened: number;
  disputesClosed: number;
  workPayments: number;
  workPaymentsRefused: number;
  workPaymentRefunds: number;
  workPaymentRefundsRefused: number;
  gaveUp: number;
}

/** A refund the client was told about. */
export interface RefundRecord {
  invoiceId: string;
  refundId: string;
  amount: string;
  status: string;
}

/** A dispute the client (as Stripe) opened, and how it closed it. */
export interface DisputeRecord {
  paymentId: string;
  /** The client loop that opened it: only that loop closes it. */
  loop: number;
  status: 'open' | 'won' | 'lost';
}

export interface WorkloadRecord {
  orgs: OrgRef[];
  events: Map<string, EventRecord>;
  /** Purchase idempotency key -> the grant the client was told about. */
  purchases: Map<string, { entityId: string; grantId: string }>;
  /** Transfer idempotency key -> the transfer the client was told about. */
  transfers: Map<string, { fromEntityId: string; toEntityId: string; amount: string }>;
  /** Refund idempotency key -> the refund the client was told about. */
  refunds: Map<string, RefundRecord>;
  /** Provider dispute id -> the dispute the provider's events said. */
  disputes: Map<string, DisputeRecord>;
  payments: PlatformPayments;
  counts: WorkloadCounts;
  /** Refusals by operation and code (INSUFFICIENT_CREDITS, a seat change on a paused subscription, ...). */
  refusals: Map<string, number>;
  errors: string[];
}

export function newWorkloadRecord(orgs: OrgRef[], payments: PlatformPayments): WorkloadRecord {
  return {
    orgs,
    events: new Map(),
    purchases: new Map(),
    transfers: new Map(),
    refunds: new Map(),
    disputes: new Map(),
    payments,
    counts: {
      eventsSent: 0,
      eventsAccepted: 0,
      eventsRejected: 0,
      eventsInvalid: 0,
      eventsUnknown: 0,
      batches: 0,
      purchases: 0,
      transfers: 0,
      transfersRefused: 0,
      seatChanges: 0,
      seatChangesRefused: 0,
      pauses: 0,
      resumes: 0,
      closes: 0,
      refunds: 0,
      refundsRefused: 0,
      disputesOpened: 0,
      disputesClosed: 0,
      workPayments: 0,
      workPaymentsRefused: 0,
      workPaymentRefunds: 0,
      workPaymentRefundsRefused: 0,
      gaveUp: 0,
    },
    refusals: new Map(),
    errors: [],
  };
}

export function refuse(rec: WorkloadRecord, op: string, res: { status: number; body: unknown }) {
  const key = `${op} ${(res.body as { code?: string } | null)?.code ?? res.status}`;
  rec.refusals.set(key, (rec.refusals.get(key) ?? 0) + 1);
}

export type EventOutcome = {
  status: 'accepted' | 'rejected' | 'invalid';
  code?: string | null;
  ratedAmount?: string;
  creditsDrawn?: string;
  billedLater?: string;
};

export function recordEvent(rec: WorkloadRecord, entityId: string, key: string, outcome: EventOutcome | undefined) {
  const status = outcome?.status ?? 'unknown';
  const event: EventRecord = { entityId, key, status };
  if (outcome?.code) event.code = outcome.code;
  if (outcome && outcome.status !== 'invalid') {
    event.ratedAmount = outcome.ratedAmount!;
    event.creditsDrawn = outcome.creditsDrawn!;
    event.billedLater = outcome.billedLater!;
  }
  rec.events.set(`${entityId}/${key}`, event);
  const c = rec.counts;
  if (status === 'accepted') c.eventsAccepted += 1;
  else if (status === 'rejected') c.eventsRejected += 1;
  else if (status === 'invalid') c.eventsInvalid += 1;
  else c.eventsUnknown += 1;
}
