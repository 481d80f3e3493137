// Application-level group commit for single events. Every transaction of the hot path ends in a WAL flush (COMMIT,
// ~1-5 ms on the benchmark machine) and costs four round trips; under load, single-event requests that arrive while
// earlier ones are being written are committed together, in one transaction, by the next flush:
//
//   request -> queue -> (fewer than MAX_IN_FLIGHT flushes running?) -> flush: ingestEventsOfOrganizations(everything
//   queued, up to MAX_BATCH) -> each request gets its own event's outcome
//
// Nothing waits on a timer: an idle server flushes a lone event at once (same latency as without coalescing); under
// load a flush carries whatever queued during the previous one. Correctness is that of a batch: each entity's
// events are rated in arrival order under the entity's row lock, idempotency keys repeated across requests replay,
// and an entity whose events cannot be committed is isolated into its own transaction so the others still commit.
import type { Db } from '../db.js';
import { type EventOutcome, type IngestEventInput, ingestEventsOfOrganizations } from './ingestEvents.js';

export const MAX_IN_FLIGHT = 4;
export const MAX_BATCH = 200;

export interface IngestCoalescer {
  ingest(organizationId: string, input: IngestEventInput): Promise<EventOutcome>;
}

interface Pending {
  organizationId: string;
  input: IngestEventInput;
  resolve: (outcome: EventOutcome) => void;
  reject: (error: unknown) => void;
}

export function createIngestCoalescer(
  db: Db,
  opts: { onCommitted?: (webhookEventIds: string[]) => void; maxInFlight?: number; maxBatch?: number } = {},
): IngestCoalescer {
  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  const maxBatch = opts.maxBatch ?? MAX_BATCH;
  const queue: Pending[] = [];
  let inFlight = 0;

  const flush = async (items: Pending[]) => {
    try {
      const { outcomes, webhookEventIds } = await ingestEventsOfOrganizations(
        db,
        items.map(({ organizationId, input }) => ({ organizationId, input })),
      );
      if (webhookEventIds.length > 0) opts.onCommitted?.(webhookEventIds);
      items.forEach((item, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined) item.reject(new Error('metering: no outcome'));
        else if ('failed' in outcome) item.reject(outcome.failed);
        else item.resolve(outcome);
      });
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const items = queue.splice(0, maxBatch);
      inFlight += 1;
      void flush(items).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  return {
    ingest(organizationId, input) {
      return new Promise<EventOutcome>((resolve, reject) => {
        queue.push({ organizationId, input, resolve, reject });
        pump();
      });
    },
  };
}
