// The shapes shared by the provider-event dispatcher (providerEvents.ts) and its handlers (disputes.ts,
// refunds/refundEvents.ts): in a module of their own so a handler never imports the dispatcher that calls it.
import type { Db, Prisma } from '../db.js';

type Tx = Prisma.TransactionClient;

export interface ProviderEventInput {
  id: string;
  type: string;
  /** The event's data.object, as the provider sent it. */
  object: Record<string, unknown>;
}

/** A collection attempt decided by the event: the API signals it to invoice:<invoiceId> after commit. */
export interface AttemptSignal {
  invoiceId: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  errorCode: string | null;
  decision: 'retry' | 'customer_action' | null;
}

export interface ProviderEventResult {
  replayed: boolean;
  /** What the event did (stored with it): attempt_succeeded, attempt_failed, already_recorded, unknown_payment, ... */
  outcome: string;
  signals: AttemptSignal[];
  webhookEventIds: string[];
  /** Refunds the event's transaction wrote (a duplicate charge's), to carry out after the commit, as `tenant`. */
  refundIds: string[];
  /** The Db scoped to the organization the event was applied as. */
  tenant: Db;
}

export interface HandlerResult {
  outcome: string;
  signals?: AttemptSignal[];
  webhookEventIds?: string[];
  refundIds?: string[];
}

/** Applies the event of `provider` in `tx`; called once per event. */
export type ProviderEventHandler = (
  tx: Tx,
  event: ProviderEventInput,
  at: Date,
  provider: string,
) => Promise<HandlerResult>;
