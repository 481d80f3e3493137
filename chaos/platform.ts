// The platform launcher of the fault-injection run: its own Postgres cluster (scripts/lib/localPostgres.ts, data in a
// temp dir), its own Temporal dev server persisting to a SQLite file (scripts/lib/temporalDevServer.ts), migrations
// (scripts/lib/prismaCli.ts), a prebuilt workflow bundle, then N worker and N API processes, each a ManagedService
// the fault injector may SIGKILL. Nothing here uses the fixed ports of `npm start`: every port is a free one.
// With the Stripe adapter selected, Stripe is played by its test mode (scripts/lib/stripeTestMode.ts) on a stripe-mock
// of the run's own, in this process: outside the platform, like Stripe, so never killed (it holds the answers to
// idempotency keys that the restarted processes repeat).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTools } from '../scripts/lib/ensureTools.js';
import { freePort } from '../scripts/lib/freePort.js';
import { startLocalPostgres } from '../scripts/lib/localPostgres.js';
import { applyMigrations, ensurePrismaClient, projectRoot } from '../scripts/lib/prismaCli.js';
import { type StripeMock, startStripeMock } from '../scripts/lib/stripeMock.js';
import { type StripeTestMode, startStripeTestMode } from '../scripts/lib/stripeTestMode.js';
import { startTemporalDevServer } from '../scripts/lib/temporalDevServer.js';
import { ensureReconcileSchedule } from '../temporal/reconcileSchedule.js';
import { workflowsPath } from '../worker/createWorker.js';
import { ManagedService, type RunningProcess, type ServiceDefinition } from './supervisor.js';

export interface PlatformOptions {
  workers: number;
  apis: number;
  log: (msg: string) => void;
  /** How often the reconciliation schedule runs (compressed from production's 5 minutes). */
  reconcileEvery?: string;
  paymentProvider?: 'sandbox' | 'stripe';
}

/** The payment provider the workers and APIs use. */
export interface PlatformPayments {
  provider: 'sandbox' | 'stripe';
  /** Stripe's test mode (stripe only): what was sent, faults to inject. */
  stripe?: StripeTestMode;
  /** STRIPE_WEBHOOK_SECRET the APIs verify provider events with (stripe only). */
  webhookSecret?: string;
}

export interface Platform {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  apiUrls: string[];
  bootstrapKey: string;
  services: ManagedService[];
  payments: PlatformPayments;
  /** A Temporal client that reconnects by itself across dev-server restarts. */
  temporal(): Promise<Client>;
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

export const TASK_QUEUE = 'billing';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while `pid` is a live process (a zombie is not: nothing of it runs any more). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`) || process.platform !== 'linux';
  }
}

async function waitForPidExit(pid: number): Promise<void> {
  while (alive(pid)) await sleep(150);
}

/** Direct children of `pid` (Postgres backends and auxiliary processes of the postmaster). */
function childPids(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function childExited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** A node service (worker/main.ts, api/main.ts); logs appended to `logFile`; ready once `ready()` says so. */
function nodeService(
  entry: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  ready: (output: string) => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  let output = '';
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    if (output.length < 200_000) output += String(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = childExited(child).then(() => void log.end());
  const running: RunningProcess = { pid: child.pid!, exited, kill: () => child.kill('SIGKILL') };
  return (async () => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${path.basename(entry)} exited during start-up: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        );
      }
      if (await ready(output)) return running;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${path.basename(entry)} not ready after ${timeoutMs} ms`);
      }
      await sleep(200);
    }
  })();
}

