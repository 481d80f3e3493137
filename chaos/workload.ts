// The seeded random workload on the marketplace of marketplaceSetup.ts: `concurrency` clients loop until the deadline
// over single events, batches, credit purchases, credit transfers, seat changes, pauses and resumes, period closes
// (the billing workflow's closeNow, through the API: time compressed), partial refunds of paid invoices, work payments
// of the marketplace's clients (sliding commission, referral share) and partial refunds of them, and with Stripe, disputes opened and closed by signed provider events to the webhook endpoint. Every answer a client got is
// recorded (workloadRecord.ts) for the verifier.
import { Decimal } from 'decimal.js';
import Stripe from 'stripe';
import { GaveUpError } from './marketplaceClient.js';
import { type EntityRef, expectStatus, type OrgRef } from './marketplaceSetup.js';
import type { Rng } from './random.js';
import { seededRng } from './random.js';
import { type EventOutcome, recordEvent, refuse, type WorkloadRecord } from './workloadRecord.js';

const EVENT_TYPES = ['project.posted', 'freelancer.hired'] as const;

/** One marketplace client's loop; `stop()` true ends it after the operation in flight. */
async function clientLoop(rec: WorkloadRecord, seed: number, loop: number, stop: () => boolean) {
  const rng: Rng = seededRng(seed * 1000 + loop);
  let n = 0;
  const k = (what: string) => `chaos-${seed}-${loop}-${what}-${++n}`;
  while (!stop()) {
    const org = rng.pick(rec.orgs);
    const entity = rng.pick(org.entities);
    const op = rng.weighted({
      event: 40,
      batch: 12,
      purchase: 12,
      transfer: 8,
      seats: 10,
      pause: 4,
      close: 4,
      dispute: rec.payments.provider === 'stripe' ? 2 : 0,
      refund: 4,
      workPayment: 6,
      workPaymentRefund: 2,
    });
    const newEvent = () => ({
      entityId: entity.id,
      userId: rng.pick(entity.userIds),
      eventType: rng.pick(EVENT_TYPES),
      quantity: rng.int(1, 2),
      occurredAt: new Date().toISOString(),
      idempotencyKey: k('event'),
    });
    try {
      switch (op) {
        case 'event': {
          const ev = newEvent();
          rec.counts.eventsSent += 1;
          // The key in the Idempotency-Key header, or half the time in the deprecated body field (old clients).
          const { idempotencyKey: evKey, ...evFields } = ev;
          const asHeader = rng.chance(0.5);
          const res = await org.client
            .request<EventOutcome & { code?: string }>(
              'POST',
              '/api/billing/events',
              asHeader ? evFields : ev,
              asHeader ? evKey : undefined,
            )
            .catch((err) => {
              if (err instanceof GaveUpError) return undefined;
              throw err;
            });
          if (!res) recordEvent(rec, entity.id, ev.idempotencyKey, undefined);
          else if (res.status === 200) recordEvent(rec, entity.id, ev.idempotencyKey, res.body);
          else
            recordEvent(rec, entity.id, ev.idempotencyKey, {
              status: 'invalid',
              code: res.body?.code ?? String(res.status),
            });
          break;
        }
        case 'batch': {
          const events = Array.from({ length: rng.int(2, 20) }, newEvent);
          rec.counts.eventsSent += events.length;
          rec.counts.batches += 1;
          const res = await org.client
            .request<{ results: Array<EventOutcome & { index: number }> }>('POST', '/api/billing/events/batch', {
              events,
            })
            .catch((err) => {
              if (err instanceof GaveUpError) return undefined;
              throw err;
            });
          events.forEach((ev, i) => {
            const outcome =
              res?.status === 200
                ? res.body.results.find((r) => r.index === i)
                : res
                  ? { status: 'invalid' as const }
                  : undefined;
            recordEvent(rec, entity.id, ev.idempotencyKey, outcome);
          });
          break;
        }
        case 'purchase': {
          const idempotencyKey = k('purchase');
          const res = await org.client.request<{ grant: { id: string } }>(
            'POST',
            '/api/billing/credits/purchases',
            ...(rng.chance(0.5)
              ? ([{ entityId: entity.id, packageId: org.packageId }, idempotencyKey] as const)
              : ([{ entityId: entity.id, packageId: org.packageId, idempotencyKey }, undefined] as const)),
          );
          expectStatus(res, [200, 201], 'purchase');
          rec.purchases.set(idempotencyKey, { entityId: entity.id, grantId: res.body.grant.id });
          rec.counts.purchases += 1;
          break;
        }
        case 'transfer': {
          const to = org.entities.find((e) => e.id !== entity.id)!;
          const idempotencyKey = k('transfer');
          const amount = rng.pick(['1.00', '2.50', '5.00']);
          const res = await org.client.request(
            'POST',
            '/api/billing/credits/transfers',
            { fromEntityId: entity.id, toEntityId: to.id, amount },
            idempotencyKey,
          );
          if (res.status === 200 || res.status === 201) {
            rec.transfers.set(idempotencyKey, { fromEntityId: entity.id, toEntityId: to.id, amount });
            rec.counts.transfers += 1;
          } else if (res.status >= 400 && res.status < 500 && res.status !== 404) {
            rec.counts.transfersRefused += 1;
            refuse(rec, 'transfer', res);
          } else expectStatus(res, [201], 'transfer');
          break;
        }
        case 'seats': {
          const res = await org.client.request(
            'POST',
            `/api/billing/subscriptions/${entity.subscriptionId}/seats`,
            { seats: rng.int(1, 8) },
            k('seats'),
          );
          if (res.status === 200) rec.counts.seatChanges += 1;
          else if (res.status === 409 || res.status === 422) {
            rec.counts.seatChangesRefused += 1;
            refuse(rec, 'seats', res);
          } else expectStatus(res, [200], 'seat change');
          break;
        }
        case 'pause': {
          const action = entity.paused ? 'resume' : 'pause';
          const res = await org.client.request(
            'POST',
            `/api/billing/subscriptions/${entity.subscriptionId}/${action}`,
            {},
            k(action),
          );
          if (res.status === 200) {
            entity.paused = !entity.paused;
            if (action === 'pause') rec.counts.pauses += 1;
            else rec.counts.resumes += 1;
          } else if (res.status === 409 || res.status === 422) {
            entity.paused = !entity.paused; // out of step with the subscription: flip
            refuse(rec, action, res);
          } else expectStatus(res, [200], action);
          break;
        }
        case 'close': {
          const res = await org.client.request(
            'POST',
            `/api/entities/${entity.id}/billing-workflow/close-now`,
            undefined,
            k('close'),
          );
          expectStatus(res, [202], 'close now');
          rec.counts.closes += 1;
          break;
        }
        case 'refund':
          await refundOnce(rec, org, entity, rng, k('refund'));
          break;
        case 'dispute':
          await disputeOnce(rec, org, entity, rng, loop, k('dispute'));
          break;
        case 'workPayment':
          await workPaymentOnce(rec, org, entity, rng, k('work-payment'));
          break;
        case 'workPaymentRefund':
          await workPaymentRefundOnce(rec, org, entity, rng, k('work-payment-refund'));
          break;
      }
    } catch (err) {
      if (err instanceof GaveUpError) rec.counts.gaveUp += 1;
      if (rec.errors.length < 50) rec.errors.push(`${op}: ${(err as Error).message}`);
    }
  }
}

