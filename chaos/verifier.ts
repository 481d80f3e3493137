// The end of the run: quiesce, then verify.
//   quiesce  every process back up, the receiver healthy, the reconciliation schedule triggered until every outbox
//            row of the run's organizations is dispatched, every delivery delivered, the receiver has seen every
//            message id, every billing workflow waits for its next period end (none stuck mid-close), and no charge
//            attempt or refund is still in flight (a call whose answer was lost is repeated by an activity retry or
//            the reconciliation: its outcome is recorded before the books are checked)
//   verify   the invariant checker finds nothing; every event the client saw accepted (or rejected) is in the
//            database exactly once, with the outcome and amounts the client was told, and no event the client was
//            told was invalid got stored; every purchase the client saw is one grant, and the purchase and
//            transfer totals match what the client was told; every refund the client was told about is stored once,
//            as told, and no other refund was made; every dispute the provider's events opened is stored once, in the
//            state its last event said; with Stripe, every charge and refund Stripe carried out is the one the
//            platform recorded (no money moved that the books do not show); every webhook delivered and seen; the
//            client never gave up (no 5xx that never recovered)
import type { Client } from '@temporalio/client';
import { Decimal } from 'decimal.js';
import type { Db } from '../activities/db.js';
import { checkInvariants } from '../activities/invariants/checkInvariants.js';
import { billingWorkflowId, RECONCILE_SCHEDULE_ID } from '../temporal/workflowIds.js';
import { billingStateQuery } from '../workflows/entityBillingWorkflow.js';
import type { WebhookReceiver } from './webhookReceiver.js';
import type { WorkloadRecord } from './workloadRecord.js';

export interface Violation {
  rule: string;
  detail: string;
}

