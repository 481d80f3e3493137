// Retention tests: an organization's rows of the archived tables as Postgres renders them (to compare a restore with
// what was there, exactly), and a throwaway archive directory.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Db } from '../../activities/db.js';
import { createCloseBillingPeriodActivities } from '../../activities/invoicing/closeBillingPeriod.js';
import { ARCHIVE_ORDER, type ArchivedTable } from '../../activities/retention/retentionTables.js';
import type { App } from '../../api/app.js';
import { Prisma } from '../../prisma/generated/client.js';
import { caller } from './apiFactories.js';
import { createMeteringTenant, eventBody, grantCredits, type MeteringTenant } from './meteringFactories.js';
import { eventually } from './workflowFactories.js';

const OWNED: Record<ArchivedTable, string> = {
  MarketplaceEvent: `t."entityId" IN (SELECT id FROM "Entity" WHERE "organizationId" = $1::uuid)`,
  WebhookAttempt: `t."deliveryId" IN (SELECT d.id FROM "WebhookDelivery" d JOIN "WebhookEvent" w ON w.id = d."webhookEventId" WHERE w."organizationId" = $1::uuid)`,
  WebhookDelivery: `t."webhookEventId" IN (SELECT id FROM "WebhookEvent" WHERE "organizationId" = $1::uuid)`,
  WebhookEvent: `t."organizationId" = $1::uuid`,
  IdempotencyRecord: `t."organizationId" = $1::uuid`,
  AuditLog: `t."organizationId" = $1::uuid`,
};

export type RowSnapshot = Record<ArchivedTable, string[]>;

/**
 * Every row of the organization in the archived tables, as Postgres's text of the record (every column with its
 * exact value: NUMERIC digits, microseconds, SQL NULL apart from a JSON null), by table, in id order.
 */
export async function snapshotRows(db: Db, organizationId: string, where = 'true'): Promise<RowSnapshot> {
  const out = {} as RowSnapshot;
  for (const table of ARCHIVE_ORDER) {
    const { rows } = await db.pg.query<{ line: string }>(
      `SELECT t::text AS line FROM "${table}" t WHERE ${OWNED[table]} AND ${where} ORDER BY t.id`,
      [organizationId],
    );
    out[table] = rows.map((r) => r.line);
  }
  return out;
}

export const rowCounts = (s: RowSnapshot) =>
  Object.fromEntries(Object.entries(s).map(([t, rows]) => [t, rows.length])) as Record<ArchivedTable, number>;

/** A fresh archive directory for the test file (call at top level): `.dir` is set before the first test. */
export function archiveDirForFile(name: string): { dir: string } {
  const holder = { dir: '' };
  beforeAll(async () => {
    holder.dir = await mkdtemp(path.join(tmpdir(), `billing-archive-${name}-`));
  });
  afterAll(async () => {
    if (holder.dir) await rm(holder.dir, { recursive: true, force: true });
  });
  return holder;
}

export const SHORT_POLICY = {
  rawEventDays: 1,
  webhookPayloadDays: 1,
  webhookAttemptDays: 1,
  idempotencyRecordDays: 2,
  auditLogDays: 1,
};

export interface Busy extends MeteringTenant {
  events: Array<Record<string, unknown>>;
  failedOutboxId: string;
}