/** A partial refund (1.00) of one of the entity's paid invoices with something left to refund, through the API. */
async function refundOnce(rec: WorkloadRecord, org: OrgRef, entity: EntityRef, rng: Rng, idempotencyKey: string) {
  const list = await org.client.request<{ data: Array<{ id: string; amountPaid: string; amountRefunded: string }> }>(
    'GET',
    `/api/billing/invoices?entityId=${entity.id}&status=paid&limit=100`,
  );
  expectStatus(list, [200], 'paid invoices');
  const refundable = list.body.data.filter((i) => new Decimal(i.amountPaid).minus(i.amountRefunded).gte(1));
  if (refundable.length === 0) return;
  const invoice = rng.pick(refundable);
  const res = await org.client.request<{ id: string; amount: string; status: string }>(
    'POST',
    `/api/billing/invoices/${invoice.id}/refunds`,
    { amount: '1.00', idempotencyKey },
    rng.chance(0.5) ? `h-${idempotencyKey}` : undefined,
  );
  if (res.status === 200 || res.status === 201) {
    rec.refunds.set(idempotencyKey, {
      invoiceId: invoice.id,
      refundId: res.body.id,
      amount: res.body.amount,
      status: res.body.status,
    });
    rec.counts.refunds += 1;
  } else if (res.status === 402 || res.status === 409 || res.status === 422) {
    // Another client's refund took what was left meanwhile (REFUND_EXCEEDS_PAID), or the provider refused.
    rec.counts.refundsRefused += 1;
    refuse(rec, 'refund', res);
  } else expectStatus(res, [201], 'refund');
}

/** A client entity pays the organization's freelancer for a milestone of 10.00 to 2,000.00 (whole cents). */
async function workPaymentOnce(rec: WorkloadRecord, org: OrgRef, entity: EntityRef, rng: Rng, idempotencyKey: string) {
  const amount = new Decimal(rng.int(1000, 200_000)).div(100).toFixed(2);
  const res = await org.client.request(
    'POST',
    '/api/marketplace/work-payments',
    {
      entityId: entity.id,
      payeeId: org.work.freelancerId,
      kind: 'milestone',
      reference: idempotencyKey,
      amount,
      currency: 'USD',
      commissionPlanId: org.work.commissionPlanId,
      commissionSplitRuleId: org.work.commissionSplitRuleId,
    },
    idempotencyKey,
  );
  if (res.status === 200 || res.status === 201) rec.counts.workPayments += 1;
  else if (res.status === 402) {
    rec.counts.workPaymentsRefused += 1;
    refuse(rec, 'work payment', res);
  } else expectStatus(res, [201], 'work payment');
}

