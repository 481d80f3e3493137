// /api/billing/invoices: list with filters, read, lines, HTML, void and mark paid out of band.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSubscriptionLifecycleActivities } from '../../../activities/subscriptions/subscriptionLifecycle.js';
import {
  type Caller,
  caller,
  createFinalizedInvoice,
  expectProblem,
  tenantsAndCallers,
  UNKNOWN_ID,
} from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';
import { createSeatPlan } from '../../support/workflowFactories.js';

const ctx = apiTestContext('api-invoices');
let tenant: TestTenant;
let other: TestTenant;
let admin: Caller;
let reader: Caller;
let ingest: Caller;

beforeAll(async () => {
  ({ tenant, other, admin, reader, ingest } = await tenantsAndCallers(ctx.db, ctx.app));
});

const base = '/api/billing/invoices';

describe(base, () => {
  it('reads an invoice with exact amounts and its lines in order', async () => {
    const inv = await createFinalizedInvoice(ctx.db, tenant, { periodStart: new Date('2026-01-01T00:00:00Z') });
    const res = await reader('GET', `${base}/${inv.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: inv.id,
      entityId: tenant.entityId,
      number: inv.number,
      status: 'open',
      currency: 'USD',
      periodStart: '2026-01-01T00:00:00.000Z',
      subtotal: '51.00',
      creditsApplied: '5.00',
      total: '46.00',
      amountDue: '46.00',
      amountPaid: '0.00',
      paidAt: null,
      voidedAt: null,
    });
    const lines = await reader('GET', `${base}/${inv.id}/lines`);
    expect(
      lines.body.data.map((l: Record<string, unknown>) => [l.position, l.kind, l.quantity, l.unitAmount, l.amount]),
    ).toEqual([
      [1, 'subscription_fee', '3', '12.00', '36.00'],
      [2, 'usage', '150', '0.10', '15.00'],
      [3, 'credits_applied', '1', null, '-5.00'],
    ]);
    const page = await reader('GET', `${base}/${inv.id}/lines?limit=2`);
    expect(page.body.hasMore).toBe(true);
    expect(page.body.data.map((l: { position: number }) => l.position)).toEqual([1, 2]);
  });

  it('filters the list by entity, status and period', async () => {
    const jan = await createFinalizedInvoice(ctx.db, tenant, { periodStart: new Date('2025-01-01T00:00:00Z') });
    const feb = await createFinalizedInvoice(ctx.db, tenant, {
      periodStart: new Date('2025-02-01T00:00:00Z'),
      status: 'paid',
    });
    const paid = await reader('GET', `${base}?status=paid&entityId=${tenant.entityId}`);
    expect(paid.body.data.map((i: { id: string }) => i.id)).toEqual([feb.id]);
    const window = await reader(
      'GET',
      `${base}?periodStartFrom=2025-01-01T00:00:00Z&periodStartTo=2025-02-01T00:00:00Z`,
    );
    expect(window.body.data.map((i: { id: string }) => i.id)).toEqual([jan.id]);
  });

  it('renders HTML with escaped content', async () => {
    const inv = await createFinalizedInvoice(ctx.db, tenant);
    const res = await reader('GET', `${base}/${inv.id}/html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.body).toContain(`<h1>Invoice ${inv.number}</h1>`);
    expect(res.body).toContain('project.posted &lt;b&gt;usage&lt;/b&gt;');
    expect(res.body).toContain('<strong>46.00 USD</strong>');
  });

  it('HTML of a paid invoice: amount due 0.00, credits once, unit prices, the period by its last day', async () => {
    const inv = await createFinalizedInvoice(ctx.db, tenant, {
      status: 'paid',
      periodStart: new Date('2026-03-01T00:00:00Z'),
    });
    await ctx.db.invoice.update({ where: { id: inv.id }, data: { amountPaid: '46' } });
    const res = await reader('GET', `${base}/${inv.id}/html`);
    const html = res.body as string;
    expect(html).toContain('<tr><td><strong>Amount due</strong></td><td class="n"><strong>0.00 USD</strong></td></tr>');
    expect(html).toContain('<tr><td>Amount paid</td><td class="n">46.00 USD</td></tr>');
    // The prepaid credits: once, in the totals (the credits_applied line is not repeated in the table).
    expect(html.match(/Credits applied/g)).toHaveLength(1);
    expect(html).toContain('<tr><td>Credits applied</td><td class="n">-5.00 USD</td></tr>');
    expect(html).toContain('<td class="n">12.00 USD</td><td class="n">36.00 USD</td>');
    // 1 Mar 2026 + 31 days = 1 Apr (exclusive): the last day billed is 31 Mar.
    expect(html).toContain('Period: 1 Mar 2026 – 31 Mar 2026 (UTC)');
    const json = await reader('GET', `${base}/${inv.id}`);
    expect([json.body.amountDue, json.body.amountPaid, json.body.amountRemaining]).toEqual(['46.00', '46.00', '0.00']);
  });

  it('a prorated line shows its unit price, fraction and local time in JSON and HTML alike', async () => {
    const t = await createTenant(ctx.db, { timeZone: 'Europe/Berlin', billingAnchorDay: 1 });
    const plan = await createSeatPlan(ctx.db, t.organizationId, { name: 'Pro', pricePerSeat: '30.00' });
    const subs = createSubscriptionLifecycleActivities(ctx.db);
    const subscriptionId = randomUUID();
    await subs.createSubscription({
      subscriptionId,
      organizationId: t.organizationId,
      entityId: t.entityId,
      planId: plan.id,
      seats: 10,
      at: '2028-02-01T00:00:00.000+01:00',
    });
    // 15 Feb 2028 12:00 in Berlin: 1,252,800 of February's 2,505,600 s remain, exactly half.
    const change = await subs.applySubscriptionChange({
      subscriptionId,
      changeId: 'noon',
      at: '2028-02-15T11:00:00.000Z',
      change: { kind: 'seats', seats: 12 },
    });
    const invoiceId = change.invoice!.invoiceId;
    const lines = await caller(ctx.app, t.readKey)('GET', `${base}/${invoiceId}/lines`);
    expect(
      lines.body.data.map((l: Record<string, unknown>) => [
        l.description,
        l.quantity,
        l.unitAmount,
        l.fraction,
        l.amount,
      ]),
    ).toEqual([
      [
        'Unused time on 10 × Pro (monthly) after 15 Feb 2028 12:00',
        '10',
        '30.00',
        { value: '0.500000', seconds: 1_252_800, periodSeconds: 2_505_600 },
        '-150.00',
      ],
      [
        'Remaining time on 12 × Pro (monthly) after 15 Feb 2028 12:00',
        '12',
        '30.00',
        { value: '0.500000', seconds: 1_252_800, periodSeconds: 2_505_600 },
        '180.00',
      ],
    ]);
    const html = (await caller(ctx.app, t.readKey)('GET', `${base}/${invoiceId}/html`)).body as string;
    expect(html).toContain('after 15 Feb 2028 12:00<br><small>× 0.500000 of the period</small>');
    expect(html).toContain('<td class="n">12</td><td class="n">30.00 USD</td><td class="n">180.00 USD</td>');
    expect(html).toContain('Period: 15 Feb 2028 12:00 – 29 Feb 2028 (Europe/Berlin)');
    expect(html).toContain('<strong>30.00 USD</strong>');
  });

  it('voids an open invoice once, writing an invoice.voided outbox row', async () => {
    const inv = await createFinalizedInvoice(ctx.db, tenant);
    const res = await admin('POST', `${base}/${inv.id}/void`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('void');
    expect(res.body.voidedAt).not.toBeNull();
    expectProblem(await admin('POST', `${base}/${inv.id}/void`), 409, 'INVOICE_NOT_VOIDABLE');
    const events = await ctx.db.webhookEvent.findMany({ where: { idempotencyKey: `invoice.voided:${inv.id}` } });
    expect(events.map((e) => [e.type, (e.payload as { invoiceId: string }).invoiceId])).toEqual([
      ['invoice.voided', inv.id],
    ]);
    const audit = await ctx.db.auditLog.findMany({ where: { targetId: inv.id } });
    expect(audit.map((a) => a.action)).toEqual(['invoice.void']);
  });

  it('marks an open invoice paid out of band with a succeeded payment; a void one cannot be', async () => {
    const inv = await createFinalizedInvoice(ctx.db, tenant);
    const res = await admin('POST', `${base}/${inv.id}/mark-paid`, {
      paidAt: '2026-02-03T10:00:00Z',
      reference: 'WIRE-42',
      method: 'wire_transfer',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'paid', amountPaid: '46.00', paidAt: '2026-02-03T10:00:00.000Z' });
    const payments = await ctx.db.payment.findMany({ where: { invoiceId: inv.id } });
    expect(payments.map((p) => [p.status, p.provider, p.providerRef, p.amount.toString()])).toEqual([
      ['succeeded', 'out_of_band', 'WIRE-42', '46'],
    ]);
    expectProblem(await admin('POST', `${base}/${inv.id}/mark-paid`, {}), 409, 'INVOICE_NOT_PAYABLE');
    expectProblem(await admin('POST', `${base}/${inv.id}/void`), 409, 'INVOICE_NOT_VOIDABLE');
    const draft = await createFinalizedInvoice(ctx.db, tenant, { status: 'draft', number: null });
    expectProblem(await admin('POST', `${base}/${draft.id}/mark-paid`), 409, 'INVOICE_NOT_PAYABLE');
  });

  it('settling one of two past-due invoices keeps the suspension; settling both at once ends it exactly once', async () => {
    const t = await createTenant(ctx.db);
    const call = caller(ctx.app, t.adminKey);
    const pastDue = async (periodStart: string) => {
      const inv = await createFinalizedInvoice(ctx.db, t, { periodStart: new Date(periodStart) });
      await ctx.db.payment.create({
        data: {
          invoiceId: inv.id,
          entityId: t.entityId,
          amount: '46',
          currency: 'USD',
          status: 'failed',
          provider: 'sandbox',
          idempotencyKey: `payment:${inv.id}`,
        },
      });
      return inv;
    };
    const [a, b, c] = [
      await pastDue('2026-01-01T00:00:00Z'),
      await pastDue('2026-02-01T00:00:00Z'),
      await pastDue('2026-03-01T00:00:00Z'),
    ];
    await ctx.db.entity.update({ where: { id: t.entityId }, data: { status: 'suspended', suspendedAt: new Date() } });
    const state = async () => {
      const e = await ctx.db.entity.findUniqueOrThrow({ where: { id: t.entityId } });
      return [e.status, e.suspendedAt === null];
    };

    expect((await call('POST', `${base}/${a.id}/mark-paid`, {})).status).toBe(200);
    expect(await state()).toEqual(['suspended', false]);
    // Two requests at once, each seeing the other invoice past due when it starts: the entity's row lock orders them.
    const [paid, voided] = await Promise.all([
      call('POST', `${base}/${b.id}/mark-paid`, {}),
      call('POST', `${base}/${c.id}/void`),
    ]);
    expect([paid.status, voided.status]).toEqual([200, 200]);
    expect(await state()).toEqual(['active', true]);
    const reactivated = await ctx.db.webhookEvent.findMany({
      where: { entityId: t.entityId, type: 'entity.reactivated' },
    });
    expect(reactivated.length).toBe(1);
    expect([b.id, c.id]).toContain((reactivated[0]!.payload as { invoiceId: string }).invoiceId);
  });

  it("answers 404 for another organization's invoice, 403 without scope, 422 for bad input", async () => {
    const theirs = await createFinalizedInvoice(ctx.db, other);
    expectProblem(await reader('GET', `${base}/${theirs.id}`), 404, 'NOT_FOUND');
    expectProblem(await reader('GET', `${base}/${theirs.id}/lines`), 404, 'NOT_FOUND');
    expectProblem(await reader('GET', `${base}/${theirs.id}/html`), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', `${base}/${theirs.id}/void`), 404, 'NOT_FOUND');
    expectProblem(await admin('POST', `${base}/${theirs.id}/mark-paid`), 404, 'NOT_FOUND');
    expect((await ctx.db.invoice.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe('open');
    expect((await reader('GET', base)).body.data.map((i: { id: string }) => i.id)).not.toContain(theirs.id);
    expectProblem(await reader('GET', `${base}/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
    const mine = await createFinalizedInvoice(ctx.db, tenant);
    expectProblem(await reader('POST', `${base}/${mine.id}/void`), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await ingest('GET', base), 403, 'INSUFFICIENT_SCOPE');
    expectProblem(await reader('GET', `${base}?status=unpaid`), 422, 'VALIDATION_FAILED');
    expectProblem(
      await admin('POST', `${base}/${mine.id}/mark-paid`, { paidAt: 'yesterday' }),
      422,
      'VALIDATION_FAILED',
    );
  });
});
