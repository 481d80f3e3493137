// The reference model of one organization's billing, in memory: what the platform should have done after every
// operation. It is written from the documented rules (README "Billing periods", "Metering and credits"), not from the
// platform's code, and it never reads the platform's state except where the platform legitimately chooses: the exact
// instant of a close-now (a clock reading), which the model checks lies within the window it was asked in.
// This class holds the organization's state and sequences the rules, which live one area per file: periods
// (periodModel), credits (creditsModel), metering (meteringModel), period invoices (invoiceModel), collection
// (collectionModel) and seat subscriptions (subscriptionModel).
import { type Collection, type CollectionEffects, collect, issue, markPaid } from './collectionModel.js';
import * as credits from './creditsModel.js';
import { invoicePeriod } from './invoiceModel.js';
import * as metering from './meteringModel.js';
import {
  type Catalog,
  type ExpectedOutcome,
  type ModelEntity,
  type ModelEntitySetup,
  type ModelEvent,
  type ModelEventInput,
  type ModelGrant,
  type ModelMember,
  type ModelPeriod,
  newEntity,
  recordWebhook,
} from './modelEntity.js';
import * as periods from './periodModel.js';
import type { Dec } from './pricing.js';
import {
  type ChangeOutcome,
  change,
  type ModelPlan,
  type ModelSubscription,
  renew,
  type SubscriptionChangeSpec,
  subscribe,
} from './subscriptionModel.js';

export class BillingModel {
  readonly entities: ModelEntity[] = [];
  readonly events: ModelEvent[] = [];
  readonly subscriptions: ModelSubscription[] = [];
  private grantSeq = 0;

  constructor(readonly catalog: Catalog) {}

  addEntity(setup: ModelEntitySetup): ModelEntity {
    const entity = newEntity(setup);
    this.entities.push(entity);
    return entity;
  }

  /** What the scenario exercised, for the run's summary. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (key: string, n = 1) => {
      out[key] = (out[key] ?? 0) + n;
    };
    for (const ev of this.events) {
      if (ev.outcome.status === 'invalid') continue;
      add(`events ${ev.outcome.status}`);
      if (ev.outcome.periodStart !== ev.outcome.billedPeriodStart) add('late events');
    }
    for (const e of this.entities) {
      add('periods closed', e.periods.filter((p) => p.closed).length);
      add('period invoices', [...e.invoices.values()].filter(Boolean).length);
      add('one-off invoices', e.oneOffs.length);
      add('grants', e.grants.length);
      for (const [type, n] of e.webhooks) add(type, n);
    }
    add('subscriptions', this.subscriptions.length);
    return out;
  }

  // ───────────── the clock and periods ─────────────

  /** The first period, opened by the billing workflow when it starts at `now`. */
  openFirstPeriod(e: ModelEntity, now: number): void {
    periods.openFirstPeriod(e, now);
  }

  /** The clock reached `now`: every period ended by then is closed, in order, and the next one opened. */
  advanceTo(now: number): void {
    for (const e of this.entities) {
      credits.expireGrants(e, now);
      for (;;) {
        const open = periods.earliestOpen(e);
        if (!open || open.end > now) {
          if (!open) periods.appendUntil(e, now);
          break;
        }
        this.close(e, open, open.end);
        periods.appendUntil(e, open.end);
      }
      // The subscription workflows renew at their own boundaries; the fees wait for the next period invoice.
      this.renewSubscriptions(e, now);
      collect(e, now, this.effects(e));
    }
  }

  /**
   * Close now: the earliest open period ends at `at` (never before an event it holds) if it is the latest one.
   * Returns the earliest and latest allowed end for the platform's choice of instant in [from, to].
   */
  closeNowWindow(e: ModelEntity, from: number, to: number): { min: number; max: number } {
    return periods.closeNowWindow(this.events, e, from, to);
  }

  closeNow(e: ModelEntity, end: number): void {
    const open = periods.earliestOpen(e) as ModelPeriod;
    open.end = end;
    this.close(e, open, end);
    if (e.periods.at(-1) === open) periods.appendUntil(e, end);
  }

