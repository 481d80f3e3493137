// npm run simulate -- [--seed N] [--sequences N] [--entities N] [--months N] [--replay file.json] [--no-shrink]
//                      [--verbose] [--without kind,kind]   (leave operation kinds out, e.g. --without late,replay)
// Runs seeded scenarios against the platform and the reference model; on the first divergence, shrinks the scenario
// to a minimal one that still diverges, writes it to simulator-repro-<seed>.json and exits 1.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ensureTools } from '../scripts/lib/ensureTools.js';
import { runScenario } from './runScenario.js';
import { generateScenario, type Op, type Scenario } from './scenario.js';
import { startSimulatorServices } from './services.js';
import { shrinkScenario } from './shrink.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    sequences: { type: 'string', default: '20' },
    entities: { type: 'string', default: '3' },
    months: { type: 'string', default: '3' },
    replay: { type: 'string' },
    'no-shrink': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    without: { type: 'string', default: '' },
  },
});

// A long run starts a fresh test server every RECYCLE_EVERY sequences: the time-skipping server keeps every workflow
// it ever ran in memory and slows down with them (two processes fell from 0.29 to 0.10 sequences/s over 300 sequences
// each, 8 Dec 2026). Scenarios are independent, and runScenario already restarts it for a scenario that starts earlier.
const RECYCLE_EVERY = 100;

const started = Date.now();
const tools = await ensureTools(['temporal-test-server']);
const services = await startSimulatorServices({ testServerPath: tools['temporal-test-server'] });
let exitCode = 0;
// Ctrl-C (or a SIGTERM) ends the run after the sequence under way, so the servers are stopped, not left behind.
let interrupted: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = signal;
    console.log(`${signal}: stopping after the sequence under way`);
  });
}
try {
  const scenarios: Scenario[] = values.replay
    ? [JSON.parse(await readFile(values.replay, 'utf8')) as Scenario]
    : Array.from({ length: Number(values.sequences) }, (_, i) =>
        generateScenario(Number(values.seed) + i, {
          entities: Number(values.entities),
          months: Number(values.months),
          without: values.without.split(',').filter(Boolean) as Op['kind'][],
        }),
      );
  let ops = 0;
  let run = 0;
  const totals: Record<string, number> = {};
  for (const [i, scenario] of scenarios.entries()) {
    if (interrupted) break;
    if (i > 0 && i % RECYCLE_EVERY === 0) await services.restart();
    const result = await runScenario(services, scenario);
    ops += result.applied;
    run += 1;
    if (values.verbose) for (const [n, line] of result.log.entries()) console.log(`  ${n}: ${line}`);
    for (const [key, n] of Object.entries(result.stats ?? {})) totals[key] = (totals[key] ?? 0) + n;
    if (values.verbose && result.stats) console.log(`  ${JSON.stringify(result.stats)}`);
    if (result.ok) {
      console.log(`seed ${scenario.seed}: ${result.applied} operations, no divergence (${i + 1}/${scenarios.length})`);
      continue;
    }
    exitCode = 1;
    console.log(`seed ${scenario.seed}: DIVERGED at operation ${result.failure?.opIndex}: ${result.failure?.message}`);
    console.log(JSON.stringify(result.failure?.details, null, 2));
    const minimal = values['no-shrink'] ? scenario : await shrinkScenario(services, scenario, result, console.log);
    const file = `simulator-repro-${scenario.seed}.json`;
    await writeFile(file, `${JSON.stringify(minimal, null, 2)}\n`);
    console.log(`minimal reproduction (${minimal.ops.length} operations) in ${file}; run it with`);
    console.log(`  npm run simulate -- --replay ${file}`);
    break;
  }
  console.log(
    `${run} of ${scenarios.length} scenario(s), ${ops} operations, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`what the model saw: ${JSON.stringify(totals)}`);
} finally {
  await services.stop();
}
process.exit(exitCode);
