// The invariant checker finds nothing on data written by the real code paths, and finds each kind of corruption
// when it is planted (so a green report means something).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkInvariants, type InvariantRule } from '../../../activities/invariants/checkInvariants.js';
import { createCloseBillingPeriodActivities } from '../../../activities/invoicing/closeBillingPeriod.js';
import {
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  type MeteringTenant,
} from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('invariants', { db: 5 });

async function post(path: string, key: string, body: unknown) {
  const res = await ctx.app.request(path, { method: 'POST', headers: jsonHeaders(key), body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A tenant with accepted, rejected and billed-later events and a credit transfer, all through the API. */
async function busyTenant(): Promise<MeteringTenant & { grantId: string }> {
  const t = await createMeteringTenant(ctx.db, {
    overagePolicy: 'bill',
    prices: [{ eventType: 'project.posted', unitPrice: '3.00' }],
  });
  const grantId = await grantCredits(ctx.db, t.organizationId, t.entityId, '10.00');
  for (let i = 0; i < 5; i++) {
    const r = await post('/api/billing/events', t.ingestKey, eventBody(t));
    expect(r.status).toBe(200);
  }
  // A rejection: an event type with no price is a request error, so use a non-member user's batch outcome instead.
  const batch = await post('/api/billing/events/batch', t.ingestKey, {
    events: [eventBody(t), eventBody(t, { userId: randomUUID() })],
  });
  expect(batch.status).toBe(200);
  return { ...t, grantId };
}

const rules = (violations: { rule: InvariantRule }[]) => violations.map((v) => v.rule).sort();

describe('checkInvariants', () => {
  it('finds no violation in data written by the real code paths', async () => {
    const t = await busyTenant();
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(report.violations).toEqual([]);
    // Sanity: the scenario did draw credits and bill an overage.
    const events = await ctx.db.marketplaceEvent.findMany({ where: { entityId: t.entityId, status: 'accepted' } });
    expect(events.some((e) => e.billedLater.greaterThan(0))).toBe(true);
    expect(events.some((e) => e.creditsDrawn.greaterThan(0))).toBe(true);
  });

  it('reports a grant whose balance disagrees with its ledger', async () => {
    const t = await busyTenant();
    await ctx.db.creditGrant.update({ where: { id: t.grantId }, data: { remaining: { increment: '0.01' } } });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(rules(report.violations)).toEqual(['grant_balance']);
    expect(report.violations[0]?.ids).toEqual([t.grantId]);
    expect(report.violations[0]?.detail).toMatch(/remaining .* but ledger entries sum to/);
  });

  it('reports a consume entry written twice: no event draw accounts for the copy', async () => {
    const t = await busyTenant();
    const consume = await ctx.db.ledgerEntry.findFirstOrThrow({ where: { entityId: t.entityId, kind: 'consume' } });
    const copy = await ctx.db.ledgerEntry.create({
      data: {
        ...consume,
        id: undefined,
        idempotencyKey: `duplicate:${consume.id}`,
        createdAt: undefined,
        conversion: undefined,
      },
    });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(rules(report.violations)).toEqual(['grant_balance', 'ledger_cause']);
    expect(report.violations.find((v) => v.rule === 'ledger_cause')?.ids).toEqual([copy.id]);
  });

  it('reports an event whose draws disagree with its creditsDrawn, and with its consume entry', async () => {
    const t = await busyTenant();
    const event = await ctx.db.marketplaceEvent.findFirstOrThrow({
      where: { entityId: t.entityId, status: 'accepted', creditsDrawn: { gt: 0 } },
    });
    const draws = event.draws as Array<{ grantId: string; amount: string; ledgerEntryId: string }>;
    const doubled = draws.map((d) => ({ ...d, amount: String(Number(d.amount) * 2) }));
    await ctx.db.marketplaceEvent.update({ where: { id: event.id }, data: { draws: doubled } });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(rules(report.violations)).toEqual(['event_accounting', 'ledger_cause']);
    expect(report.violations.find((v) => v.rule === 'event_accounting')?.ids).toEqual([event.id]);
    expect(report.violations.find((v) => v.rule === 'ledger_cause')?.ids).toEqual(draws.map((d) => d.ledgerEntryId));
  });

  it('reports an event naming a user who is not a member of its entity, or no entity at all', async () => {
    const t = await busyTenant();
    const event = await ctx.db.marketplaceEvent.findFirstOrThrow({
      where: { entityId: t.entityId, status: 'accepted' },
    });
    const stranger = await ctx.db.user.create({
      data: { email: `stranger-${randomUUID()}@example.com`, name: 'Stranger' },
    });
    await ctx.db.marketplaceEvent.update({ where: { id: event.id }, data: { userId: stranger.id } });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(rules(report.violations)).toEqual(['event_references']);
    expect(report.violations[0]).toMatchObject({ ids: [event.id], detail: "the event's membership does not exist" });

    // An event of no entity (its organization column aside) belongs to no organization's entity: only the unscoped
    // check can see it.
    const orphanId = randomUUID();
    await ctx.db.$executeRaw`
      INSERT INTO "MarketplaceEvent" (id, "organizationId", "entityId", "userId", "eventType", "occurredAt",
        "idempotencyKey", "payloadHash", status, currency, "periodStart", "billedPeriodStart")
      VALUES (${orphanId}::uuid, ${t.organizationId}::uuid, ${randomUUID()}::uuid, ${stranger.id}::uuid,
        'project.posted', now(), 'orphan', '-', 'rejected', 'USD', now(), now())`;
    try {
      const all = await checkInvariants(ctx.db, { outboxGraceSeconds: 1e9 });
      expect(all.violations.filter((v) => v.ids.includes(orphanId))).toEqual([
        { rule: 'event_references', ids: [orphanId], detail: "the event's entity does not exist" },
      ]);
    } finally {
      await ctx.db.marketplaceEvent.delete({ where: { id: orphanId } });
    }
  });

  it('reports invoice totals that differ from their lines, overlapping invoices and numbering gaps', async () => {
    const t = await busyTenant();
    const base = {
      organizationId: t.organizationId,
      entityId: t.entityId,
      currency: 'USD',
      status: 'open' as const,
    };
    const a = await ctx.db.invoice.create({
      data: {
        ...base,
        number: 1,
        periodStart: new Date('2026-01-01T00:00:00Z'),
        periodEnd: new Date('2026-02-01T00:00:00Z'),
        total: '10.00',
      },
    });
    await ctx.db.invoiceLine.create({
      data: { invoiceId: a.id, position: 1, kind: 'usage', description: 'Usage', amount: '9.99' },
    });
    const b = await ctx.db.invoice.create({
      data: {
        ...base,
        number: 3,
        periodStart: new Date('2026-01-15T00:00:00Z'),
        periodEnd: new Date('2026-02-15T00:00:00Z'),
      },
    });
    await ctx.db.organization.update({ where: { id: t.organizationId }, data: { nextInvoiceNumber: 4 } });

    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(rules(report.violations)).toEqual(['invoice_numbering', 'invoice_totals', 'one_invoice_per_period']);
    expect(report.violations.find((v) => v.rule === 'invoice_totals')?.ids).toEqual([a.id]);
    expect(report.violations.find((v) => v.rule === 'one_invoice_per_period')?.ids).toEqual([a.id, b.id].sort());
    expect(report.violations.find((v) => v.rule === 'invoice_numbering')?.ids).toEqual([t.organizationId]);
  });

  it('reports outbox rows never dispatched once the grace period is over', async () => {
    const t = await busyTenant();
    const row = await ctx.db.webhookEvent.create({
      data: {
        organizationId: t.organizationId,
        entityId: t.entityId,
        type: 'credits.low',
        payload: {},
        idempotencyKey: `test:${randomUUID()}`,
        createdAt: new Date(Date.now() - 3_600_000),
      },
    });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 60 });
    const outbox = report.violations.filter((v) => v.rule === 'outbox_delivered');
    expect(outbox.map((v) => v.ids[0])).toContain(row.id);
    expect(outbox.find((v) => v.ids[0] === row.id)?.detail).toBe('credits.low outbox row never dispatched');
  });

  it('reports periods that do not tile, events outside their period, drifted counters and unbilled events', async () => {
    const t = await busyTenant();
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    const [period] = await ctx.db.billingPeriod.findMany({ where: { entityId: t.entityId } });
    expect(period).toBeDefined();
    await closeBillingPeriod({ billingPeriodId: period?.id as string, at: new Date().toISOString() });
    const clean = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(clean.violations).toEqual([]);

    // A gap after the closed period; an event moved out of its period; a counter bumped; an accepted event billed by
    // the closed period that its invoice does not carry.
    const gap = await ctx.db.billingPeriod.create({
      data: {
        entityId: t.entityId,
        periodStart: new Date((period?.periodEnd.getTime() as number) + 60_000),
        periodEnd: new Date((period?.periodEnd.getTime() as number) + 3_600_000),
        workflowId: `billing:${t.entityId}`,
      },
    });
    const [moved, unbilled] = await ctx.db.marketplaceEvent.findMany({
      where: { entityId: t.entityId, status: 'accepted' },
      orderBy: { id: 'asc' },
    });
    await ctx.db.marketplaceEvent.update({
      where: { id: moved?.id as string },
      data: { occurredAt: new Date((period?.periodStart.getTime() as number) - 1) },
    });
    const counter = await ctx.db.usageCounter.findFirstOrThrow({ where: { entityId: t.entityId } });
    await ctx.db.usageCounter.update({ where: { id: counter.id }, data: { quantity: { increment: 1 } } });
    await ctx.db.marketplaceEvent.create({
      data: {
        ...(unbilled as NonNullable<typeof unbilled>),
        id: undefined,
        idempotencyKey: `planted:${randomUUID()}`,
        draws: [],
        creditsDrawn: 0,
        billedLater: unbilled?.ratedAmount ?? 0,
        properties: {},
        createdAt: undefined,
      },
    });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    const found = rules(report.violations).filter((r) =>
      ['period_tiling', 'event_period', 'usage_counters', 'event_invoiced'].includes(r),
    );
    expect(found).toEqual(['event_invoiced', 'event_period', 'period_tiling', 'usage_counters']);
    expect(report.violations.find((v) => v.rule === 'period_tiling')?.ids).toEqual([t.entityId, gap.id]);
    expect(report.violations.find((v) => v.rule === 'event_period')?.ids).toEqual([moved?.id]);
    expect(report.violations.find((v) => v.rule === 'event_invoiced')?.ids[0]).toBe(period?.id);
  });
});

describe('checkInvariants and row-level security', () => {
  it('refuses to run as the application role, which would see no organization and report nothing', async () => {
    const t = await busyTenant();
    await expect(checkInvariants(ctx.appDb, { organizationId: t.organizationId })).rejects.toThrow(
      'is held by row-level security',
    );
  });

  it('tenant_column: a row naming a parent of another organization', async () => {
    const t = await busyTenant();
    const other = await createMeteringTenant(ctx.db, { prices: [{ eventType: 'project.posted', unitPrice: '1.00' }] });
    // A team of t's entity, written under the other organization (as a foreign key alone would let it be).
    const team = await ctx.db.team.create({
      data: { organizationId: other.organizationId, entityId: t.entityId, name: `stray-${randomUUID()}` },
    });
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(rules(report.violations)).toEqual(['tenant_column']);
    expect(report.violations[0]?.ids).toEqual([team.id]);
    expect(report.violations[0]?.detail).toBe(
      `Team of organization ${other.organizationId} names Entity (entityId) of organization ${t.organizationId}`,
    );
  });
});