  /** Anchor-day change at `at`: the latest period, if still running, ends at the new schedule's next boundary. */
  changeAnchor(e: ModelEntity, anchorDay: number, at: number): void {
    periods.changeAnchor(this.events, e, anchorDay, at);
  }

  private close(e: ModelEntity, period: ModelPeriod, end: number): void {
    // The close renews every subscription up to the period's end first: the fee of a period beginning there is
    // billed in advance on this invoice.
    this.renewSubscriptions(e, end);
    invoicePeriod(this.events, e, period, end, this.effects(e));
  }

  // ───────────── collection and subscriptions ─────────────

  /** What collection changes besides invoices: webhooks, and the subscriptions of a suspended entity. */
  private effects(e: ModelEntity): CollectionEffects {
    return {
      webhook: (type) => recordWebhook(e, type),
      suspension: (suspended) => {
        for (const sub of this.subscriptions) {
          if (sub.entity !== e.index) continue;
          if (suspended && sub.status === 'active') sub.status = 'past_due';
          if (!suspended && sub.status === 'past_due') sub.status = 'active';
        }
      },
    };
  }

  /** An invoice paid out of band (mark-paid). */
  markPaid(e: ModelEntity, collection: Collection): void {
    markPaid(e, collection, this.effects(e));
  }

  private renewSubscriptions(e: ModelEntity, upTo: number): void {
    for (const sub of this.subscriptions) {
      if (sub.entity !== e.index) continue;
      for (const amount of renew(e, sub, upTo)) e.pending.push({ kind: 'fee', amount });
    }
  }

  subscribe(e: ModelEntity, id: string, plan: ModelPlan, seats: number, at: number): ModelSubscription {
    const created = subscribe(e, id, plan, seats, at);
    this.subscriptions.push(created.subscription);
    e.pending.push({ kind: 'fee', amount: created.fee });
    return created.subscription;
  }

  /** A subscription change at `at`: a charge is invoiced at once (one-off invoice), anything else waits. */
  changeSubscription(sub: ModelSubscription, spec: SubscriptionChangeSpec, at: number): ChangeOutcome {
    const e = this.entities[sub.entity] as ModelEntity;
    this.renewSubscriptions(e, at);
    const outcome = change(sub, spec, at);
    if ('error' in outcome) return outcome;
    if (outcome.settlement === 'charge_now') {
      e.oneOffs.push(issue(e, `one_off:${e.oneOffs.length}`, outcome.net, at, this.effects(e)));
    } else for (const amount of outcome.lines) e.pending.push({ kind: 'proration', amount });
    return outcome;
  }

  // ───────────── credits ─────────────

  addGrant(
    e: ModelEntity,
    id: string,
    amount: Dec,
    expiresAt: number | null,
    priority: number,
    now: number,
  ): ModelGrant {
    return credits.addGrant(e, { id, seq: this.grantSeq++, amount, expiresAt, priority }, now);
  }

  balance(e: ModelEntity, asOf: number): Dec {
    return credits.balance(e, asOf);
  }

  transfer(from: ModelEntity, to: ModelEntity, amount: Dec, now: number): 'ok' | 'INSUFFICIENT_CREDITS' {
    return credits.transfer(from, to, amount, now, () => this.grantSeq++);
  }

  // ───────────── metering ─────────────

  meter(e: ModelEntity, ev: ModelEventInput, now: number): ExpectedOutcome {
    return metering.meter(this.events, this.catalog, e, ev, now);
  }

  /** A new limit clears "reached" for every period whose spend is now below it; removing the limit clears all. */
  setLimit(member: ModelMember, limit: Dec | null): void {
    metering.setLimit(member, limit);
  }

  /** Re-rating [from, to) with the current prices: each event at the tier position it was rated at. */
  replay(e: ModelEntity, jobId: string, from: number, to: number, charged: Map<string, Dec>): void {
    metering.replay(this.events, this.catalog, e, { jobId, from, to }, charged);
  }
}
