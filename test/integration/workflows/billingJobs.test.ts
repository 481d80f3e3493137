// Billing jobs on the real dev server through the API: an event replay after a price change writes one adjustment per
// event (2.00 -> 2.50 over 3 events = 3 x 0.50) and leaves events, the ledger and an issued invoice untouched; a second
// replay finds nothing left to adjust; a batch import ingests through the metering path; both are cancellable
// (signal `cancel`) and the routes validate, scope and hide other organizations' jobs.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { createBillingJob } from '../../../activities/jobs/billingJobRecords.js';
import { ingestEvents } from '../../../activities/metering/ingestEvents.js';
import { caller } from '../../support/apiFactories.js';
import { createMeteringTenant, type MeteringTenant } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';
import { createOpenInvoice, eventually } from '../../support/workflowFactories.js';
import { recordHistory } from '../../support/workflowTesting.js';

const ctx = apiTestContext('billing-jobs', { worker: true });

interface Body {
  id: string;
  kind: string;
  status: string;
  entityId: string | null;
  workflowId: string;
  progress: Record<string, unknown> | null;
  finishedAt: string | null;
  code?: string;
  data: Array<{ id: string }>;
  hasMore: boolean;
  nextCursor: string | null;
}

/** A request to the app as the holder of `key`. */
const call = (method: string, path: string, key: string, body?: unknown) =>
  caller(ctx.app, key)<Body>(method, path, body);

async function finished(key: string, jobId: string) {
  return eventually(async () => {
    const res = await call('GET', `/api/billing/jobs/${jobId}`, key);
    return res.body.status === 'completed' || res.body.status === 'canceled' ? res.body : null;
  });
}

const asEnv = (c: Client) => ({ client: c }) as unknown as TestWorkflowEnvironment;

async function tenantWithEvents(count: number): Promise<{ t: MeteringTenant; eventIds: string[] }> {
  const t = await createMeteringTenant(ctx.db, {
    overagePolicy: 'bill',
    prices: [{ eventType: 'project.posted', unitPrice: '2.00' }],
  });
  const { outcomes } = await ingestEvents(
    ctx.db,
    t.organizationId,
    Array.from({ length: count }, (_, i) => ({
      entityId: t.entityId,
      userId: t.userIds[0]!,
      eventType: 'project.posted',
      quantity: 1,
      occurredAt: new Date(Date.now() - (count - i) * 1000).toISOString(),
      idempotencyKey: `ev-${i}`,
      properties: {},
    })),
  );
  return { t, eventIds: outcomes.map((o) => (o as { eventId: string }).eventId) };
}

async function setFlatPrice(organizationId: string, unitPrice: string) {
  await ctx.db.eventPrice.updateMany({ where: { priceBook: { organizationId } }, data: { unitPrice } });
}

