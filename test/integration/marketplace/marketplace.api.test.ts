// The marketplace's money flows through the API: payees, a sliding commission plan and a referral split rule, the
// README's 1,200.00 milestone to the cent, its ledger, a partial refund, idempotent replays, the checks on write
// (problem+json codes) and another organization's ids answering 404.
import { describe, expect, it } from 'vitest';
import { expectProblem, tenantsAndCallers } from '../../support/apiFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('marketplace-api');

type Json = Record<string, string>;

async function setUp() {
  const world = await tenantsAndCallers(ctx.db, ctx.app);
  const { admin } = world;
  const freelancer = await admin('POST', '/api/marketplace/payees', {
    kind: 'freelancer',
    name: 'Ada Lovelace',
    payoutProvider: 'sandbox',
    payoutToken: 'acct_sandbox_ok',
    payoutMinimum: '50.00',
  });
  expect(freelancer.status).toBe(201);
  const referrer = await admin('POST', '/api/marketplace/payees', { kind: 'referral_partner', name: 'Referrals Ltd' });
  const plan = await admin('POST', '/api/marketplace/commission-plans', {
    name: 'Sliding 20/10/5',
    definition: {
      kind: 'sliding',
      currency: 'USD',
      tiers: [
        { upTo: '500', percent: '20' },
        { upTo: '10000', percent: '10' },
        { upTo: null, percent: '5' },
      ],
    },
  });
  expect(plan.status).toBe(201);
  const rule = await admin('POST', '/api/marketplace/split-rules', {
    name: 'Referral 10 %',
    appliesTo: 'commission',
    shares: [
      { party: 'marketplace', percent: '90' },
      { party: referrer.body.id, percent: '10' },
    ],
  });
  expect(rule.status).toBe(201);
  // A succeeded work payment starts payout:<payeeId> for each payee it credits; they never end by themselves.
  ctx.terminateAfter.push(`payout:${freelancer.body.id}`, `payout:${referrer.body.id}`);
  const payment = {
    entityId: world.tenant.entityId,
    payeeId: freelancer.body.id as string,
    kind: 'milestone',
    reference: 'milestone-3',
    amount: '1200.00',
    currency: 'USD',
    commissionPlanId: plan.body.id as string,
    commissionSplitRuleId: rule.body.id as string,
  };
  return { ...world, freelancer: freelancer.body as Json, referrer: referrer.body as Json, plan, rule, payment };
}

