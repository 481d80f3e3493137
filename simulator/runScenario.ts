// Runs one scenario on fresh tenants: set-up, then every operation followed by the comparison with the model. After
// an operation that leaves work to the workflows (the clock advanced, a close-now, an anchor change) the platform is
// given time to catch up: the comparison is retried until it holds or a minute of wall time has passed.
import { Divergence, invariantsHold, platformMatches } from './checks.js';
import { ScenarioDriver } from './driver.js';
import type { Op, Scenario } from './scenario.js';
import type { SimulatorServices } from './services.js';

export interface ScenarioResult {
  seed: number;
  ok: boolean;
  /** Operations applied (all of them when ok). */
  applied: number;
  log: string[];
  /** What the model saw happen (events, invoices, webhooks by kind ...). */
  stats?: Record<string, number>;
  failure?: { opIndex: number; op: Op | null; message: string; details: unknown };
}

// Operations after which workflows have work to do: wait for the platform to catch up before the next one (a grant's
// expiry workflow may send its notice at once; an event drawing the grant before that would race it).
const SETTLES: ReadonlySet<Op['kind']> = new Set([
  'markPaid',
  'subscribe',
  'subChange',
  'advance',
  'closeNow',
  'anchor',
  'replay',
  'grant',
  'purchase',
  'transfer',
]);

export async function runScenario(
  services: SimulatorServices,
  scenario: Scenario,
  opts: { invariantsEvery?: number; settleMs?: number } = {},
): Promise<ScenarioResult> {
  // The test server's clock only moves forward: a scenario that starts earlier than it stands needs a new one.
  if ((await services.env.currentTimeMs()) >= scenario.startAt) await services.restart();
  await services.env.sleep(scenario.startAt - (await services.env.currentTimeMs()));
  const driver = new ScenarioDriver(services, scenario);
  const log: string[] = [];
  let index = -1;
  try {
    await driver.setUp();
    await settle(driver, opts.settleMs ?? 60_000);
    for (index = 0; index < scenario.ops.length; index++) {
      const op = scenario.ops[index] as Op;
      log.push(await driver.apply(op));
      if (SETTLES.has(op.kind)) await settle(driver, opts.settleMs ?? 60_000);
      else {
        const problem = await platformMatches(services.db, driver.model);
        if (problem) throw new Divergence(problem, {});
      }
      if ((index + 1) % (opts.invariantsEvery ?? 10) === 0)
        await invariantsHold(services.db, driver.ids.organizationId);
    }
    await invariantsHold(services.db, driver.ids.organizationId);
    await driver.webhooksDelivered();
    await driver.tearDown();
    return { seed: scenario.seed, ok: true, applied: scenario.ops.length, log, stats: driver.model.stats() };
  } catch (error) {
    await driver.tearDown().catch(() => {});
    const divergence = error instanceof Divergence ? error : null;
    return {
      seed: scenario.seed,
      ok: false,
      applied: Math.max(0, index),
      log,
      failure: {
        opIndex: index,
        op: scenario.ops[index] ?? null,
        message: divergence ? divergence.message : String((error as Error)?.stack ?? error),
        details: divergence?.details ?? null,
      },
    };
  }
}

async function settle(driver: ScenarioDriver, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let problem: string | null = null;
  for (;;) {
    problem = await platformMatches(driver.scenarioDb(), driver.model);
    if (!problem) return;
    if (Date.now() > deadline) throw new Divergence(`after waiting ${ms / 1000} s: ${problem}`, {});
    await new Promise((r) => setTimeout(r, 50));
  }
}