export interface WebhookTally {
  outboxRows: number;
  deliveries: number;
  delivered: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function webhookTally(db: Db, orgIds: string[]) {
  const rows = await db.webhookEvent.findMany({
    where: { organizationId: { in: orgIds } },
    select: { id: true, type: true, dispatchedAt: true, deliveries: { select: { id: true, status: true } } },
  });
  return rows;
}

/** Waits until everything in flight has settled; returns what is still unsettled when the time is up. */
export async function quiesce(
  db: Db,
  temporal: () => Promise<Client>,
  rec: WorkloadRecord,
  receiver: WebhookReceiver,
  timeoutMs: number,
  log: (msg: string) => void,
): Promise<string[]> {
  const orgIds = rec.orgs.map((o) => o.id);
  const entities = rec.orgs.flatMap((o) => o.entities);
  const deadline = Date.now() + timeoutMs;
  let lastTrigger = 0;
  let pending: string[] = [];
  while (Date.now() < deadline) {
    pending = [];
    try {
      const client = await temporal();
      if (Date.now() - lastTrigger > 20_000) {
        // What ops would do after an incident: run reconciliation now rather than at its next interval.
        await client.schedule.getHandle(RECONCILE_SCHEDULE_ID).trigger();
        lastTrigger = Date.now();
      }
      const rows = await webhookTally(db, orgIds);
      for (const row of rows) {
        if (!row.dispatchedAt) pending.push(`outbox ${row.id} (${row.type}) not dispatched`);
        for (const d of row.deliveries) if (d.status !== 'delivered') pending.push(`delivery ${d.id} ${d.status}`);
        if (!receiver.seen.has(row.id)) pending.push(`receiver has not seen ${row.id}`);
      }
      const entityIds = entities.map((e) => e.id);
      const inFlight = await db.paymentAttempt.findMany({
        where: { status: 'pending', payment: { entityId: { in: entityIds } } },
        select: { idempotencyKey: true },
      });
      for (const a of inFlight) pending.push(`charge attempt ${a.idempotencyKey} pending`);
      const refunding = await db.refund.findMany({
        where: { status: 'pending', creditNote: null, entityId: { in: entityIds } },
        select: { id: true },
      });
      for (const r of refunding) pending.push(`refund ${r.id} pending`);
      for (const e of entities) {
        const state = await client.workflow.getHandle(billingWorkflowId(e.id)).query(billingStateQuery);
        if (state.phase !== 'waiting_for_period_end') pending.push(`${billingWorkflowId(e.id)} ${state.phase}`);
      }
    } catch (err) {
      pending.push(`probe failed: ${(err as Error).message.split('\n')[0]}`);
    }
    if (pending.length === 0) return [];
    log(`quiescing: ${pending.length} pending (${pending.slice(0, 3).join('; ')})`);
    await sleep(5_000);
  }
  return pending;
}

const same = (a: unknown, b: string | undefined) => b !== undefined && new Decimal(String(a)).equals(b);

export async function verify(
  db: Db,
  rec: WorkloadRecord,
  receiver: WebhookReceiver,
  unsettled: string[],
): Promise<{ violations: Violation[]; webhooks: WebhookTally }> {
  const violations: Violation[] = [];
  const add = (rule: string, detail: string) => violations.push({ rule, detail });
  const orgIds = rec.orgs.map((o) => o.id);
  const entityIds = rec.orgs.flatMap((o) => o.entities.map((e) => e.id));

  for (const p of unsettled.slice(0, 20)) add('quiesce', p);
  if (unsettled.length > 20) add('quiesce', `... and ${unsettled.length - 20} more`);

  for (const orgId of orgIds) {
    const report = await checkInvariants(db, { organizationId: orgId, outboxGraceSeconds: 0 });
    for (const v of report.violations) add(`invariant:${v.rule}`, `${v.detail} [${v.ids.join(', ')}]`);
  }

  // Events: exactly once, as told.
  const stored = await db.marketplaceEvent.findMany({
    where: { entityId: { in: entityIds } },
    select: {
      entityId: true,
      idempotencyKey: true,
      status: true,
      reasonCode: true,
      ratedAmount: true,
      creditsDrawn: true,
      billedLater: true,
    },
  });
  const byKey = new Map<string, (typeof stored)[number][]>();
  for (const s of stored) {
    const k = `${s.entityId}/${s.idempotencyKey}`;
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  for (const [k, told] of rec.events) {
    const rows = byKey.get(k) ?? [];
    if (told.status === 'unknown') continue;
    if (told.status === 'invalid') {
      if (rows.length > 0) add('event_told_invalid_but_stored', `${k}: told ${told.code}, stored ${rows[0]!.status}`);
      continue;
    }
    if (rows.length !== 1) {
      add('event_exactly_once', `${k}: told ${told.status}, ${rows.length} rows`);
      continue;
    }
    const row = rows[0]!;
    if (row.status !== told.status) add('event_outcome', `${k}: told ${told.status}, stored ${row.status}`);
    else if (
      !same(row.ratedAmount, told.ratedAmount) ||
      !same(row.creditsDrawn, told.creditsDrawn) ||
      !same(row.billedLater, told.billedLater)
    ) {
      add(
        'event_amounts',
        `${k}: told rated ${told.ratedAmount} drawn ${told.creditsDrawn} later ${told.billedLater}; stored ` +
          `${row.ratedAmount} / ${row.creditsDrawn} / ${row.billedLater}`,
      );
    }
  }
  for (const [k, rows] of byKey) {
    if (!rec.events.has(k)) add('event_unknown_to_client', `${k}: stored ${rows[0]!.status}, never sent`);
  }

  // Purchases: each one the client saw is one grant; no extra purchase grants.
  const grants = await db.creditGrant.findMany({
    where: { entityId: { in: entityIds }, source: 'purchase' },
    select: { id: true },
  });
  const grantIds = new Set(grants.map((g) => g.id));
  const toldGrants = new Set([...rec.purchases.values()].map((p) => p.grantId));
  for (const id of toldGrants) if (!grantIds.has(id)) add('purchase_exactly_once', `grant ${id} told but not stored`);
  if (grants.length !== toldGrants.size) {
    add('purchase_exactly_once', `${grants.length} purchase grants stored, ${toldGrants.size} purchases told`);
  }

  // Transfers: what left the entities equals what the client was told moved.
  const out = await db.ledgerEntry.aggregate({
    where: { entityId: { in: entityIds }, kind: 'transfer_out' },
    _sum: { amount: true },
  });
  const toldTotal = [...rec.transfers.values()].reduce((s, t) => s.plus(t.amount), new Decimal(0));
  const movedTotal = new Decimal(String(out._sum.amount ?? 0)).negated();
  if (!movedTotal.equals(toldTotal)) {
    add('transfer_exactly_once', `transfers out sum to ${movedTotal.toFixed(2)}, client told ${toldTotal.toFixed(2)}`);
  }

  // Refunds: each one told is stored once, as told; none made that the client was not told about (refused ones fail).
  const refunds = await db.refund.findMany({
    where: { entityId: { in: entityIds } },
    select: { id: true, invoiceId: true, amount: true, status: true, providerRef: true },
  });
  const refundById = new Map(refunds.map((r) => [r.id, r]));
  for (const [key, told] of rec.refunds) {
    const row = refundById.get(told.refundId);
    if (!row) add('refund_exactly_once', `${key}: refund ${told.refundId} told ${told.status}, not stored`);
    else if (row.invoiceId !== told.invoiceId || !same(row.amount, told.amount) || row.status === 'failed') {
      add('refund_outcome', `${key}: told ${told.amount} ${told.status}, stored ${row.amount} ${row.status}`);
    }
  }
  const toldRefunds = new Set([...rec.refunds.values()].map((r) => r.refundId));
  for (const r of refunds) {
    if (r.status !== 'failed' && !toldRefunds.has(r.id)) {
      add('refund_unknown_to_client', `refund ${r.id} of ${r.amount} is ${r.status}, never told`);
    }
  }

  // Disputes: each one opened is stored once, in the state the provider's last event about it said.
  const disputes = await db.dispute.findMany({
    where: { entityId: { in: entityIds } },
    select: { providerRef: true, paymentId: true, status: true },
  });
  const disputeByRef = new Map(disputes.map((d) => [d.providerRef, d]));
  for (const [ref, told] of rec.disputes) {
    const row = disputeByRef.get(ref);
    if (!row) add('dispute_exactly_once', `${ref}: told ${told.status}, not stored`);
    else if (row.status !== told.status || row.paymentId !== told.paymentId) {
      add(
        'dispute_outcome',
        `${ref}: told ${told.status} on ${told.paymentId}, stored ${row.status} on ${row.paymentId}`,
      );
    }
  }
  if (disputes.length !== rec.disputes.size) {
    add('dispute_exactly_once', `${disputes.length} disputes stored, ${rec.disputes.size} opened`);
  }

  // Stripe: every PaymentIntent it charged and every refund it made is the one the books show.
  const stripe = rec.payments.stripe;
  if (stripe) {
    const charged = new Set<string>();
    const refunded = new Set<string>();
    for (const r of stripe.requests) {
      if (r.method !== 'POST' || r.response?.status !== 200) continue;
      const body = r.response.body as { id?: string; status?: string };
      if (r.path === '/v1/payment_intents' && body.status === 'succeeded' && body.id) charged.add(body.id);
      if (r.path === '/v1/refunds' && body.id) refunded.add(body.id);
    }
    const attempts = await db.paymentAttempt.findMany({
      where: { providerRef: { in: [...charged] }, status: 'succeeded', payment: { entityId: { in: entityIds } } },
      select: { providerRef: true },
    });
    const recorded = new Set(attempts.map((a) => a.providerRef));
    for (const pi of charged) {
      if (!recorded.has(pi)) add('stripe_charge_recorded', `Stripe charged ${pi}; no succeeded attempt records it`);
    }
    const recordedRefunds = new Set(refunds.filter((r) => r.status !== 'failed').map((r) => r.providerRef));
    for (const re of refunded) {
      if (!recordedRefunds.has(re)) add('stripe_refund_recorded', `Stripe refunded ${re}; no refund records it`);
    }
  }

  // Webhooks: every outbox row delivered to the endpoint and seen by the receiver, every signature valid.
  const rows = await webhookTally(db, orgIds);
  const tally: WebhookTally = { outboxRows: rows.length, deliveries: 0, delivered: 0 };
  for (const row of rows) {
    if (row.deliveries.length === 0) add('webhook_delivered', `outbox ${row.id} (${row.type}) has no delivery`);
    for (const d of row.deliveries) {
      tally.deliveries += 1;
      if (d.status === 'delivered') tally.delivered += 1;
      else add('webhook_delivered', `delivery ${d.id} of ${row.id} is ${d.status}`);
    }
    if (!receiver.seen.has(row.id)) add('webhook_received', `receiver never got ${row.id} (${row.type})`);
  }
  if (receiver.stats.badSignatures > 0) {
    add('webhook_signature', `${receiver.stats.badSignatures} requests with a bad signature`);
  }

  if (rec.counts.gaveUp > 0) add('client_gave_up', `${rec.counts.gaveUp} operations never got an answer`);
  for (const e of rec.errors) add('client_error', e);
  return { violations, webhooks: tally };
}
