// The demo seed: what `npm start` shows a new user. Runs in a transaction of its own and is idempotent.
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../activities/apiKeys.js';
import { DEMO_ORG_DOMAIN, seedDemo } from '../../prisma/seed.js';
import { dbTestContext } from '../support/testContext.js';

const ctx = dbTestContext(2);

describe('seedDemo', () => {
  it('creates the demo organization once, with a working admin key', async () => {
    const first = await seedDemo(ctx.db);
    const second = await seedDemo(ctx.db);
    expect(second.created).toBe(false);
    expect(second.organizationId).toBe(first.organizationId);
    expect(second.apiKey).toBeUndefined();
    expect(await ctx.db.organization.count({ where: { domain: DEMO_ORG_DOMAIN } })).toBe(1);

    if (first.created) {
      const key = await ctx.db.apiKey.findUnique({ where: { hash: hashApiKey(first.apiKey!) } });
      expect(key?.organizationId).toBe(first.organizationId);
      expect(key?.scopes).toEqual(['admin']);
    }

    const entities = await ctx.db.entity.findMany({
      where: { organizationId: first.organizationId },
      include: { members: { include: { user: { include: { profiles: true } } } }, teams: true },
      orderBy: { name: 'asc' },
    });
    expect(entities.map((e) => [e.name, e.currency, e.timeZone, e.billingAnchorDay])).toEqual([
      ['Acme UK', 'GBP', 'Europe/London', 31],
      ['Acme US', 'USD', 'America/New_York', 1],
    ]);
    // Alice belongs to both entities with a different credit limit in each.
    const aliceLimits = entities.map((e) =>
      e.members.find((m) => m.user.profiles[0]?.email === 'alice@demo.example')?.creditLimit?.toString(),
    );
    expect(aliceLimits).toEqual(['200', '500']);
    expect(entities.flatMap((e) => e.teams.map((t) => t.name)).sort()).toEqual([
      'Engineering',
      'Operations',
      'Recruiting',
    ]);

    const prices = await ctx.db.eventPrice.findMany({
      where: { priceBook: { organizationId: first.organizationId, entityId: null } },
      orderBy: { eventType: 'asc' },
    });
    expect(prices.map((p) => [p.eventType, p.model])).toEqual([
      ['freelancer_hired', 'graduated'],
      ['message_sent', 'volume'],
      ['project_posted', 'flat'],
    ]);
    expect(prices[0]?.tiers).toEqual([
      { upTo: '10', unitPrice: '25.00' },
      { upTo: '50', unitPrice: '20.00' },
      { upTo: null, unitPrice: '15.00' },
    ]);
    expect(await ctx.db.creditPackage.count({ where: { organizationId: first.organizationId } })).toBe(2);
    expect(await ctx.db.seatPlan.count({ where: { organizationId: first.organizationId } })).toBe(2);
  });

  it('concurrent seeds create exactly one demo organization', async () => {
    await ctx.db.organization.updateMany({
      where: { domain: DEMO_ORG_DOMAIN },
      data: { domain: 'demo-archived.example' },
    });
    const results = await Promise.all([seedDemo(ctx.db), seedDemo(ctx.db), seedDemo(ctx.db)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.organizationId)).size).toBe(1);
    expect(await ctx.db.organization.count({ where: { domain: DEMO_ORG_DOMAIN } })).toBe(1);
  });
});
