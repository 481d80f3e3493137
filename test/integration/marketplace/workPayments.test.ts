// Work payments on the double-entry ledger, through the real write path as the API runs it (the application role, the
// organization's row-level security) and the sandbox payment provider: the README's worked example to the cent, the
// pair's tiers across payments, refunds clawing back every share, failures posting nothing, idempotency, the checks
// on write, and the invariant checker finding nothing on what was written and each planted corruption.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../activities/auditLog.js';
import { closeDb, type Db } from '../../../activities/db.js';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { createCommissionPlan } from '../../../activities/marketplace/commissionPlans.js';
import { createPayee, payeeBalances } from '../../../activities/marketplace/payees.js';
import { createSplitRule } from '../../../activities/marketplace/splitRules.js';
import { workPaymentLedger } from '../../../activities/marketplace/workPaymentQueries.js';
import { refundWorkPayment } from '../../../activities/marketplace/workPaymentRefunds.js';
import { createWorkPayment, type NewWorkPayment } from '../../../activities/marketplace/workPayments.js';
import { createSandboxPaymentProvider } from '../../../activities/payments/sandboxPaymentProvider.js';
import { tenantDb } from '../../../activities/tenantDb.js';
import { createTenant } from '../../support/factories.js';
import { testAppDb, testDb } from '../../support/services.js';

const provider = createSandboxPaymentProvider();
const actor: Actor = { actorType: 'system', actorId: null };
const SLIDING = {
  kind: 'sliding',
  currency: 'USD',
  tiers: [
    { upTo: '500', percent: '20' },
    { upTo: '10000', percent: '10' },
    { upTo: null, percent: '5' },
  ],
};

let owner: Db;
let app: Db;
beforeAll(() => {
  owner = testDb(3);
  app = testAppDb(3);
});
afterAll(async () => {
  await closeDb(owner);
  await closeDb(app);
});

/** An organization with a client entity, a freelancer, a referrer, the sliding plan and a 10 % referral share. */
async function marketplace() {
  const tenant = await createTenant(owner);
  const db = tenantDb(app, tenant.organizationId);
  const org = tenant.organizationId;
  const freelancer = await createPayee(db, actor, org, { kind: 'freelancer', name: 'Ada', payoutSchedule: 'weekly' });
  const referrer = await createPayee(db, actor, org, { kind: 'referral_partner', name: 'Referrals Ltd' });
  const plan = await createCommissionPlan(db, actor, org, { name: 'Sliding', definition: SLIDING });
  const referral = await createSplitRule(db, actor, org, {
    name: 'Referral 10 %',
    appliesTo: 'commission',
    shares: [
      { party: 'marketplace', percent: '90' },
      { party: referrer.id, percent: '10' },
    ],
  });
  const pay = (overrides: Partial<NewWorkPayment> & { idempotencyKey: string }) =>
    createWorkPayment(db, provider, actor, org, {
      entityId: tenant.entityId,
      payeeId: freelancer.id,
      kind: 'milestone',
      reference: 'milestone-1',
      amount: '1200.00',
      currency: 'USD',
      commissionPlanId: plan.id,
      commissionSplitRuleId: referral.id,
      ...overrides,
    });
  const balances = async () => ({
    freelancer: await payeeBalances(db, org, freelancer.id),
    referrer: await payeeBalances(db, org, referrer.id),
  });
  const accounts = async () =>
    Object.fromEntries(
      (await db.ledgerAccount.findMany({ where: { organizationId: org } })).map((a) => [
        a.payeeId ? `${a.kind}:${a.payeeId === freelancer.id ? 'freelancer' : 'referrer'}` : a.kind,
        a.balance.toFixed(2),
      ]),
    );
  return { tenant, db, org, freelancer, referrer, plan, referral, pay, balances, accounts };
}