/** Events drawn from credits and billed later (single and batch), users, webhook rows, stored responses, audit rows. */
export async function busyOrganization(ctx: { db: Db; app: App }): Promise<Busy> {
  const t = await createMeteringTenant(ctx.db, {
    overagePolicy: 'bill',
    prices: [{ eventType: 'project.posted', unitPrice: '3.00' }],
    members: 2,
  });
  await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
  // The grant's outbox row (written by the fixture, which dispatches nothing); every later one comes from the API.
  const notFromTheApi = (await ctx.db.webhookEvent.findMany({ where: { organizationId: t.organizationId } })).map(
    (e) => e.id,
  );
  const ingest = caller(ctx.app, t.ingestKey);
  const admin = caller(ctx.app, t.adminKey);
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 5; i += 1) {
    const body = eventBody(t, { userId: t.userIds[i % 2], properties: { projectId: `p-${i}`, rate: 1.1 } });
    // The key in the header and the (deprecated) body field alike: both given, they must agree.
    const r = await ingest('POST', '/api/billing/events', body, { 'Idempotency-Key': body.idempotencyKey as string });
    expect(r.status).toBe(200);
    events.push(body);
  }
  const batch = [eventBody(t), eventBody(t, { userId: t.userIds[1] })];
  expect((await ingest('POST', '/api/billing/events/batch', { events: batch })).status).toBe(200);
  events.push(...batch);
  expect((await admin('PATCH', '/api/retention-policy', SHORT_POLICY)).status).toBe(200);
  // A stored Idempotency-Key response (a POST on a route without a resource key of its own).
  const plan = { name: 'Retained seat', interval: 'month', pricePerSeat: '10.00', currency: 'USD' };
  expect((await admin('POST', '/api/billing/seat-plans', plan, { 'Idempotency-Key': randomUUID() })).status).toBe(201);

  // The API hands the metering's outbox rows to delivery after commit, in the background: wait until it has, or
  // a dispatch still under way would add a delivery for the endpoint created next (and change every count below).
  await eventually(async () =>
    (await ctx.db.webhookEvent.count({
      where: { organizationId: t.organizationId, dispatchedAt: null, id: { notIn: notFromTheApi } },
    })) === 0
      ? true
      : null,
  );

  // Webhook rows: one outbox row delivered after a failed attempt, one still being retried (kept).
  const endpoint = await ctx.db.webhookEndpoint.create({
    data: { organizationId: t.organizationId, url: 'https://hooks.test.example/a', secret: 'whsec_x', eventTypes: [] },
  });
  const delivered = await ctx.db.webhookEvent.create({
    data: {
      organizationId: t.organizationId,
      entityId: t.entityId,
      type: 'credits.low',
      payload: { type: 'credits.low', balance: '1.000000', nested: { n: 10.5 } },
      idempotencyKey: `test:${randomUUID()}`,
      dispatchedAt: new Date(),
      deliveries: {
        create: {
          endpointId: endpoint.id,
          status: 'delivered',
          attemptCount: 2,
          lastStatusCode: 200,
          deliveredAt: new Date(),
          attempts: {
            create: [
              { attemptNumber: 1, statusCode: 503, error: 'HTTP 503', durationMs: 12 },
              { attemptNumber: 2, statusCode: 200, durationMs: 9 },
            ],
          },
        },
      },
    },
  });
  expect(delivered.id).toBeDefined();
  const failed = await ctx.db.webhookEvent.create({
    data: {
      organizationId: t.organizationId,
      type: 'credits.depleted',
      payload: { type: 'credits.depleted' },
      idempotencyKey: `test:${randomUUID()}`,
      dispatchedAt: new Date(),
      deliveries: {
        create: {
          endpointId: endpoint.id,
          status: 'failed',
          attemptCount: 1,
          attempts: { create: [{ attemptNumber: 1, statusCode: 500, error: 'HTTP 500', durationMs: 5 }] },
        },
      },
    },
  });
  // JSON numbers JavaScript cannot hold exactly (nor print as written): the archive keeps every digit.
  await ctx.db.pg.query(
    `INSERT INTO "AuditLog" (id, "organizationId", "actorType", action, "targetType", after)
     VALUES (gen_random_uuid(), $1, 'system', 'test.numbers', 'test',
             '{"amount": 1.10, "big": 123456789012345678901234567890.000001}'::jsonb)`,
    [t.organizationId],
  );
  // Audit rows with SQL NULL and with the JSON value null in the same nullable column.
  await ctx.db.auditLog.create({
    data: {
      organizationId: t.organizationId,
      actorType: 'system',
      action: 'test.nulls',
      targetType: 'test',
      after: Prisma.JsonNull,
    },
  });

  const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
  const period = await ctx.db.billingPeriod.findFirstOrThrow({ where: { entityId: t.entityId } });
  await closeBillingPeriod({ billingPeriodId: period.id, at: new Date().toISOString() });
  return { ...t, events, failedOutboxId: failed.id };
}
