// The processes of a scale-out run: W worker processes and P API processes, each a real `node --import tsx` child
// with its configuration in the environment, exactly as a deployment runs them (worker/main.ts and api/main.ts), all
// on one Temporal task queue and one database. Ready means: every worker is polling the task queue (its identity is
// among the queue's pollers) and every API answers /health.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { freePort } from '../scripts/lib/freePort.js';
import { stopChild } from '../scripts/lib/temporalDevServer.js';

const projectRoot = path.resolve(import.meta.dirname, '..');

export interface ClusterOptions {
  workers: number;
  apis: number;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** Worker entry point; default worker/main.ts (tests pass a worker that loads a prebuilt workflow bundle). */
  workerScript?: string;
  /** Extra environment for every process (pool sizes, worker tuning). */
  env?: Record<string, string>;
  /** Where the children's stdout/stderr go; default: discarded. */
  logFile?: string;
}

export interface Cluster {
  apiUrls: string[];
  workerPids: number[];
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : null;
  const children: ChildProcess[] = [];
  const baseEnv = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_TASK_QUEUE: opts.taskQueue,
    LOG_LEVEL: 'warn',
    // One API key sends every request of the run; the per-key limit (50/s by default) would pace the run itself.
    RATE_LIMIT_PER_SECOND: '0',
    ...opts.env,
  };
  const launch = (script: string, env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', log ? 'pipe' : 'ignore', 'pipe'],
    });
    if (log) child.stdout?.pipe(log, { end: false });
    keepStderrTail(child, log);
    children.push(child);
    return child;
  };
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    log?.end();
  };

  try {
    const workerScript = opts.workerScript ?? path.join(projectRoot, 'worker/main.ts');
    const workers = Array.from({ length: opts.workers }, () => launch(workerScript, baseEnv));
    const ports = await Promise.all(Array.from({ length: opts.apis }, () => freePort()));
    for (const port of ports) launch(path.join(projectRoot, 'api/main.ts'), { ...baseEnv, PORT: String(port) });
    const apiUrls = ports.map((p) => `http://127.0.0.1:${p}`);
    await Promise.all([
      waitForPollers(opts.temporalAddress, opts.taskQueue, workers, children),
      ...apiUrls.map((url) => waitForHealth(url, children)),
    ]);
    return { apiUrls, workerPids: workers.map((w) => w.pid!), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// A process that dies while starting says why on stderr; the error carries its last lines, log file or not.
const STDERR_TAIL_BYTES = 4_000;
const stderrTails = new WeakMap<ChildProcess, string>();

function keepStderrTail(child: ChildProcess, log: WriteStream | null): void {
  stderrTails.set(child, '');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Output still draining after stop() closed the log is dropped: a write after end would be an error event.
    if (log && !log.writableEnded) log.write(chunk);
    stderrTails.set(child, ((stderrTails.get(child) ?? '') + chunk).slice(-STDERR_TAIL_BYTES));
  });
}

const exited = (children: ChildProcess[]) => children.find((c) => c.exitCode !== null || c.signalCode !== null);

function exitedWhileStarting(child: ChildProcess): Error {
  const script = child.spawnargs.at(-1);
  const tail = stderrTails.get(child)?.trim();
  return new Error(
    `a cluster process (${script}) exited with ${child.exitCode ?? child.signalCode} while starting` +
      (tail ? `; its stderr ended with:\n${tail}` : '; it wrote nothing to stderr'),
  );
}

async function waitForPollers(
  address: string,
  taskQueue: string,
  workers: ChildProcess[],
  all: ChildProcess[],
  timeoutMs = 180_000,
): Promise<void> {
  const connection = await Connection.connect({ address });
  const deadline = Date.now() + timeoutMs;
  try {
    // Worker identities carry the process id (the SDK's default is `<pid>@<host>`): every worker must poll both the
    // workflow and the activity task queue.
    const wanted = workers.map((w) => new RegExp(`(^|\\D)${w.pid}(\\D|$)`));
    for (;;) {
      const dead = exited(all);
      if (dead) throw exitedWhileStarting(dead);
      const polling = await Promise.all(
        [
          proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        ].map(async (taskQueueType) => {
          const res = await connection.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: taskQueue },
            taskQueueType,
          });
          const identities = (res.pollers ?? []).map((p) => p.identity ?? '');
          return wanted.every((w) => identities.some((id) => w.test(id)));
        }),
      );
      if (polling.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`workers not polling ${taskQueue} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}

async function waitForHealth(url: string, all: ChildProcess[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = exited(all);
    if (dead) throw exitedWhileStarting(dead);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`API ${url} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
