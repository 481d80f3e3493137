// The time a workflow bills on. Production entities: wall time (Date.now(), Temporal timers), exactly the commands
// the workflows always issued. Entities attached to a test clock: the clock's time, which only moves when the clock is
// advanced: the advance signals `clockAdvanced` with the new time to every workflow of the clock's entities, and a
// wait "until T" is a condition on that time instead of a timer. The clock's time at the start comes in the input (and
// is carried across continue-as-new); the `clock` query tells the advance whether the workflow has caught up.
import * as wf from '@temporalio/workflow';

/** A workflow input that may name a test clock: its id and its time when the run was started. */
export interface TestClockInput {
  testClock?: { id: string; now: string } | undefined;
}

export const clockAdvancedSignal = wf.defineSignal<[{ now: string }]>('clockAdvanced');

/** What the advance reads: the time the workflow has seen, and whether it is waiting (nothing left to do now). */
export interface ClockState {
  now: string;
  idle: boolean;
}
export const clockStateQuery = wf.defineQuery<ClockState>('clock');

export interface TestClock {
  id: string;
  /** The clock's time as this workflow knows it (ms). */
  now(): number;
  /**
   * Waits until `wake()` is true or the clock reaches `at` (ms), whichever first; like wf.condition with a timeout:
   * true when `wake()` ended the wait, false when the time was reached.
   */
  until(at: number, wake: () => boolean): Promise<boolean>;
  /** Waits for `wake()` with no deadline; the workflow counts as caught up meanwhile. */
  idleUntil(wake: () => boolean): Promise<void>;
  /** The input of a continued run: the clock at its time now. */
  carry(): { id: string; now: string };
}

/** The workflow's test clock, or null on the default (wall-time) path. Registers the signal and query. */
export function testClockOf(input: TestClockInput): TestClock | null {
  const attached = input.testClock;
  if (!attached) return null;
  let now = Date.parse(attached.now);
  let idle = false;
  wf.setHandler(clockAdvancedSignal, ({ now: next }) => {
    // Forward only: a late or repeated signal never moves the time back.
    now = Math.max(now, Date.parse(next));
  });
  wf.setHandler(clockStateQuery, () => ({ now: new Date(now).toISOString(), idle }));
  const waitIdle = async (done: () => boolean): Promise<void> => {
    idle = true;
    try {
      await wf.condition(done);
    } finally {
      idle = false;
    }
  };
  return {
    id: attached.id,
    now: () => now,
    async until(at, wake) {
      await waitIdle(() => wake() || now >= at);
      return wake();
    },
    idleUntil: (wake) => waitIdle(wake),
    carry: () => ({ id: attached.id, now: new Date(now).toISOString() }),
  };
}
