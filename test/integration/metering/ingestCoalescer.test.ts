// The single-event group commit (activities/metering/ingestCoalescer.ts) against the real database: events queued
// while flushes run are committed together, no two running flushes share an entity, and each entity's events are
// rated in the order they arrived.
import { describe, expect, it } from 'vitest';
import { createIngestCoalescer } from '../../../activities/metering/ingestCoalescer.js';
import type { EventOutcome, IngestEventInput } from '../../../activities/metering/ingestEvents.js';
import {
  addEntity,
  createMeteringTenant,
  eventBody,
  grantCredits,
  ledgerInvariantViolations,
} from '../../support/meteringFactories.js';
import { dbTestContext } from '../../support/testContext.js';

const ctx = dbTestContext(10);

const GRADUATED = [
  {
    eventType: 'msg',
    model: 'graduated' as const,
    tiers: [
      { upTo: '5', unitPrice: '1.00' },
      { upTo: null, unitPrice: '0.50' },
    ],
  },
];

describe('createIngestCoalescer', () => {
  it('rates each entity in arrival order while flushes of other entities run beside it', async () => {
    const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill', prices: GRADUATED });
    const second = await addEntity(ctx.db, t.organizationId, { userIds: t.userIds, overagePolicy: 'bill' });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    await grantCredits(ctx.db, t.organizationId, second, '100.00');
    const coalescer = createIngestCoalescer(ctx.db, { maxInFlight: 4, maxBatch: 3 });

    // Interleaved arrivals; every call is queued before the first flush finishes.
    const calls: Array<{ entity: string; outcome: Promise<EventOutcome> }> = [];
    for (let i = 0; i < 12; i += 1) {
      const entity = i % 3 === 2 ? second : t.entityId;
      const input = eventBody(
        { entityId: entity, userIds: t.userIds },
        { eventType: 'msg' },
      ) as unknown as IngestEventInput;
      calls.push({ entity, outcome: coalescer.ingest(t.organizationId, input) });
    }
    const outcomes = await Promise.all(calls.map((c) => c.outcome));
    const byEntity = (entity: string) =>
      outcomes
        .filter((_, i) => calls[i]?.entity === entity)
        .map((o) => (o.status === 'accepted' ? [o.ratedAmount, o.balanceAfter] : [o.status]));

    // 8 events on the first entity: 5 at 1.00, then 0.50, balances falling in call order.
    expect(byEntity(t.entityId)).toEqual([
      ['1.00', '99.00'],
      ['1.00', '98.00'],
      ['1.00', '97.00'],
      ['1.00', '96.00'],
      ['1.00', '95.00'],
      ['0.50', '94.50'],
      ['0.50', '94.00'],
      ['0.50', '93.50'],
    ]);
    expect(byEntity(second)).toEqual([
      ['1.00', '99.00'],
      ['1.00', '98.00'],
      ['1.00', '97.00'],
      ['1.00', '96.00'],
    ]);
    expect(await ledgerInvariantViolations(ctx.db, t.entityId)).toEqual([]);
    expect(await ledgerInvariantViolations(ctx.db, second)).toEqual([]);
  });

  it('never runs two flushes holding the same entity: a second flush waits instead of blocking on its lock', async () => {
    const t = await createMeteringTenant(ctx.db, { overagePolicy: 'bill', prices: GRADUATED });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '100.00');
    const coalescer = createIngestCoalescer(ctx.db, { maxInFlight: 4, maxBatch: 200 });
    const first = coalescer.ingest(t.organizationId, eventBody(t, { eventType: 'msg' }) as unknown as IngestEventInput);
    // Queued behind the running flush of the same entity: all three go together in the next flush.
    const rest = [1, 2, 3].map(() =>
      coalescer.ingest(t.organizationId, eventBody(t, { eventType: 'msg' }) as unknown as IngestEventInput),
    );
    const outcomes = await Promise.all([first, ...rest]);
    expect(outcomes.map((o) => (o.status === 'accepted' ? o.balanceAfter : o.status))).toEqual([
      '99.00',
      '98.00',
      '97.00',
      '96.00',
    ]);
    // One consume entry for the first flush, one for the three events of the second.
    const entries = await ctx.db.ledgerEntry.findMany({
      where: { entityId: t.entityId, kind: 'consume' },
      orderBy: { id: 'asc' },
    });
    expect(entries.map((e) => e.amount.toString())).toEqual(['-1', '-3']);
  });
});