describe('marketplace API', () => {
  it('charges the README milestone and shows its allocation, ledger and the payee balances', async () => {
    const w = await setUp();
    expect(w.plan.body.definition).toEqual({
      kind: 'sliding',
      currency: 'USD',
      tiers: [
        { upTo: '500.00', percent: '20' },
        { upTo: '10000.00', percent: '10' },
        { upTo: null, percent: '5' },
      ],
      minimum: null,
      maximum: null,
    });
    const paid = await w.admin('POST', '/api/marketplace/work-payments', w.payment, { 'Idempotency-Key': 'ms-3' });
    expect(paid.status).toBe(201);
    expect(paid.body.replayed).toBe(false);
    expect(paid.body.workPayment).toMatchObject({
      status: 'succeeded',
      amount: '1200.00',
      commission: '170.00',
      lines: [
        { kind: 'marketplace_revenue', payeeId: null, amount: '153.00' },
        { kind: 'payee_earnings', payeeId: w.freelancer.id, amount: '1030.00' },
        { kind: 'referral_share', payeeId: w.referrer.id, amount: '17.00' },
      ],
      amountRefunded: '0.00',
    });
    const id = paid.body.workPayment.id as string;

    const replay = await w.admin('POST', '/api/marketplace/work-payments', w.payment, { 'Idempotency-Key': 'ms-3' });
    expect([replay.status, replay.body.replayed, replay.body.workPayment.id]).toEqual([200, true, id]);
    const reused = await w.admin(
      'POST',
      '/api/marketplace/work-payments',
      { ...w.payment, amount: '1300.00' },
      { 'Idempotency-Key': 'ms-3' },
    );
    expectProblem(reused, 409, 'IDEMPOTENCY_KEY_CONFLICT');

    const ledger = await w.reader('GET', `/api/marketplace/work-payments/${id}/ledger`);
    expect(ledger.status).toBe(200);
    const sums = (ledger.body.data as Array<{ postings: Array<{ amount: string }> }>).map((t) =>
      t.postings.reduce((sum, p) => sum + Math.round(Number(p.amount) * 100), 0),
    );
    expect(sums).toEqual([0, 0]);

    const balance = await w.reader('GET', `/api/marketplace/payees/${w.freelancer.id}/balances`);
    expect(balance.body).toEqual({ payeeId: w.freelancer.id, balances: [{ currency: 'USD', balance: '1030.00' }] });

    const refund = await w.admin(
      'POST',
      `/api/marketplace/work-payments/${id}/refunds`,
      { amount: '100.00' },
      {
        'Idempotency-Key': 'r-1',
      },
    );
    expect(refund.status).toBe(201);
    expect(refund.body.workPayment).toMatchObject({ amountRefunded: '100.00' });
    const after = await w.reader('GET', `/api/marketplace/payees/${w.referrer.id}/balances`);
    expect(after.body.balances).toEqual([{ currency: 'USD', balance: '15.58' }]);
    const statement = await w.reader(
      'GET',
      `/api/marketplace/payees/${w.freelancer.id}/statement?currency=USD&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`,
    );
    expect(statement.status).toBe(200);
    expect(statement.headers.get('content-type')).toContain('text/html');
    expect(statement.body).toMatch(/Opening balance<\/td><td><\/td><td class="n">0\.00 USD/);
    expect(statement.body).toMatch(/Earnings<\/td><td>Work payment milestone-3<\/td><td class="n">1030\.00 USD/);
    expect(statement.body).toMatch(
      /Refund clawed back<\/td><td>Refund of work payment milestone-3<\/td><td class="n">-85\.83 USD/,
    );
    expect(statement.body).toMatch(/Closing balance<\/strong><\/td><td class="n"><strong>944\.17 USD/);
    const backwards = await w.reader(
      'GET',
      `/api/marketplace/payees/${w.freelancer.id}/statement?currency=USD&from=2100-01-01T00:00:00Z&to=2000-01-01T00:00:00Z`,
    );
    expectProblem(backwards, 422, 'INVALID_RANGE');
    const tooMuch = await w.admin(
      'POST',
      `/api/marketplace/work-payments/${id}/refunds`,
      { amount: '1100.01' },
      {
        'Idempotency-Key': 'r-2',
      },
    );
    expectProblem(tooMuch, 422, 'REFUND_EXCEEDS_PAID');

    const listed = await w.reader('GET', `/api/marketplace/work-payments?payeeId=${w.freelancer.id}`);
    expect(listed.body.data.map((p: { id: string }) => p.id)).toEqual([id]);
    const audit = await ctx.db.auditLog.findMany({
      where: { organizationId: w.tenant.organizationId, action: { startsWith: 'work_payment.' } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['work_payment.create', 'work_payment.refund']);
  });

  it('answers a declined card with 402 PAYMENT_FAILED and refuses bad terms with their codes', async () => {
    const w = await setUp();
    const declined = await w.admin(
      'POST',
      '/api/marketplace/work-payments',
      { ...w.payment, paymentMethod: 'pm_card_declined' },
      { 'Idempotency-Key': 'declined' },
    );
    expectProblem(declined, 402, 'PAYMENT_FAILED');
    const euro = await w.admin('POST', '/api/marketplace/work-payments', { ...w.payment, currency: 'EUR' });
    expectProblem(euro, 422, 'INVALID_WORK_PAYMENT');
    const short = await w.admin('POST', '/api/marketplace/split-rules', {
      name: 'Short',
      appliesTo: 'payee_amount',
      shares: [{ party: w.freelancer.id, percent: '99.99' }],
    });
    expectProblem(short, 422, 'INVALID_SPLIT_RULE');
    const badTiers = await w.admin('POST', '/api/marketplace/commission-plans', {
      name: 'Bad',
      definition: { kind: 'sliding', currency: 'USD', tiers: [{ upTo: '500', percent: '20' }] },
    });
    expectProblem(badTiers, 422, 'INVALID_COMMISSION_PLAN');
    const halfToken = await w.admin('POST', '/api/marketplace/payees', {
      kind: 'agency',
      name: 'Agency',
      payoutToken: 'acct_x',
    });
    expectProblem(halfToken, 422, 'PAYOUT_DETAILS_INCOMPLETE');
    const percent = await w.admin('POST', '/api/marketplace/commission-plans', {
      name: 'Too much',
      definition: { kind: 'percentage', currency: 'USD', percent: '100.5' },
    });
    expectProblem(percent, 422, 'VALIDATION_FAILED');
  });

  it("keeps the security hold per organization and starts a payee's payouts on demand", async () => {
    const w = await setUp();
    expect((await w.reader('GET', '/api/marketplace/settings')).body).toEqual({ payoutHoldDays: 5 });
    const changed = await w.admin('PATCH', '/api/marketplace/settings', { payoutHoldDays: 7 });
    expect([changed.status, changed.body]).toEqual([200, { payoutHoldDays: 7 }]);
    expectProblem(
      await w.admin('PATCH', '/api/marketplace/settings', { payoutHoldDays: 91 }),
      422,
      'VALIDATION_FAILED',
    );
    const payNow = await w.admin('POST', `/api/marketplace/payees/${w.freelancer.id}/pay-now`);
    expect([payNow.status, payNow.body]).toEqual([202, { workflowId: `payout:${w.freelancer.id}`, accepted: true }]);
    const handle = ctx.client.workflow.getHandle(`payout:${w.freelancer.id}`);
    expect((await handle.describe()).type).toBe('payoutWorkflow');
    const listed = await w.reader('GET', `/api/marketplace/payouts?payeeId=${w.freelancer.id}`);
    expect([listed.status, listed.body.data]).toEqual([200, []]);
    const actions = await ctx.db.auditLog.findMany({
      where: {
        organizationId: w.tenant.organizationId,
        action: { in: ['marketplace_settings.update', 'payee.pay_now'] },
      },
    });
    expect(actions.map((a) => a.action).sort()).toEqual(['marketplace_settings.update', 'payee.pay_now']);
  });

  it("another organization's payees, plans, rules and payments are 404", async () => {
    const w = await setUp();
    const paid = await w.admin('POST', '/api/marketplace/work-payments', w.payment, { 'Idempotency-Key': 'x' });
    const id = paid.body.workPayment.id as string;
    const { admin: stranger } = await tenantsAndCallers(ctx.db, ctx.app);
    for (const path of [
      `/api/marketplace/payees/${w.freelancer.id}`,
      `/api/marketplace/payees/${w.freelancer.id}/balances`,
      `/api/marketplace/commission-plans/${w.plan.body.id}`,
      `/api/marketplace/split-rules/${w.rule.body.id}`,
      `/api/marketplace/work-payments/${id}`,
      `/api/marketplace/work-payments/${id}/ledger`,
    ]) {
      expectProblem(await stranger('GET', path), 404, 'NOT_FOUND');
    }
    expectProblem(await stranger('POST', `/api/marketplace/work-payments/${id}/refunds`, {}), 404, 'NOT_FOUND');
    expectProblem(await stranger('POST', `/api/marketplace/payees/${w.freelancer.id}/pay-now`), 404, 'NOT_FOUND');
    const theirs = await stranger('POST', '/api/marketplace/work-payments', w.payment);
    expectProblem(theirs, 422, 'UNKNOWN_ENTITY');
  });
});