describe('event replay', () => {
  it('re-rates after a price change as adjustments; issued invoices, events and ledger untouched', async () => {
    const { t, eventIds } = await tenantWithEvents(3);
    const now = Date.now();
    const invoice = await createOpenInvoice(ctx.db, {
      organizationId: t.organizationId,
      entityId: t.entityId,
      amount: '6.00',
      periodStart: new Date(now - 86_400_000),
      periodEnd: new Date(now),
    });
    const ledgerBefore = await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId } });
    await setFlatPrice(t.organizationId, '2.50');

    const range = {
      entityId: t.entityId,
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 60_000).toISOString(),
    };
    const started = await call('POST', '/api/billing/jobs/replays', t.adminKey, range);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ kind: 'event_replay', status: 'pending', entityId: t.entityId });
    expect(started.body.workflowId).toBe(`replay:${started.body.id}`);
    const job = await finished(t.readKey, started.body.id);
    expect(job.progress).toEqual({
      processed: 3,
      total: 3,
      adjustments: 3,
      adjustedAmount: '1.50',
      skipped: 0,
      currency: 'USD',
      status: 'completed',
    });
    expect(job.finishedAt).not.toBeNull();
    await recordHistory(asEnv(ctx.client), job.workflowId, 'eventReplayWorkflow-adjustments');

    const items = await ctx.db.invoiceItem.findMany({
      where: { entityId: t.entityId, kind: 'adjustment' },
      orderBy: { eventId: 'asc' },
    });
    expect(items.map((i) => [i.eventId, i.amount.toFixed(2), i.invoiceId, i.idempotencyKey])).toEqual(
      [...eventIds].sort().map((id) => [id, '0.50', null, `replay:${job.id}:${id}`]),
    );
    const events = await ctx.db.marketplaceEvent.findMany({ where: { entityId: t.entityId } });
    expect(events.map((e) => e.ratedAmount.toFixed(2))).toEqual(['2.00', '2.00', '2.00']);
    expect(await ctx.db.ledgerEntry.count({ where: { entityId: t.entityId } })).toBe(ledgerBefore);
    const after = await ctx.db.invoice.findUniqueOrThrow({ where: { id: invoice.id }, include: { lines: true } });
    expect([after.status, after.total.toFixed(2), after.lines.length]).toEqual(['open', '6.00', 1]);

    // A second replay finds everything already adjusted.
    const again = await call('POST', '/api/billing/jobs/replays', t.adminKey, range);
    const second = await finished(t.readKey, again.body.id);
    expect(second.progress).toMatchObject({ processed: 3, adjustments: 0, adjustedAmount: '0.00' });
    expect(await ctx.db.invoiceItem.count({ where: { entityId: t.entityId, kind: 'adjustment' } })).toBe(3);
    expect((await checkInvariants(ctx.db, { organizationId: t.organizationId })).violations).toEqual([]);
  });

  it('a cancel before the first chunk stops with nothing written', async () => {
    const { t } = await tenantWithEvents(2);
    await setFlatPrice(t.organizationId, '3.00');
    const job = await createBillingJob(ctx.db, t.organizationId, {
      kind: 'event_replay',
      entityId: t.entityId,
      params: {},
    });
    const handle: WorkflowHandle = await ctx.client.workflow.signalWithStart('eventReplayWorkflow', {
      workflowId: job.workflowId,
      taskQueue: ctx.taskQueue,
      args: [
        {
          jobId: job.id,
          organizationId: t.organizationId,
          entityId: t.entityId,
          from: new Date(Date.now() - 3_600_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
        },
      ],
      signal: 'cancel',
      signalArgs: [],
    });
    expect(await handle.result()).toMatchObject({ processed: 0, total: 2, adjustments: 0, status: 'canceled' });
    const row = await ctx.db.billingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe('canceled');
    expect(await ctx.db.invoiceItem.count({ where: { entityId: t.entityId, kind: 'adjustment' } })).toBe(0);
    const res = await call('POST', `/api/billing/jobs/${job.id}/cancel`, t.adminKey);
    expect([res.status, res.body.code]).toEqual([409, 'JOB_FINISHED']);
  });
});

