// Simulator operations on collection: the entity's payment method (the sandbox provider's test methods: every attempt
// on pm_card_declined fails), an invoice paid out of band (mark-paid), and the end-of-scenario check that every
// outbox row reached the webhook sink exactly once.
import { Divergence } from '../checks.js';
import { type ScenarioContext, waitFor } from './scenarioContext.js';

export async function paymentMethod(ctx: ScenarioContext, i: number, method: 'ok' | 'declined'): Promise<string> {
  const e = ctx.entity(i);
  // The sandbox provider's test payment methods (README): pm_card_declined fails every attempt.
  await ctx.db.entity.update({
    where: { id: e.id },
    data: { defaultPaymentMethod: method === 'declined' ? 'pm_card_declined' : 'pm_card_ok' },
  });
  e.paymentMethod = method;
  return `payment method of entity ${i}: ${method}`;
}

export async function markPaid(ctx: ScenarioContext, i: number, which: number): Promise<string> {
  const e = ctx.entity(i);
  const unpaid = e.collections.filter((c) => c.status !== 'paid');
  if (unpaid.length === 0) return `mark-paid (nothing unpaid in entity ${i})`;
  const collection = unpaid[which % unpaid.length] as (typeof unpaid)[number];
  const [kind, key] = collection.ref.split(':') as ['period' | 'one_off', string];
  const invoice =
    kind === 'period'
      ? await ctx.db.invoice.findFirst({
          where: { entityId: e.id, kind: 'period', periodStart: new Date(Number(key)) },
        })
      : (
          await ctx.db.invoice.findMany({
            where: { entityId: e.id, kind: 'one_off' },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          })
        )[Number(key)];
  if (!invoice) throw new Divergence(`no invoice for ${collection.ref} of entity ${i}`, {});
  await ctx.apiOk('POST', `/api/billing/invoices/${invoice.id}/mark-paid`, {});
  ctx.model.markPaid(e, collection);
  return `mark-paid of ${collection.ref} (${collection.status === 'paid' ? 'was ' : ''}${collection.amountDue.toFixed(2)}) of entity ${i}`;
}

/** Every outbox row of the organization reached the sink exactly once (waiting for deliveries in flight). */
export async function webhooksDelivered(ctx: ScenarioContext): Promise<void> {
  const { sink } = ctx.services;
  const rows = await ctx.db.webhookEvent.findMany({
    where: { organizationId: ctx.ids.organizationId },
    select: { id: true, type: true },
  });
  await waitFor('every webhook delivered', async () => rows.every((r) => sink.received.has(r.id)));
  const twice = rows.filter((r) => (sink.received.get(r.id) ?? 0) !== 1);
  if (twice.length > 0) {
    throw new Divergence(
      'webhooks delivered more than once',
      twice.map((r) => [r.type, sink.received.get(r.id)]),
    );
  }
}