describe('work payments', () => {
  it('README worked example: 1,200.00 under the sliding plan with a 10 % referral share, to the cent', async () => {
    const m = await marketplace();
    const done = await m.pay({ idempotencyKey: 'm1' });
    const payment = await m.db.workPayment.findUniqueOrThrow({ where: { id: done.workPaymentId } });
    expect(payment.status).toBe('succeeded');
    expect(payment.commission?.toFixed(2)).toBe('170.00');
    expect(payment.allocation).toEqual([
      { kind: 'marketplace_revenue', payeeId: null, amount: '153.00' },
      { kind: 'payee_earnings', payeeId: m.freelancer.id, amount: '1030.00' },
      { kind: 'referral_share', payeeId: m.referrer.id, amount: '17.00' },
    ]);
    expect(await m.balances()).toEqual({
      freelancer: [{ currency: 'USD', balance: '1030.00' }],
      referrer: [{ currency: 'USD', balance: '17.00' }],
    });
    // Debits positive: the receivable was billed and collected (0), clearing holds the money, the rest owed or earned.
    expect(await m.accounts()).toEqual({
      client_receivable: '0.00',
      payment_clearing: '1200.00',
      marketplace_revenue: '-153.00',
      'payee_payable:freelancer': '-1030.00',
      'payee_payable:referrer': '-17.00',
    });
    // Ids are generated in one millisecond here: compare each transaction's postings as a sorted list.
    const ledger = await workPaymentLedger(m.db, m.org, done.workPaymentId);
    const postings = (kind: string) =>
      ledger
        .find((t) => t.kind === kind)
        ?.postings.map((p) => `${p.account.kind} ${p.amount.toFixed(2)}`)
        .sort();
    expect(ledger.map((t) => t.kind).sort()).toEqual(['work_payment', 'work_payment_collected']);
    expect(postings('work_payment')).toEqual([
      'client_receivable 1200.00',
      'marketplace_revenue -153.00',
      'payee_payable -1030.00',
      'payee_payable -17.00',
    ]);
    expect(postings('work_payment_collected')).toEqual(['client_receivable -1200.00', 'payment_clearing 1200.00']);
    const outbox = await m.db.webhookEvent.findMany({
      where: { organizationId: m.org, type: 'work_payment.succeeded' },
    });
    expect(outbox).toHaveLength(1);
    expect((await checkInvariants(owner, { organizationId: m.org, outboxGraceSeconds: 3600 })).violations).toEqual([]);
  });

  it("places the pair's next payment on the tiers its lifetime billings reached", async () => {
    const m = await marketplace();
    await m.pay({ idempotencyKey: 'first', amount: '400.00' }); // 20 %: 80.00
    const second = await m.pay({ idempotencyKey: 'second', amount: '200.00' }); // 100 at 20 % + 100 at 10 %: 30.00
    const row = await m.db.workPayment.findUniqueOrThrow({ where: { id: second.workPaymentId } });
    expect(row.commission?.toFixed(2)).toBe('30.00');
    expect(await m.balances()).toEqual({
      freelancer: [{ currency: 'USD', balance: '490.00' }],
      referrer: [{ currency: 'USD', balance: '11.00' }],
    });
  });

  it('a refund claws back every share in proportion, and all refunds together exactly the original shares', async () => {
    const m = await marketplace();
    const paid = await m.pay({ idempotencyKey: 'm1' });
    const partial = await refundWorkPayment(m.db, provider, actor, m.org, paid.workPaymentId, {
      amount: '100.00',
      idempotencyKey: 'r1',
    });
    expect(partial.replayed).toBe(false);
    expect(await m.balances()).toEqual({
      freelancer: [{ currency: 'USD', balance: '944.17' }],
      referrer: [{ currency: 'USD', balance: '15.58' }],
    });
    // The same request again is the same refund; the rest refunds to exactly the original shares.
    const again = await refundWorkPayment(m.db, provider, actor, m.org, paid.workPaymentId, {
      amount: '100.00',
      idempotencyKey: 'r1',
    });
    expect(again).toMatchObject({ refundId: partial.refundId, replayed: true });
    await refundWorkPayment(m.db, provider, actor, m.org, paid.workPaymentId, { idempotencyKey: 'rest' });
    expect(await m.balances()).toEqual({
      freelancer: [{ currency: 'USD', balance: '0.00' }],
      referrer: [{ currency: 'USD', balance: '0.00' }],
    });
    expect(await m.accounts()).toMatchObject({
      marketplace_revenue: '0.00',
      payment_clearing: '0.00',
      refunds: '0.00',
    });
    await expect(
      refundWorkPayment(m.db, provider, actor, m.org, paid.workPaymentId, { amount: '0.01', idempotencyKey: 'more' }),
    ).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });

    expect((await checkInvariants(owner, { organizationId: m.org, outboxGraceSeconds: 3600 })).violations).toEqual([]);
  });

  it('a declined charge posts nothing and says so', async () => {
    const m = await marketplace();
    const done = await m.pay({ idempotencyKey: 'declined', paymentMethod: 'pm_card_declined' });
    const row = await m.db.workPayment.findUniqueOrThrow({ where: { id: done.workPaymentId } });
    expect([row.status, row.failureCode, row.commission]).toEqual(['failed', 'card_declined', null]);
    expect(await m.db.ledgerTransaction.count({ where: { organizationId: m.org } })).toBe(0);
    expect(await m.db.webhookEvent.count({ where: { organizationId: m.org, type: 'work_payment.failed' } })).toBe(1);
    await expect(
      refundWorkPayment(m.db, provider, actor, m.org, done.workPaymentId, { idempotencyKey: 'r' }),
    ).rejects.toMatchObject({ code: 'WORK_PAYMENT_NOT_REFUNDABLE' });
  });

  it('is idempotent on its key: the same request charges once, another body under the key is refused', async () => {
    const m = await marketplace();
    const first = await m.pay({ idempotencyKey: 'same' });
    const again = await m.pay({ idempotencyKey: 'same' });
    expect(again).toMatchObject({ workPaymentId: first.workPaymentId, replayed: true });
    await expect(m.pay({ idempotencyKey: 'same', amount: '1200.01' })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_CONFLICT',
    });
    expect(await m.db.ledgerTransaction.count({ where: { organizationId: m.org } })).toBe(2);
    expect(await m.balances()).toMatchObject({ freelancer: [{ currency: 'USD', balance: '1030.00' }] });
  });

  it('refuses on write what would fail later, writing nothing', async () => {
    const m = await marketplace();
    const other = await marketplace();
    const refused = async (promise: Promise<unknown>, code: string) => expect(promise).rejects.toMatchObject({ code });
    await refused(m.pay({ idempotencyKey: 'a', currency: 'EUR', amount: '10.00' }), 'INVALID_WORK_PAYMENT');
    await refused(m.pay({ idempotencyKey: 'b', amount: '10.001' }), 'INVALID_WORK_PAYMENT');
    await refused(m.pay({ idempotencyKey: 'c', payeeId: other.freelancer.id }), 'UNKNOWN_PAYEE');
    await refused(m.pay({ idempotencyKey: 'd', entityId: other.tenant.entityId }), 'UNKNOWN_ENTITY');
    await refused(m.pay({ idempotencyKey: 'e', commissionPlanId: other.plan.id }), 'UNKNOWN_COMMISSION_PLAN');
    await refused(m.pay({ idempotencyKey: 'f', payeeSplitRuleId: m.referral.id }), 'SPLIT_RULE_BASE_MISMATCH');
    const expired = await createSplitRule(m.db, actor, m.org, {
      name: 'Expired referral',
      appliesTo: 'commission',
      shares: [
        { party: 'marketplace', percent: '90' },
        { party: m.referrer.id, percent: '10' },
      ],
      validFrom: '2025-01-01T00:00:00Z',
      validUntil: '2025-07-01T00:00:00Z',
    });
    await refused(m.pay({ idempotencyKey: 'g', commissionSplitRuleId: expired.id }), 'SPLIT_RULE_NOT_IN_FORCE');
    await refused(
      createSplitRule(m.db, actor, m.org, {
        name: 'Foreign payee',
        appliesTo: 'payee_amount',
        shares: [{ party: other.freelancer.id, percent: '100' }],
      }),
      'UNKNOWN_PAYEE',
    );
    // Not even an id (schemathesis sent "0": it reached the uuid column and answered 500).
    await refused(
      createSplitRule(m.db, actor, m.org, {
        name: 'Not an id',
        appliesTo: 'commission',
        shares: [{ party: '0', percent: '100' }],
      }),
      'UNKNOWN_PAYEE',
    );
    await refused(
      createSplitRule(m.db, actor, m.org, {
        name: 'Short',
        appliesTo: 'payee_amount',
        shares: [{ party: m.freelancer.id, percent: '99.99' }],
      }),
      'INVALID_SPLIT_RULE',
    );
    await refused(
      createCommissionPlan(m.db, actor, m.org, {
        name: 'Bad',
        definition: { kind: 'percentage', currency: 'USD', percent: '101' },
      }),
      'INVALID_COMMISSION_PLAN',
    );
    expect(await m.db.workPayment.count({ where: { organizationId: m.org } })).toBe(0);
  });

  it('the invariant checker finds an unbalanced transaction and an account that is not the sum of its postings', async () => {
    const m = await marketplace();
    const done = await m.pay({ idempotencyKey: 'm1' });
    const transaction = (await workPaymentLedger(m.db, m.org, done.workPaymentId)).find(
      (t) => t.kind === 'work_payment',
    );
    const posting = transaction?.postings.find((p) => p.account.kind === 'client_receivable');
    await owner.ledgerPosting.update({ where: { id: posting?.id as string }, data: { amount: '1200.01' } });
    const rules = (await checkInvariants(owner, { organizationId: m.org, outboxGraceSeconds: 3600 })).violations.map(
      (v) => [v.rule, v.ids[0]],
    );
    expect(rules).toEqual(
      expect.arrayContaining([
        ['ledger_transaction_balance', transaction?.id],
        ['ledger_account_balance', posting?.accountId],
        ['work_payment_ledger', done.workPaymentId],
      ]),
    );
    expect(rules).toHaveLength(3);
    // Put it back: the database is shared with other files.
    await owner.ledgerPosting.update({ where: { id: posting?.id as string }, data: { amount: '1200.00' } });
    expect((await checkInvariants(owner, { organizationId: m.org, outboxGraceSeconds: 3600 })).violations).toEqual([]);
  });
});
