// The chaos run's supervisor: a service that cannot start at all stops the run with its error (it used to be retried
// for ever, so a run whose API exited at start-up hung); one that has served is restarted however long it takes.
import { describe, expect, it } from 'vitest';
import { ManagedService, type RunningProcess, ServiceStartError } from '../../chaos/supervisor.js';

function fakeProcess(pid: number) {
  let exit!: () => void;
  const exited = new Promise<void>((r) => {
    exit = r;
  });
  const proc: RunningProcess = { pid, exited, kill: () => exit() };
  return { proc, exit };
}

describe('ManagedService', () => {
  it('fails the run with the last error when a service never starts', async () => {
    let attempts = 0;
    const logged: string[] = [];
    const service = new ManagedService(
      {
        name: 'api-1',
        kind: 'api',
        start: async () => {
          attempts += 1;
          throw new Error(`main.ts exited during start-up: attempt ${attempts}\nstack`);
        },
      },
      (msg) => logged.push(msg),
      2,
    );
    const failure = await service.start().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ServiceStartError);
    expect((failure as Error).message).toBe(
      'api-1 never started (2 attempts); last error: main.ts exited during start-up: attempt 2',
    );
    expect({ attempts, startFailures: service.startFailures, state: service.state }).toEqual({
      attempts: 2,
      startFailures: 2,
      state: 'down',
    });
    expect(logged).toEqual([
      'api-1: start attempt 1 failed: main.ts exited during start-up: attempt 1',
      'api-1: start attempt 2 failed: main.ts exited during start-up: attempt 2',
    ]);
  });

  it('keeps restarting a service that has served, past the first-start limit', async () => {
    const first = fakeProcess(1);
    const outcomes: Array<() => Promise<RunningProcess>> = [
      async () => first.proc,
      async () => {
        throw new Error('port in use');
      },
      async () => {
        throw new Error('port in use');
      },
      async () => fakeProcess(2).proc,
    ];
    const service = new ManagedService(
      { name: 'worker-1', kind: 'worker', start: () => outcomes.shift()!() },
      () => {},
      1,
    );
    await service.start();
    expect(service.state).toBe('up');
    first.exit(); // exits on its own: a crash, restarted
    while (service.state === 'up') await new Promise((r) => setTimeout(r, 10));
    await service.waitUntilUp(20_000);
    expect({ crashes: service.crashes, startFailures: service.startFailures, left: outcomes.length }).toEqual({
      crashes: 1,
      startFailures: 2,
      left: 0,
    });
  }, 30_000);
});