/** A partial refund (1.00) of one of the entity's succeeded work payments with something left to refund. */
async function workPaymentRefundOnce(
  rec: WorkloadRecord,
  org: OrgRef,
  entity: EntityRef,
  rng: Rng,
  idempotencyKey: string,
) {
  const list = await org.client.request<{ data: Array<{ id: string; amount: string; amountRefunded: string }> }>(
    'GET',
    `/api/marketplace/work-payments?entityId=${entity.id}&status=succeeded&limit=100`,
  );
  expectStatus(list, [200], 'work payments');
  const refundable = list.body.data.filter((p) => new Decimal(p.amount).minus(p.amountRefunded).gte(1));
  if (refundable.length === 0) return;
  const payment = rng.pick(refundable);
  const res = await org.client.request(
    'POST',
    `/api/marketplace/work-payments/${payment.id}/refunds`,
    { amount: '1.00' },
    idempotencyKey,
  );
  if (res.status === 200 || res.status === 201) rec.counts.workPaymentRefunds += 1;
  else if (res.status === 402 || res.status === 422) {
    // Another client's refund took what was left meanwhile (REFUND_EXCEEDS_PAID), or the provider refused.
    rec.counts.workPaymentRefundsRefused += 1;
    refuse(rec, 'work payment refund', res);
  } else expectStatus(res, [201], 'work payment refund');
}

/**
 * As Stripe: charge.dispute.created for one of the entity's paid payments not yet disputed, or charge.dispute.closed
 * (won or lost) for a dispute this loop opened, signed with the endpoint secret and posted to the webhook endpoint.
 */
async function disputeOnce(
  rec: WorkloadRecord,
  org: OrgRef,
  entity: EntityRef,
  rng: Rng,
  loop: number,
  eventId: string,
) {
  const secret = rec.payments.webhookSecret!;
  const post = async (type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({
      id: `evt_${eventId}`,
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object },
    });
    const signature = signer.webhooks.generateTestHeaderString({ payload, secret });
    const res = await org.client.postSigned<{ outcome: string }>('/api/providers/stripe/webhooks', payload, {
      'stripe-signature': signature,
    });
    expectStatus(res, [200], type);
    return res.body.outcome;
  };
  const mine = [...rec.disputes.entries()].filter(([, d]) => d.loop === loop && d.status === 'open');
  if (mine.length > 0 && rng.chance(0.5)) {
    const [ref, dispute] = rng.pick(mine);
    const status = rng.chance(0.5) ? 'won' : 'lost';
    const outcome = await post('charge.dispute.closed', { id: ref, object: 'dispute', status });
    if (outcome !== 'dispute_closed') throw new Error(`dispute ${ref} closed: outcome ${outcome}`);
    dispute.status = status;
    rec.counts.disputesClosed += 1;
    return;
  }
  const list = await org.client.request<{
    data: Array<{ id: string; provider: string; providerRef: string | null; amount: string; disputed: boolean }>;
  }>('GET', `/api/billing/payments?entityId=${entity.id}&status=succeeded&limit=100`);
  expectStatus(list, [200], 'payments');
  const taken = new Set([...rec.disputes.values()].map((d) => d.paymentId));
  const open = list.body.data.filter((p) => p.providerRef?.startsWith('pi_') && !p.disputed && !taken.has(p.id));
  if (open.length === 0) return;
  const payment = rng.pick(open);
  const ref = `dp_${payment.id.replaceAll('-', '')}`;
  rec.disputes.set(ref, { paymentId: payment.id, loop, status: 'open' });
  const outcome = await post('charge.dispute.created', {
    id: ref,
    object: 'dispute',
    payment_intent: payment.providerRef,
    amount: Number(new Decimal(payment.amount).times(100).toFixed(0)),
    currency: 'usd',
    reason: rng.pick(['fraudulent', 'product_not_received', 'duplicate']),
    status: 'needs_response',
  });
  if (outcome !== 'dispute_opened') throw new Error(`dispute ${ref} opened: outcome ${outcome}`);
  rec.counts.disputesOpened += 1;
}

/** Signs provider events as Stripe does (HMAC of the body with the endpoint secret); makes no request. */
const signer = new Stripe('sk_test_chaos_signer');

/** Drives the workload until `deadline`; resolves when every client finished its operation in flight. */
export async function driveWorkload(rec: WorkloadRecord, seed: number, concurrency: number, deadline: number) {
  const stop = () => Date.now() >= deadline;
  await Promise.all(Array.from({ length: concurrency }, (_, loop) => clientLoop(rec, seed, loop, stop)));
}
