// What the simulator compares after every operation: the platform's rows against the reference model. Each check
// throws a Divergence naming what differs, with the expected and actual values.
import type { Db } from '../activities/db.js';
import { checkInvariants } from '../activities/invariants/checkInvariants.js';
import type { EventOutcome } from '../activities/metering/ingestEvents.js';
import type { BillingModel } from './model/billingModel.js';
import type { Collection } from './model/collectionModel.js';
import type { ExpectedOutcome, ModelEntity } from './model/modelEntity.js';
import { D, type Dec, lineAmount } from './model/pricing.js';

export class Divergence extends Error {
  constructor(
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

const iso = (t: number) => new Date(t).toISOString();
const same = (a: Dec, b: string | null | undefined) => b !== null && b !== undefined && a.equals(new D(b));

export function compareOutcome(what: string, expected: ExpectedOutcome, actual: EventOutcome): void {
  const diverge = (field: string, want: unknown, got: unknown): never => {
    throw new Divergence(`${what}: ${field} differs`, { expected: want, actual: got, outcome: actual });
  };
  if (expected.status === 'invalid') {
    if (actual.status !== 'invalid' || actual.code !== expected.code) diverge('outcome', expected, actual.status);
    return;
  }
  if (actual.status === 'invalid') {
    diverge('status', expected.status, `${actual.status} ${actual.code}`);
    return;
  }
  if (actual.status !== expected.status) diverge('status', expected.status, actual.status);
  if ((actual.code ?? null) !== expected.code) diverge('code', expected.code, actual.code);
  if (!same(expected.rated, actual.ratedAmount)) diverge('ratedAmount', expected.rated.toFixed(), actual.ratedAmount);
  if (!same(expected.drawn, actual.creditsDrawn))
    diverge('creditsDrawn', expected.drawn.toFixed(), actual.creditsDrawn);
  if (!same(expected.billedLater, actual.billedLater)) {
    diverge('billedLater', expected.billedLater.toFixed(), actual.billedLater);
  }
  if (!same(expected.balanceAfter, actual.balanceAfter)) {
    diverge('balanceAfter', expected.balanceAfter.toFixed(), actual.balanceAfter);
  }
  if (actual.periodStart !== iso(expected.periodStart))
    diverge('periodStart', iso(expected.periodStart), actual.periodStart);
  if (actual.billedPeriodStart !== iso(expected.billedPeriodStart)) {
    diverge('billedPeriodStart', iso(expected.billedPeriodStart), actual.billedPeriodStart);
  }
}

/** The entity's periods: exactly the model's rows, in order, with the same ends and states. */
export async function periodsMatch(db: Db, e: ModelEntity): Promise<string | null> {
  const rows = await db.billingPeriod.findMany({ where: { entityId: e.id }, orderBy: { periodStart: 'asc' } });
  const actual = rows.map(
    (r) => `${r.periodStart.toISOString()}..${r.periodEnd.toISOString()} ${r.status === 'closed' ? 'closed' : 'open'}`,
  );
  const expected = e.periods.map((p) => `${iso(p.start)}..${iso(p.end)} ${p.closed ? 'closed' : 'open'}`);
  return actual.join('|') === expected.join('|') ? null : JSON.stringify({ expected, actual });
}

/** Every invoice the model expects for a closed period: there, with its usage per event type, credits and total. */
export async function invoicesMatch(db: Db, e: ModelEntity): Promise<string | null> {
  const invoices = await db.invoice.findMany({
    where: { entityId: e.id, kind: 'period' },
    include: { lines: true },
    orderBy: { periodStart: 'asc' },
  });
  const byStart = new Map(invoices.map((i) => [i.periodStart.getTime(), i]));
  for (const [start, expected] of e.invoices) {
    const invoice = byStart.get(start);
    byStart.delete(start);
    if (!expected) {
      if (invoice) return `an invoice for the period from ${iso(start)} that bills nothing`;
      continue;
    }
    if (!invoice) return `no invoice for the closed period from ${iso(start)}`;
    const problems: string[] = [];
    if (invoice.periodEnd.getTime() !== expected.periodEnd) {
      problems.push(`ends ${invoice.periodEnd.toISOString()}, expected ${iso(expected.periodEnd)}`);
    }
    if (!expected.total.equals(invoice.total.toString())) {
      problems.push(`total ${invoice.total.toString()}, expected ${expected.total.toFixed()}`);
    }
    const status = invoiceStatus(expected.collection);
    if (invoice.status !== status) problems.push(`status ${invoice.status}, expected ${status}`);
    const usage = new Map<string, Dec>();
    let credits = new D(0);
    for (const line of invoice.lines) {
      const reference = String((line.metadata as { reference?: unknown } | null)?.reference ?? '');
      const key = usageKey(reference, invoice.periodStart);
      if (key) usage.set(key, (usage.get(key) ?? new D(0)).plus(line.amount.toString()));
      if (line.kind === 'credits_applied') credits = credits.plus(line.amount.toString());
    }
    for (const [key, amount] of expected.usage) {
      const got = usage.get(key) ?? new D(0);
      usage.delete(key);
      if (!lineAmount(amount).equals(got))
        problems.push(`usage ${key}: ${got.toFixed()}, expected ${lineAmount(amount).toFixed()}`);
    }
    for (const [key, got] of usage) problems.push(`usage ${key}: ${got.toFixed()}, expected no such line`);
    if (!lineAmount(expected.creditsApplied).negated().equals(credits)) {
      problems.push(`credits applied ${credits.toFixed()}, expected -${lineAmount(expected.creditsApplied).toFixed()}`);
    }
    if (problems.length > 0) return `invoice ${invoice.id} (period from ${iso(start)}): ${problems.join('; ')}`;
  }
  for (const [start, invoice] of byStart) {
    return `invoice ${invoice.id} for a period from ${iso(start)} the model has not closed`;
  }
  return null;
}

/** `usage:<type>[:<price>]` is the invoice period's own usage; `late-usage:<periodStart>:<type>:<price>` a late one. */
function usageKey(reference: string, invoiceStart: Date): string | null {
  if (reference.startsWith('usage:')) return `${invoiceStart.getTime()}|${reference.split(':')[1]}`;
  if (reference.startsWith('late-usage:')) {
    const rest = reference.slice('late-usage:'.length);
    const type = rest.slice(rest.indexOf('Z:') + 2).split(':')[0];
    return `${Date.parse(rest.slice(0, rest.indexOf('Z:') + 1))}|${type}`;
  }
  return null;
}

export async function grantsMatch(db: Db, e: ModelEntity): Promise<string | null> {
  const ids = e.grants.map((g) => g.id).filter((id) => id !== '');
  const rows = await db.creditGrant.findMany({ where: { id: { in: ids } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const g of e.grants) {
    const row = byId.get(g.id);
    if (!row) return `grant ${g.id} missing`;
    if (!g.remaining.equals(row.remaining.toString())) {
      return `grant ${g.id}: remaining ${row.remaining.toString()}, expected ${g.remaining.toFixed()}`;
    }
  }
  return null;
}

const WEBHOOK_TYPES = [
  'invoice.payment_failed',
  'invoice.past_due',
  'entity.suspended',
  'entity.reactivated',
  'billing.overage',
  'credits.low',
  'credits.depleted',
  'user.credit_limit_reached',
  'credits.expiring',
  'credits.expired',
];

export async function webhooksMatch(db: Db, e: ModelEntity): Promise<string | null> {
  const rows = await db.webhookEvent.groupBy({
    by: ['type'],
    where: { entityId: e.id, type: { in: WEBHOOK_TYPES } },
    _count: { _all: true },
  });
  const actual = Object.fromEntries(rows.map((r) => [r.type, r._count._all]));
  for (const type of WEBHOOK_TYPES) {
    const want = e.webhooks.get(type) ?? 0;
    if ((actual[type] ?? 0) !== want) {
      const rows = await db.webhookEvent.findMany({ where: { entityId: e.id, type }, orderBy: { createdAt: 'asc' } });
      return `${type}: ${actual[type] ?? 0} outbox rows, expected ${want}: ${JSON.stringify(rows.map((r) => r.payload))}`;
    }
  }
  return null;
}

/** A past-due invoice is still open (with a failed collection payment); see README "Invoices and collection". */
const invoiceStatus = (c: Collection) => (c.status === 'paid' ? 'paid' : 'open');

/** The one-off invoices of charge_now subscription changes: one per change, its net, collected or in dunning. */
export async function oneOffsMatch(db: Db, e: ModelEntity): Promise<string | null> {
  const invoices = await db.invoice.findMany({
    where: { entityId: e.id, kind: 'one_off' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const actual = invoices.map((i) => `${new D(i.total.toString()).toFixed(2)} ${i.status}`);
  const expected = e.oneOffs.map((c) => `${c.amountDue.toFixed(2)} ${invoiceStatus(c)}`);
  return actual.join('|') === expected.join('|')
    ? null
    : `one-off invoices ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

/** Active or suspended, as collection left it. */
export async function entityMatches(db: Db, e: ModelEntity): Promise<string | null> {
  const row = await db.entity.findUniqueOrThrow({ where: { id: e.id }, select: { status: true } });
  return row.status === e.status ? null : `status ${row.status}, expected ${e.status}`;
}

export async function subscriptionsMatch(db: Db, model: BillingModel): Promise<string | null> {
  if (model.subscriptions.length === 0) return null;
  const rows = await db.entitySubscription.findMany({ where: { id: { in: model.subscriptions.map((s) => s.id) } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [k, sub] of model.subscriptions.entries()) {
    const row = byId.get(sub.id);
    const actual = row
      ? `${row.status} ${row.seats} ${row.planId} ${row.currentPeriodStart.toISOString()}..${row.currentPeriodEnd.toISOString()}${row.cancelAtPeriodEnd ? ' ending' : ''}`
      : 'missing';
    const expected = `${sub.status} ${sub.seats} ${sub.plan.id} ${iso(sub.start)}..${iso(sub.end)}${sub.cancelAtPeriodEnd ? ' ending' : ''}`;
    if (actual !== expected) return `subscription ${k}: ${actual}, expected ${expected}`;
  }
  return null;
}

/** Everything, for every entity; the first difference. */
export async function platformMatches(db: Db, model: BillingModel): Promise<string | null> {
  for (const e of model.entities) {
    for (const check of [periodsMatch, invoicesMatch, oneOffsMatch, entityMatches, grantsMatch, webhooksMatch]) {
      const problem = await check(db, e);
      if (problem) return `entity ${e.index}: ${problem}`;
    }
  }
  return subscriptionsMatch(db, model);
}

export async function invariantsHold(db: Db, organizationId: string): Promise<void> {
  const report = await checkInvariants(db, { organizationId, outboxGraceSeconds: 1e9 });
  if (report.violations.length > 0) throw new Divergence('the invariant checker found violations', report.violations);
}
