// payout:<payeeId> on the time-skipping server, with the sandbox payment and payout providers: earnings held for the
// security hold, paid on the weekly schedule once available, a provider refusal retried an hour later and paid; a
// refund after the payout leaves the balance negative and the next payout pays the new earnings net of it; a payout
// refused for good returns its money to the balance. The invariant checker finds nothing after either.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../activities/auditLog.js';
import { checkInvariants } from '../../activities/invariants/checkInvariants.js';
import { createCommissionPlan } from '../../activities/marketplace/commissionPlans.js';
import { createPayee, payeeBalances } from '../../activities/marketplace/payees.js';
import { createSplitRule } from '../../activities/marketplace/splitRules.js';
import { refundWorkPayment } from '../../activities/marketplace/workPaymentRefunds.js';
import { createWorkPayment } from '../../activities/marketplace/workPayments.js';
import { createSandboxPaymentProvider } from '../../activities/payments/sandboxPaymentProvider.js';
import { tenantDb } from '../../activities/tenantDb.js';
import { nextScheduledPayout } from '../../domain/payoutTiming.js';
import { payNowSignal, payoutStateQuery, payoutWorkflow } from '../../workflows/payoutWorkflow.js';
import { createTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import { eventually } from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const h = workflowTestContext('payouts');
const provider = createSandboxPaymentProvider();
const actor: Actor = { actorType: 'system', actorId: null };
const DAY = 86_400_000;
const HOUR = 3_600_000;

async function marketplace(payee: { payoutToken: string; payoutSchedule: 'weekly' | 'on_demand' }) {
  const tenant = await createTenant(h.db);
  const org = tenant.organizationId;
  const db = tenantDb(h.appDb, org);
  const freelancer = await createPayee(db, actor, org, {
    kind: 'freelancer',
    name: 'Ada',
    payoutProvider: 'sandbox',
    payoutMinimum: '50.00',
    ...payee,
  });
  const referrer = await createPayee(db, actor, org, { kind: 'referral_partner', name: 'Referrals Ltd' });
  const plan = await createCommissionPlan(db, actor, org, {
    name: 'Sliding',
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
  const referral = await createSplitRule(db, actor, org, {
    name: 'Referral 10 %',
    appliesTo: 'commission',
    shares: [
      { party: 'marketplace', percent: '90' },
      { party: referrer.id, percent: '10' },
    ],
  });
  const pay = async (key: string, amount: string) =>
    createWorkPayment(
      db,
      provider,
      actor,
      org,
      {
        entityId: tenant.entityId,
        payeeId: freelancer.id,
        kind: 'milestone',
        reference: key,
        amount,
        currency: 'USD',
        commissionPlanId: plan.id,
        commissionSplitRuleId: referral.id,
        idempotencyKey: key,
      },
      new Date(await h.env.currentTimeMs()),
    );
  const balance = async () => (await payeeBalances(db, org, freelancer.id))[0]?.balance;
  const payouts = () =>
    h.db.payout
      .findMany({ where: { payeeId: freelancer.id }, orderBy: { createdAt: 'asc' } })
      .then((rows) => rows.map((p) => ({ amount: p.amount.toFixed(2), status: p.status, attempts: p.attempts })));
  const start = (options: { wakeUpsPerRun?: number } = {}) =>
    h.env.client.workflow.start(payoutWorkflow, {
      workflowId: `payout:${freelancer.id}`,
      taskQueue: h.taskQueue,
      args: [{ organizationId: org, payeeId: freelancer.id, ...options }],
    });
  return { tenant, org, db, freelancer, pay, balance, payouts, start };
}

/** The first weekly payout (Monday 00:00 UTC) at or after the end of a hold that began at `t`. */
function firstPayoutAfterHold(t: number, holdDays: number): number {
  let at = nextScheduledPayout('weekly', new Date(t))?.getTime() as number;
  while (at < t + holdDays * DAY) at = nextScheduledPayout('weekly', new Date(at))?.getTime() as number;
  return at;
}

describe('payoutWorkflow', () => {
  it('hold -> available -> scheduled payout -> provider failure -> retry -> paid; a refund after it is netted next time', async () => {
    const m = await marketplace({ payoutToken: 'acct_sandbox_fail_then_ok', payoutSchedule: 'weekly' });
    const t0 = await h.env.currentTimeMs();
    const first = await m.pay('milestone-1', '1200.00');
    expect(await m.balance()).toBe('1030.00');
    const handle = await m.start();
    const held = await eventually(async () => {
      const state = await handle.query(payoutStateQuery);
      return state.phase === 'waiting' ? state : undefined;
    });
    expect(held.currencies).toEqual([{ currency: 'USD', balance: '1030.00', pending: '1030.00', available: '0.00' }]);

    // The first Monday after the 5-day hold: made, refused by the provider for now, retried an hour later and paid.
    const payday = firstPayoutAfterHold(t0, 5);
    await skipTo(h.env, payday - 60_000);
    expect(await m.payouts()).toEqual([]);
    await skipTo(h.env, payday + 60_000);
    await eventually(async () => ((await m.payouts())[0]?.attempts === 1 ? true : undefined));
    expect(await m.payouts()).toEqual([{ amount: '1030.00', status: 'in_transit', attempts: 1 }]);
    expect(await m.balance()).toBe('0.00');
    await skipTo(h.env, payday + HOUR + 60_000);
    await eventually(async () => ((await m.payouts())[0]?.status === 'paid' ? true : undefined));
    expect(await m.payouts()).toEqual([{ amount: '1030.00', status: 'paid', attempts: 2 }]);

    // The client is refunded in full after the payout: the freelancer's share is clawed back, the balance negative.
    await refundWorkPayment(m.db, provider, actor, m.org, first.workPaymentId, { idempotencyKey: 'all' });
    expect(await m.balance()).toBe('-1030.00');
    // New work: 2,000.00 in the 10 % tier (200.00 commission, 20.00 of it the referrer's): 1,800.00 earned.
    const t1 = await h.env.currentTimeMs();
    await m.pay('milestone-2', '2000.00');
    expect(await m.balance()).toBe('770.00');
    const payday2 = firstPayoutAfterHold(t1, 5);
    await skipTo(h.env, payday2 + HOUR + 60_000);
    await eventually(async () => ((await m.payouts())[1]?.status === 'paid' ? true : undefined));
    expect(await m.payouts()).toEqual([
      { amount: '1030.00', status: 'paid', attempts: 2 },
      { amount: '770.00', status: 'paid', attempts: 2 },
    ]);
    expect(await m.balance()).toBe('0.00');
    const types = (
      await h.db.webhookEvent.findMany({ where: { organizationId: m.org }, orderBy: { createdAt: 'asc' } })
    )
      .map((e) => e.type)
      .filter((t) => t.startsWith('payout.'));
    expect(types).toEqual(['payout.created', 'payout.paid', 'payout.created', 'payout.paid']);
    expect((await checkInvariants(h.db, { organizationId: m.org, outboxGraceSeconds: 3600 })).violations).toEqual([]);
    await recordHistory(h.env, handle.workflowId, 'payoutWorkflow-hold-retry-netting');
    await handle.terminate('test done');
  });

  it('a pay-now that ends the last wait of a run is carried out by the next run (continue-as-new)', async () => {
    const m = await marketplace({ payoutToken: 'acct_sandbox_ok', payoutSchedule: 'on_demand' });
    await h.db.marketplaceSettings.create({ data: { organizationId: m.org, payoutHoldDays: 0 } });
    await m.pay('milestone-1', '1200.00');
    // One wake-up per run: the wait the signal ends is the run's last, so the run continues as new right after it.
    const handle = await m.start({ wakeUpsPerRun: 1 });
    await eventually(async () => ((await handle.query(payoutStateQuery)).phase === 'waiting' ? true : undefined));
    const firstRun = (await handle.describe()).runId;
    await handle.signal(payNowSignal);
    await eventually(async () => ((await m.payouts())[0]?.status === 'paid' ? true : undefined));
    expect(await m.payouts()).toEqual([{ amount: '1030.00', status: 'paid', attempts: 1 }]);
    expect(await m.balance()).toBe('0.00');
    expect((await h.env.client.workflow.getHandle(`payout:${m.freelancer.id}`).describe()).runId).not.toBe(firstRun);
    await handle.terminate('test done');
  });

  it('a payout refused for good returns its money to the balance (on demand, no hold)', async () => {
    const m = await marketplace({ payoutToken: 'acct_sandbox_closed', payoutSchedule: 'on_demand' });
    await h.db.marketplaceSettings.create({ data: { organizationId: m.org, payoutHoldDays: 0 } });
    await m.pay('milestone-1', '1200.00');
    const handle = await m.start();
    await eventually(async () => ((await handle.query(payoutStateQuery)).phase === 'waiting' ? true : undefined));
    await handle.signal(payNowSignal);
    await eventually(async () => ((await m.payouts())[0]?.status === 'failed' ? true : undefined));
    expect(await m.payouts()).toEqual([{ amount: '1030.00', status: 'failed', attempts: 1 }]);
    expect(await m.balance()).toBe('1030.00');
    const failed = await h.db.webhookEvent.findFirstOrThrow({
      where: { organizationId: m.org, type: 'payout.failed' },
    });
    expect(failed.payload).toMatchObject({ amount: '1030.00', status: 'failed', errorCode: 'account_closed' });
    expect((await checkInvariants(h.db, { organizationId: m.org, outboxGraceSeconds: 3600 })).violations).toEqual([]);
    await handle.terminate('test done');
  });
});