export async function launchPlatform(opts: PlatformOptions): Promise<Platform> {
  const { log } = opts;
  // The dev server must be a process of ours to SIGKILL: a Temporal CLI binary, not the SDK's managed download.
  const { temporal: temporalCli } = await ensureTools(['temporal'], { allowDownload: false });
  const dir = await mkdtemp(path.join(tmpdir(), 'billing-chaos-'));
  // The Postgres server runs as the `postgres` user when we are root: it must be able to traverse the temp dir.
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'logs'));
  const logPath = (name: string) => path.join(dir, 'logs', `${name}.log`);
  await ensurePrismaClient();

  const pgPort = await freePort();
  const pgDataDir = path.join(dir, 'postgres');
  let databaseUrl = '';
  const postgres: ServiceDefinition = {
    name: 'postgres',
    kind: 'postgres',
    async start() {
      const pg = await startLocalPostgres({ dataDir: pgDataDir, port: pgPort, database: 'billing' });
      databaseUrl = pg.url;
      const pid = Number((await readFile(path.join(pgDataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      return {
        pid,
        exited: waitForPidExit(pid),
        kill() {
          // The postmaster and every backend at once, as a machine crash or the OOM killer would.
          const children = childPids(pid);
          for (const p of [pid, ...children]) {
            try {
              process.kill(p, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        },
      };
    },
  };

  const temporalPort = await freePort();
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const temporalServer: ServiceDefinition = {
    name: 'temporal',
    kind: 'temporal',
    async start() {
      const server = await startTemporalDevServer({
        cli: temporalCli,
        port: temporalPort,
        dbFile: path.join(dir, 'temporal.db'),
        logFile: logPath('temporal'),
      });
      const child = server.child!;
      return { pid: child.pid!, exited: childExited(child), kill: () => child.kill('SIGKILL') };
    },
  };

  const supervised = (def: ServiceDefinition) => new ManagedService(def, log);
  const pgService = supervised(postgres);
  const temporalService = supervised(temporalServer);
  log(`starting Postgres (port ${pgPort}) and the Temporal dev server (${temporalAddress}) in ${dir}`);
  await Promise.all([pgService.start(), temporalService.start()]);
  log('applying migrations, bundling workflows');
  await applyMigrations(databaseUrl);
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  const bundlePath = path.join(dir, 'workflows.js');
  await writeFile(bundlePath, code);

  let client: Client | undefined;
  const temporal = async () => {
    client ??= new Client({ connection: await Connection.connect({ address: temporalAddress }), namespace: 'default' });
    return client;
  };
  await ensureReconcileSchedule(await temporal(), TASK_QUEUE, opts.reconcileEvery ?? '30 seconds');

  const provider = opts.paymentProvider ?? 'sandbox';
  let stripeMock: StripeMock | undefined;
  let stripe: StripeTestMode | undefined;
  const webhookSecret = `whsec_chaos_${randomUUID().replaceAll('-', '')}`;
  let paymentEnv: NodeJS.ProcessEnv = { PAYMENT_PROVIDER: 'sandbox' };
  if (provider === 'stripe') {
    const { 'stripe-mock': binary } = await ensureTools(['stripe-mock']);
    stripeMock = await startStripeMock(binary);
    stripe = await startStripeTestMode(stripeMock.url);
    log(`Stripe's test mode on ${stripe.url} (stripe-mock ${stripeMock.url})`);
    paymentEnv = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_chaos',
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
    };
  }

  const bootstrapKey = `chaos-bootstrap-${randomUUID()}`;
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOW_INTERNAL_URLS: 'true',
    BOOTSTRAP_ADMIN_KEY: bootstrapKey,
    RATE_LIMIT_PER_SECOND: '0',
    WORKFLOW_BUNDLE_PATH: bundlePath,
    ...paymentEnv,
  };
  const services: ManagedService[] = [pgService, temporalService];
  for (let i = 1; i <= opts.workers; i++) {
    services.push(
      supervised({
        name: `worker-${i}`,
        kind: 'worker',
        start: () =>
          nodeService('worker/main.ts', baseEnv, logPath(`worker-${i}`), (out) =>
            out.includes('"msg":"worker started"'),
          ),
      }),
    );
  }
  const apiUrls: string[] = [];
  for (let i = 1; i <= opts.apis; i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    apiUrls.push(url);
    services.push(
      supervised({
        name: `api-${i}`,
        kind: 'api',
        start: () =>
          nodeService('api/main.ts', { ...baseEnv, PORT: String(port) }, logPath(`api-${i}`), async () => {
            try {
              await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
              return true;
            } catch {
              return false;
            }
          }),
      }),
    );
  }
  log(`starting ${opts.workers} workers and ${opts.apis} API processes`);
  const platform: Platform = {
    dir,
    databaseUrl,
    temporalAddress,
    taskQueue: TASK_QUEUE,
    apiUrls,
    bootstrapKey,
    services,
    payments: { provider, ...(stripe ? { stripe, webhookSecret } : {}) },
    temporal,
    async stop({ keepDir = false } = {}) {
      await client?.connection.close().catch(() => {});
      const graceful = async (proc: RunningProcess) => {
        const timer = setTimeout(() => proc.kill(), 10_000);
        try {
          process.kill(proc.pid, 'SIGTERM');
        } catch {
          // gone
        }
        await proc.exited;
        clearTimeout(timer);
      };
      const nodes = services.filter((s) => s.kind === 'api' || s.kind === 'worker');
      await Promise.all(nodes.map((s) => s.stop(graceful)));
      await temporalService.stop(graceful);
      await pgService.stop(async (proc) => {
        await (await startLocalPostgres({ dataDir: pgDataDir, port: pgPort, database: 'billing' })).stop();
        await proc.exited;
      });
      await stripe?.stop();
      await stripeMock?.stop();
      if (!keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(services.filter((s) => s.state !== 'up').map((s) => s.start()));
  } catch (err) {
    // A process that cannot start ends the run (ServiceStartError): stop what did start, keep the logs.
    log(`a service did not start; stopping the others (logs in ${dir})`);
    await platform.stop({ keepDir: true });
    throw err;
  }
  return platform;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string, meta?: Record<string, unknown>) {
    console.error(message, meta ?? '');
  },
};
