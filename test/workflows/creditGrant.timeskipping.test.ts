// Credit expiry on the time-skipping server: the notice 7 days before, the expiry of the remainder as one ledger
// entry and credits.expired at the expiry instant; a grant used up early ends quietly.
import { describe, expect, it } from 'vitest';
import { creditGrantStateQuery, creditGrantWorkflow } from '../../workflows/creditGrantWorkflow.js';
import { createTenant } from '../support/factories.js';
import { workflowTestContext } from '../support/testContext.js';
import { createExpiringGrant, eventually } from '../support/workflowFactories.js';
import { recordHistory, skipTo } from '../support/workflowTesting.js';

const h = workflowTestContext('grants');

const DAY = 86_400_000;

describe('creditGrantWorkflow', () => {
  it('sends credits.expiring 7 days before and expires the remainder at expiry', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db);
    const t0 = await env.currentTimeMs();
    const expiresAt = new Date(t0 + 10 * DAY);
    const grant = await createExpiringGrant(db, {
      entityId: tenant.entityId,
      amount: '100',
      remaining: '60.5',
      expiresAt,
    });
    const handle = await env.client.workflow.start(creditGrantWorkflow, {
      workflowId: `credit-grant:${grant.id}`,
      taskQueue: h.taskQueue,
      args: [{ grantId: grant.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
    });
    const types = async () =>
      (await db.webhookEvent.findMany({ where: { entityId: tenant.entityId }, orderBy: { createdAt: 'asc' } })).map(
        (e) => e.type,
      );
    await eventually(async () =>
      (await handle.query(creditGrantStateQuery)).phase === 'waiting_for_notice' ? true : undefined,
    );
    await skipTo(env, t0 + 3 * DAY - 60_000);
    expect(await types()).toEqual([]);
    await skipTo(env, t0 + 3 * DAY + 60_000);
    await eventually(async () => ((await types()).length === 1 ? true : undefined));
    expect(await types()).toEqual(['credits.expiring']);
    expect((await db.creditGrant.findUniqueOrThrow({ where: { id: grant.id } })).remaining.toString()).toBe('60.5');

    await skipTo(env, t0 + 10 * DAY - 60_000);
    expect(await types()).toEqual(['credits.expiring']);
    await skipTo(env, t0 + 10 * DAY + 60_000);
    const final = await handle.result();
    expect(final).toMatchObject({ phase: 'expired', expired: '60.5' });
    expect(await types()).toEqual(['credits.expiring', 'credits.expired']);
    // Webhook money is formatted to the currency's minor unit, as the API shows it: 60.50, not 60.5.
    const payloads = await db.webhookEvent.findMany({
      where: { entityId: tenant.entityId },
      orderBy: { createdAt: 'asc' },
    });
    expect(payloads.map((e) => e.payload)).toEqual([
      expect.objectContaining({ remaining: '60.50', currency: 'USD' }),
      expect.objectContaining({ expired: '60.50', currency: 'USD' }),
    ]);
    const after = await db.creditGrant.findUniqueOrThrow({ where: { id: grant.id } });
    expect(after.remaining.toString()).toBe('0');
    expect(after.expiredAt?.getTime()).toBe(expiresAt.getTime());
    const entries = await db.ledgerEntry.findMany({ where: { grantId: grant.id }, orderBy: { createdAt: 'asc' } });
    expect(entries.map((e) => [e.kind, e.amount.toString()])).toEqual([
      ['grant', '100'],
      ['consume', '-39.5'],
      ['expire', '-60.5'],
    ]);
    await recordHistory(env, handle.workflowId, 'creditGrantWorkflow-expiry');
    // Invariant: original + sum of entries after the grant entry = remaining.
    const sum = entries.reduce((acc, e) => acc + Number(e.amount), 0);
    expect(sum).toBe(0);
  }, 60_000);

  it('a grant used up before the notice ends quietly: no notice, no ledger entry', async () => {
    const { db, env } = h;
    const tenant = await createTenant(db);
    const t0 = await env.currentTimeMs();
    const grant = await createExpiringGrant(db, {
      entityId: tenant.entityId,
      amount: '20',
      remaining: '0',
      expiresAt: new Date(t0 + 30 * DAY),
    });
    const handle = await env.client.workflow.start(creditGrantWorkflow, {
      workflowId: `credit-grant:${grant.id}`,
      taskQueue: h.taskQueue,
      args: [{ grantId: grant.id, organizationId: tenant.organizationId, entityId: tenant.entityId }],
    });
    expect(await handle.result()).toMatchObject({ phase: 'used_up' });
    expect(await db.webhookEvent.count({ where: { entityId: tenant.entityId } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { grantId: grant.id, kind: 'expire' } })).toBe(0);
  }, 60_000);
});