describe('batch import', () => {
  it('ingests in chunks through the metering path; invalid events are counted, nothing is doubled', async () => {
    const t = await createMeteringTenant(ctx.db, {
      overagePolicy: 'bill',
      prices: [{ eventType: 'project.posted', unitPrice: '1.25' }],
    });
    const event = (i: number, eventType = 'project.posted') => ({
      entityId: t.entityId,
      userId: t.userIds[0],
      eventType,
      quantity: 1,
      occurredAt: new Date(Date.now() - 10_000 + i).toISOString(),
      idempotencyKey: `imp-${i}`,
      properties: {},
    });
    const events = [event(0), event(1), event(2), event(3, 'unknown.type')];
    const started = await call('POST', '/api/billing/jobs/imports', t.adminKey, { events });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ kind: 'batch_import', entityId: null });
    const job = await finished(t.readKey, started.body.id);
    expect(job.progress).toEqual({ processed: 4, total: 4, accepted: 3, rejected: 0, invalid: 1, status: 'completed' });
    await recordHistory(asEnv(ctx.client), job.workflowId, 'batchImportWorkflow-import');
    const stored = await ctx.db.marketplaceEvent.findMany({ where: { entityId: t.entityId } });
    expect(stored.map((e) => e.ratedAmount.toFixed(2)).sort()).toEqual(['1.25', '1.25', '1.25']);

    // The same file again: every event replays its stored outcome, nothing new is written.
    const again = await call('POST', '/api/billing/jobs/imports', t.adminKey, { events });
    expect((await finished(t.readKey, again.body.id)).progress).toMatchObject({ accepted: 3, invalid: 1 });
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(3);
    expect((await checkInvariants(ctx.db, { organizationId: t.organizationId })).violations).toEqual([]);
  });

  it('a cancel before the first chunk imports nothing', async () => {
    const t = await createMeteringTenant(ctx.db);
    const job = await createBillingJob(ctx.db, t.organizationId, {
      kind: 'batch_import',
      entityId: null,
      params: {
        events: [
          {
            entityId: t.entityId,
            userId: t.userIds[0]!,
            eventType: 'project.posted',
            quantity: 1,
            occurredAt: new Date().toISOString(),
            idempotencyKey: randomUUID(),
            properties: {},
          },
        ],
      },
    });
    const handle = await ctx.client.workflow.signalWithStart('batchImportWorkflow', {
      workflowId: job.workflowId,
      taskQueue: ctx.taskQueue,
      args: [{ jobId: job.id, organizationId: t.organizationId }],
      signal: 'cancel',
      signalArgs: [],
    });
    expect(await handle.result()).toMatchObject({ processed: 0, total: 1, status: 'canceled' });
    expect((await ctx.db.billingJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe('canceled');
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(0);
  });
});

describe('jobs API', () => {
  it('validates, checks scopes, lists with cursors and hides other organizations', async () => {
    const { t } = await tenantWithEvents(1);
    const other = await createMeteringTenant(ctx.db);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();

    const invalid = await call('POST', '/api/billing/jobs/replays', t.adminKey, {
      entityId: t.entityId,
      from: to,
      to: from,
    });
    expect([invalid.status, invalid.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    const empty = await call('POST', '/api/billing/jobs/imports', t.adminKey, { events: [] });
    expect([empty.status, empty.body.code]).toEqual([422, 'VALIDATION_FAILED']);
    const scope = await call('POST', '/api/billing/jobs/replays', t.readKey, { entityId: t.entityId, from, to });
    expect([scope.status, scope.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    const foreignEntity = await call('POST', '/api/billing/jobs/replays', t.adminKey, {
      entityId: other.entityId,
      from,
      to,
    });
    expect([foreignEntity.status, foreignEntity.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(await ctx.db.billingJob.count({ where: { organizationId: t.organizationId } })).toBe(0);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/api/billing/jobs/replays', t.adminKey, { entityId: t.entityId, from, to });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    for (const id of ids) await finished(t.readKey, id);
    const page1 = await call('GET', '/api/billing/jobs?limit=2', t.readKey);
    expect([page1.body.data.map((j) => j.id), page1.body.hasMore]).toEqual([ids.slice(0, 2), true]);
    const page2 = await call('GET', `/api/billing/jobs?limit=2&starting_after=${page1.body.nextCursor}`, t.readKey);
    expect([page2.body.data.map((j) => j.id), page2.body.hasMore]).toEqual([ids.slice(2), false]);
    expect((await call('GET', '/api/billing/jobs?kind=batch_import', t.readKey)).body.data).toEqual([]);

    expect((await call('GET', `/api/billing/jobs/${ids[0]}`, other.readKey)).status).toBe(404);
    expect((await call('POST', `/api/billing/jobs/${ids[0]}/cancel`, other.adminKey)).status).toBe(404);
    expect((await call('POST', `/api/billing/jobs/${ids[0]}/cancel`, t.readKey)).status).toBe(403);
    expect((await call('GET', '/api/billing/jobs', other.readKey)).body.data).toEqual([]);
  });
});
