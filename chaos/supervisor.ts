// The process supervisor of the fault-injection run: one ManagedService per platform process (Postgres, the Temporal
// dev server, each worker, each API). It starts a service, restarts it when it dies on its own (counted as a crash:
// a process that exits without being killed is a finding), and lets the fault injector SIGKILL it and bring it back
// after a short outage.
export type ProcessKind = 'worker' | 'api' | 'temporal' | 'postgres';

export interface RunningProcess {
  pid: number;
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<void>;
  /** SIGKILL the process (and, for Postgres, its backends). */
  kill(): void;
}

export interface ServiceDefinition {
  name: string;
  kind: ProcessKind;
  /** Starts the process and resolves once it serves (throws if it cannot start). */
  start(): Promise<RunningProcess>;
}

export type ServiceState = 'starting' | 'up' | 'down' | 'stopped';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start attempts a service gets before it has ever served (about 40 s of back-off). One that cannot start at all (a
 * bad build, a missing tool, a configuration error) fails the run at once with its error instead of being retried
 * for ever; once it has served, a restart after a kill is retried without limit (the outage is what is under test).
 */
export const FIRST_START_ATTEMPTS = 10;

/** A service that never came up: the run stops with this (its message names the service and the last error). */
export class ServiceStartError extends Error {
  override name = 'ServiceStartError';
}

export class ManagedService {
  state: ServiceState = 'down';
  kills = 0;
  crashes = 0;
  startFailures = 0;
  private current: RunningProcess | undefined;
  private killedByUs = false;
  private stopping = false;
  private everUp = false;

  constructor(
    readonly def: ServiceDefinition,
    private readonly log: (msg: string) => void,
    private readonly firstStartAttempts = FIRST_START_ATTEMPTS,
  ) {}

  get name() {
    return this.def.name;
  }
  get kind() {
    return this.def.kind;
  }

  /**
   * Starts the service, retrying until it serves (or the supervisor stops). Before it has ever served, throws a
   * ServiceStartError after `firstStartAttempts` failed attempts.
   */
  async start(): Promise<void> {
    this.state = 'starting';
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const proc = await this.def.start();
        if (this.stopping) {
          proc.kill();
          await proc.exited;
          return;
        }
        this.current = proc;
        this.killedByUs = false;
        this.state = 'up';
        this.everUp = true;
        void proc.exited.then(() => this.onExit(proc));
        return;
      } catch (err) {
        this.startFailures += 1;
        const reason = String((err as Error).message).split('\n')[0];
        this.log(`${this.name}: start attempt ${attempt} failed: ${reason}`);
        if (!this.everUp && attempt >= this.firstStartAttempts) {
          this.state = 'down';
          throw new ServiceStartError(`${this.name} never started (${attempt} attempts); last error: ${reason}`, {
            cause: err,
          });
        }
        await sleep(Math.min(1000 * attempt, 5000));
      }
    }
  }

  private onExit(proc: RunningProcess) {
    if (this.current !== proc) return;
    this.current = undefined;
    if (this.stopping) {
      this.state = 'stopped';
      return;
    }
    this.state = 'down';
    if (this.killedByUs) return; // the fault injector restarts it after its outage
    this.crashes += 1;
    this.log(`${this.name} exited on its own; restarting`);
    void sleep(500).then(() => this.start());
  }

  /** SIGKILL, wait for the exit, stay down for `outageMs`, start again. */
  async killAndRestart(outageMs: number): Promise<void> {
    const proc = this.current;
    if (!proc || this.state !== 'up') return;
    this.kills += 1;
    this.killedByUs = true;
    this.state = 'down'; // at once: a second kill drawn before the exit must not kill (and restart) it twice
    this.log(`SIGKILL ${this.name} (pid ${proc.pid}); down for ${outageMs} ms`);
    proc.kill();
    await proc.exited;
    await sleep(outageMs);
    if (!this.stopping) await this.start();
  }

  /** Resolves once the service is up (used before quiescing). */
  async waitUntilUp(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.state !== 'up' && !this.stopping) {
      if (Date.now() > deadline) throw new Error(`${this.name} did not come back up within ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  async stop(graceful: (proc: RunningProcess) => Promise<void>): Promise<void> {
    this.stopping = true;
    const proc = this.current;
    if (proc) await graceful(proc);
    this.state = 'stopped';
  }
}
