// The Temporal dev server (CLI `temporal server start-dev`, with its Web UI) for `npm start` and integration tests.
// Used only when TEMPORAL_ADDRESS is not given. The binary comes from the tools step (scripts/lib/ensureTools.ts,
// which callers run first); without one, on a machine with internet, @temporalio/testing downloads the same server.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../temporal/searchAttributes.js';
import { registerSearchAttributes } from './searchAttributeRegistration.js';

export interface DevServerOptions {
  port: number;
  /** The Temporal CLI (from ensureTools); undefined: look for one (findTemporalCli), else the SDK downloads it. */
  cli?: string;
  /** Web UI port, or undefined for a headless server. */
  uiPort?: number;
  /** SQLite file for persistence; in-memory when undefined. */
  dbFile?: string;
  logFile?: string;
  namespace?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** The server process when we spawned the CLI ourselves (the fault-injection run SIGKILLs it). */
  child?: ChildProcess;
  stop(): Promise<void>;
}

const projectRoot = path.resolve(import.meta.dirname, '../..');

export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const local = path.join(projectRoot, '.tools/bin/temporal');
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function waitForTemporal(address: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} not reachable after ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${opts.port}`;
  const namespace = opts.namespace ?? 'default';
  const cli = opts.cli ?? findTemporalCli();
  if (!cli) return startDownloadedDevServer(opts);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', namespace];
  args.push(...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  args.push('--log-level', 'warn');
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(cli, args, { stdio: ['ignore', out, out] });
  try {
    await waitForTemporal(address, 60_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    child,
    stop: () => stopChild(child),
  };
}

/** Online fallback: the SDK downloads the CLI into its cache and runs it. */
async function startDownloadedDevServer(opts: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: opts.port,
      ui: Boolean(opts.uiPort),
      uiPort: opts.uiPort,
      dbFilename: opts.dbFile,
      namespace: opts.namespace ?? 'default',
    },
  });
  const address = `127.0.0.1:${opts.port}`;
  await registerSearchAttributes(address, opts.namespace ?? 'default');
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
