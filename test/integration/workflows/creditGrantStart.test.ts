// The credit-grant workflow starts right after a grant commits (not only at the next reconciliation): a purchase
// through the API leaves credit-grant:<grantId> running, with the tenant's search attributes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityIdKey, OrganizationIdKey } from '../../../temporal/searchAttributes.js';
import { bearer, createTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const started: string[] = [];

const ctx = apiTestContext('grant-start');
beforeAll(() => {
  // No worker: the test only needs the start to have happened.
});

afterAll(async () => {
  for (const id of started) {
    await ctx.client.workflow
      .getHandle(id)
      .terminate('test done')
      .catch(() => {});
  }
});

describe('credit grant workflow start', () => {
  it('a purchase starts credit-grant:<grantId> at once', async () => {
    const t = await createTenant(ctx.db);
    const pkg = await ctx.db.creditPackage.create({
      data: {
        organizationId: t.organizationId,
        name: 'Pro',
        credits: '500',
        price: '450',
        currency: 'USD',
        validityDays: 90,
      },
    });
    const res = await ctx.app.request('/api/billing/credits/purchases', {
      method: 'POST',
      headers: { ...bearer(t.adminKey), 'Content-Type': 'application/json' },
      body: JSON.stringify({ entityId: t.entityId, packageId: pkg.id, idempotencyKey: randomUUID() }),
    });
    expect(res.status).toBe(201);
    const { grant } = (await res.json()) as { grant: { id: string } };
    const workflowId = `credit-grant:${grant.id}`;
    started.push(workflowId);

    const description = await ctx.client.workflow.getHandle(workflowId).describe();
    expect(description.type).toBe('creditGrantWorkflow');
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(OrganizationIdKey)).toBe(t.organizationId);
    expect(description.typedSearchAttributes.get(EntityIdKey)).toBe(t.entityId);
  });

  it('a promotional grant without expiry starts nothing (it needs no workflow)', async () => {
    const t = await createTenant(ctx.db);
    const res = await ctx.app.request('/api/billing/credits/grants', {
      method: 'POST',
      headers: { ...bearer(t.adminKey), 'Content-Type': 'application/json' },
      body: JSON.stringify({ entityId: t.entityId, amount: '10', idempotencyKey: randomUUID() }),
    });
    expect(res.status).toBe(201);
    const { grant } = (await res.json()) as { grant: { id: string; expiresAt: string | null } };
    expect(grant.expiresAt).toBeNull();
    await expect(ctx.client.workflow.getHandle(`credit-grant:${grant.id}`).describe()).rejects.toThrow();
  });
});
