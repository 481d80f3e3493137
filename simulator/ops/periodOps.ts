// Simulator operations on time and billing periods: moving the simulated clock (every workflow timer due fires),
// close-now (the platform picks the instant; the model checks it lies in the allowed window) and an anchor-day change.
import { Divergence } from '../checks.js';
import { type ScenarioContext, waitFor } from './scenarioContext.js';

export async function advance(ctx: ScenarioContext, ms: number): Promise<string> {
  const target = (await ctx.now()) + ms;
  await ctx.env.sleep(ms);
  ctx.model.advanceTo(target);
  return `advance ${Math.round(ms / 60_000)} min to ${new Date(target).toISOString()}`;
}

export async function closeNow(ctx: ScenarioContext, i: number): Promise<string> {
  const e = ctx.entity(i);
  const before = await ctx.now();
  const open = e.periods.find((p) => !p.closed);
  await ctx.apiOk('POST', `/api/entities/${e.id}/billing-workflow/close-now`);
  // The platform picks the instant (its clock when the workflow handles the signal): wait for that row to close.
  const row = await waitFor(`the close-now of entity ${i}`, async () => {
    const r = await ctx.db.billingPeriod.findFirst({
      where: { entityId: e.id, periodStart: new Date(open?.start ?? 0) },
    });
    return r?.status === 'closed' ? r : null;
  });
  const after = await ctx.now();
  const window = ctx.model.closeNowWindow(e, before, after);
  const end = row.periodEnd.getTime();
  if (end < window.min || end > window.max) {
    throw new Divergence(`close-now ended the period at ${row.periodEnd.toISOString()}`, {
      expectedBetween: [new Date(window.min).toISOString(), new Date(window.max).toISOString()],
    });
  }
  ctx.model.closeNow(e, end);
  return `close-now of entity ${i} at ${row.periodEnd.toISOString()}`;
}

export async function anchor(ctx: ScenarioContext, i: number, anchorDay: number): Promise<string> {
  const e = ctx.entity(i);
  const now = await ctx.now();
  await ctx.apiOk('POST', `/api/entities/${e.id}/billing-workflow/anchor-day`, { anchorDay });
  ctx.model.changeAnchor(e, anchorDay, now);
  return `anchor day of entity ${i} to ${anchorDay}`;
}
