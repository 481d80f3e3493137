// What reads raw events keeps working once they are archived: analytics answer from the archived totals exactly what
// they answered from the events (for ranges that take whole archived days), refuse a range that would split an
// archived day, and an event replay over archived events is refused instead of re-rating only the live part.
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../../activities/retention/applyRetention.js';
import { caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { archiveDirForFile, busyOrganization } from '../../support/retentionTesting.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('retention-readers');
const archive = archiveDirForFile('readers');
const DAY = 86_400_000;

describe('readers of archived events', () => {
  it('analytics answer the same from the totals; a range splitting an archived day is refused', async () => {
    const t = await busyOrganization(ctx);
    const read = caller(ctx.app, t.readKey);
    const events = await ctx.db.marketplaceEvent.findMany({ where: { entityId: t.entityId }, orderBy: { id: 'asc' } });
    const first = events[0]?.occurredAt as Date;
    const dayStart = new Date(Math.floor(first.getTime() / DAY) * DAY);
    const range = `entityId=${t.entityId}&from=${dayStart.toISOString()}&to=${new Date(dayStart.getTime() + 2 * DAY).toISOString()}`;
    const queries = [
      ...['eventType', 'user', 'team', 'day'].map((g) => `/api/analytics/usage?${range}&groupBy=${g}`),
      `/api/analytics/top-spenders?${range}`,
    ];
    const before = await Promise.all(queries.map((q) => read('GET', q)));
    for (const r of before) expect(r.status).toBe(200);
    expect(before[0]?.body.totals).toMatchObject({ events: 7, ratedAmount: '21.00' });

    await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf: new Date(Date.now() + 400 * DAY).toISOString() },
    );
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(0);

    const after = await Promise.all(queries.map((q) => read('GET', q)));
    expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));

    // From just after the first archived event: the day's totals cannot be split.
    const cut = `entityId=${t.entityId}&from=${new Date(first.getTime() + 1).toISOString()}&to=${new Date(dayStart.getTime() + 2 * DAY).toISOString()}`;
    expectProblem(await read('GET', `/api/analytics/usage?${cut}`), 422, 'USAGE_RANGE_ARCHIVED');
    expectProblem(await read('GET', `/api/analytics/top-spenders?${cut}`), 422, 'USAGE_RANGE_ARCHIVED');
  });

  it('an event replay over archived events is refused; another organization still gets 404', async () => {
    const t = await busyOrganization(ctx);
    await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf: new Date(Date.now() + 400 * DAY).toISOString() },
    );
    const body = {
      entityId: t.entityId,
      from: new Date(Date.now() - DAY).toISOString(),
      to: new Date(Date.now() + DAY).toISOString(),
    };
    const refused = await caller(ctx.app, t.adminKey)('POST', '/api/billing/jobs/replays', body);
    expectProblem(refused, 422, 'EVENTS_ARCHIVED');
    expect(await ctx.db.billingJob.count({ where: { organizationId: t.organizationId } })).toBe(0);

    const other = await createTenant(ctx.db);
    expectProblem(await caller(ctx.app, other.adminKey)('POST', '/api/billing/jobs/replays', body), 404, 'NOT_FOUND');
  });
});
