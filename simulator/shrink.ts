// Shrinking a diverging scenario to a small one that still diverges, so a failure reads as a few operations rather
// than a hundred: delta debugging over the operation list (drop halves, then quarters ... then single operations),
// keeping any smaller list that still diverges. Every try runs on fresh tenants; a budget of tries bounds the time.
import { runScenario, type ScenarioResult } from './runScenario.js';
import type { Scenario } from './scenario.js';
import type { SimulatorServices } from './services.js';

export async function shrinkScenario(
  services: SimulatorServices,
  scenario: Scenario,
  failed: ScenarioResult,
  log: (msg: string) => void = () => {},
  budget = 60,
): Promise<Scenario> {
  // Nothing after the diverging operation matters.
  let best: Scenario = {
    ...scenario,
    ops: scenario.ops.slice(0, (failed.failure?.opIndex ?? scenario.ops.length) + 1),
  };
  let tries = 0;
  let chunk = Math.max(1, Math.floor(best.ops.length / 2));
  while (chunk >= 1 && tries < budget) {
    let removedAny = false;
    for (let start = 0; start < best.ops.length && tries < budget; ) {
      const candidate: Scenario = { ...best, ops: [...best.ops.slice(0, start), ...best.ops.slice(start + chunk)] };
      if (candidate.ops.length === 0) break;
      tries += 1;
      const result = await runScenario(services, candidate, { invariantsEvery: 1_000, settleMs: 20_000 });
      if (!result.ok) {
        best = { ...candidate, ops: candidate.ops.slice(0, (result.failure?.opIndex ?? candidate.ops.length) + 1) };
        removedAny = true;
        log(`  shrink: ${best.ops.length} operations still diverge (${result.failure?.message})`);
      } else {
        start += chunk;
      }
    }
    if (!removedAny) chunk = Math.floor(chunk / 2);
  }
  return best;
}
