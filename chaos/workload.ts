// The seeded random workload on the marketplace of marketplaceSetup.ts: `concurrency` clients loop until the deadline
// over single events, batches, credit purchases, credit transfers, seat changes, pauses and resumes, and period
// closes (the billing workflow's closeNow, through the API: time compressed). Every answer a client got is recorded
// (workloadRecord.ts) for the verifier.
import { GaveUpError } from './marketplaceClient.js';
import { expectStatus } from './marketplaceSetup.js';
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
    const op = rng.weighted({ event: 40, batch: 12, purchase: 12, transfer: 8, seats: 10, pause: 4, close: 4 });
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
          // Half the time with an Idempotency-Key header as well: both layers must agree.
          const res = await org.client
            .request<EventOutcome & { code?: string }>(
              'POST',
              '/api/billing/events',
              ev,
              rng.chance(0.5) ? `h-${ev.idempotencyKey}` : undefined,
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
            { entityId: entity.id, packageId: org.packageId, idempotencyKey },
            rng.chance(0.5) ? `h-${idempotencyKey}` : undefined,
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
            { fromEntityId: entity.id, toEntityId: to.id, amount, idempotencyKey },
            `h-${idempotencyKey}`,
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
      }
    } catch (err) {
      if (err instanceof GaveUpError) rec.counts.gaveUp += 1;
      if (rec.errors.length < 50) rec.errors.push(`${op}: ${(err as Error).message}`);
    }
  }
}

/** Drives the workload until `deadline`; resolves when every client finished its operation in flight. */
export async function driveWorkload(rec: WorkloadRecord, seed: number, concurrency: number, deadline: number) {
  const stop = () => Date.now() >= deadline;
  await Promise.all(Array.from({ length: concurrency }, (_, loop) => clientLoop(rec, seed, loop, stop)));
}
