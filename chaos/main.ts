// `npm run chaos`: the fault-injection run. Flags and environment: chaos/options.ts. Exit code 1 on any violation.
//   npm run chaos                        long form (8 minutes, a kill every ~4 s: 100+ kills)
//   npm run chaos -- --short             the CI form (60 s, a kill every ~7 s, every process type at least once)
//   npm run chaos -- --seed 42 --duration 120 --kill-interval 3 --keep
import { parseChaosOptions } from './options.js';
import { runChaos } from './runChaos.js';
import { formatSummary } from './summary.js';

const opts = parseChaosOptions(process.argv.slice(2));
const started = Date.now();
const log = (msg: string) => console.log(`[chaos +${Math.round((Date.now() - started) / 1000)}s] ${msg}`);
try {
  const summary = await runChaos(opts, log);
  console.log(formatSummary(summary, opts));
  if (process.env.CHAOS_SUMMARY_JSON) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(process.env.CHAOS_SUMMARY_JSON, JSON.stringify(summary, null, 2));
  }
  process.exit(summary.violations.length === 0 ? 0 : 1);
} catch (err) {
  console.error(`[chaos] run failed: ${(err as Error).stack ?? err}`);
  process.exit(2);
}
