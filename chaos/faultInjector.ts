// The fault injector: at random moments (exponentially distributed around the kill interval) it SIGKILLs one
// platform process that is up (a worker, an API process, the Temporal dev server or Postgres) and restarts it after
// a short random outage. The first kills cover every process type in a seeded order, so even a short run kills
// each kind at least once; after that workers and APIs are picked more often than the two servers.
import type { Rng } from './random.js';
import type { ManagedService, ProcessKind } from './supervisor.js';

export interface FaultInjectorOptions {
  rng: Rng;
  meanIntervalMs: number;
  log: (msg: string) => void;
}

export class FaultInjector {
  readonly kills: Record<ProcessKind, number> = { worker: 0, api: 0, temporal: 0, postgres: 0 };
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly restarts = new Set<Promise<void>>();
  private readonly firstKinds: ProcessKind[];

  constructor(
    private readonly services: ManagedService[],
    private readonly opts: FaultInjectorOptions,
  ) {
    this.firstKinds = opts.rng.shuffle<ProcessKind>(['worker', 'api', 'temporal', 'postgres']);
  }

  get total(): number {
    return Object.values(this.kills).reduce((a, b) => a + b, 0);
  }

  start() {
    this.loop = this.run();
  }

  private async run() {
    const { rng } = this.opts;
    while (!this.stopped) {
      // Exponential gaps, capped so a short run still gets its kills in.
      const gap = Math.min(-Math.log(1 - rng.next()) * this.opts.meanIntervalMs, 3 * this.opts.meanIntervalMs);
      await new Promise((r) => setTimeout(r, Math.max(500, gap)));
      if (this.stopped) break;
      const kind =
        this.firstKinds.shift() ?? rng.weighted<ProcessKind>({ worker: 35, api: 35, temporal: 15, postgres: 15 });
      // One server outage at a time: a second one while Postgres or Temporal is still coming back adds nothing.
      const serverDown = this.services.some(
        (s) => (s.kind === 'temporal' || s.kind === 'postgres') && s.state !== 'up',
      );
      const killable = (s: ManagedService) =>
        s.state === 'up' && !((s.kind === 'temporal' || s.kind === 'postgres') && serverDown);
      let candidates = this.services.filter((s) => s.kind === kind && killable(s));
      if (candidates.length === 0) {
        if (!this.kills[kind]) this.firstKinds.unshift(kind); // still owed its first kill: next time
        // Processes restart slowly on a busy machine: kill whatever else is up rather than skip the slot.
        candidates = this.services.filter(killable);
        if (candidates.length === 0) continue;
      }
      const target = rng.pick(candidates);
      const server = target.kind === 'temporal' || target.kind === 'postgres';
      const outage = server ? rng.int(500, 3000) : rng.int(200, 2500);
      this.kills[target.kind] += 1;
      const restart = target.killAndRestart(outage).catch((err) => this.opts.log(`restart of ${target.name}: ${err}`));
      this.restarts.add(restart);
      void restart.finally(() => this.restarts.delete(restart));
    }
  }

  /** No more kills; resolves once every killed process is back up. */
  async stop() {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.restarts]);
  }
}
