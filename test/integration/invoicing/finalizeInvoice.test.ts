// Invoice numbering after the close (activities/invoicing/finalizeInvoice.ts), against the real database: many drafts
// of one organization finalized at once get exactly 1..N with no serialization failure, and finalizing one invoice
// twice at once (a retried close) numbers it once and writes one invoice.finalized row.
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { finalizeInvoice } from '../../../activities/invoicing/finalizeInvoice.js';
import { createFinalizedInvoice } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { dbTestContext } from '../../support/testContext.js';

const ctx = dbTestContext(12);

const draftsOf = async (t: { organizationId: string; entityId: string }, n: number) => {
  const drafts = [];
  for (let i = 0; i < n; i++) drafts.push(await createFinalizedInvoice(ctx.db, t, { status: 'draft', number: null }));
  return drafts;
};

describe('finalizeInvoice', () => {
  it('numbers 20 drafts of one organization finalized concurrently exactly 1..20', async () => {
    const t = await createTenant(ctx.db);
    const drafts = await draftsOf(t, 20);

    const results = await Promise.all(drafts.map((d) => finalizeInvoice(ctx.db, d.id)));

    expect(results.map((r) => r.invoiceNumber).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['open']));
    expect(results[0]!.total).toBe('46.00');
    const org = await ctx.db.organization.findUniqueOrThrow({ where: { id: t.organizationId } });
    expect(org.nextInvoiceNumber).toBe(21);
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 3600 });
    expect(report.violations).toEqual([]);
  });

  it('finalizing one invoice twice at once numbers it once and announces it once', async () => {
    const t = await createTenant(ctx.db);
    const [draft] = await draftsOf(t, 1);

    const [a, b] = await Promise.all([finalizeInvoice(ctx.db, draft!.id), finalizeInvoice(ctx.db, draft!.id)]);

    expect([a.invoiceNumber, b.invoiceNumber]).toEqual([1, 1]);
    const org = await ctx.db.organization.findUniqueOrThrow({ where: { id: t.organizationId } });
    expect(org.nextInvoiceNumber).toBe(2);
    const announced = await ctx.db.webhookEvent.findMany({
      where: { idempotencyKey: `invoice.finalized:${draft!.id}` },
    });
    expect(announced).toHaveLength(1);
    expect(announced[0]!.payload).toMatchObject({ number: 1, total: '46.00', amountDue: '46.00', currency: 'USD' });
    // The second call hands back the undispatched outbox row too, so a retried close still dispatches it.
    expect(a.webhookEventIds).toEqual([announced[0]!.id]);
    expect(b.webhookEventIds).toEqual([announced[0]!.id]);
  });
});
