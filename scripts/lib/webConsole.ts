// The web console (web/, Next.js): built once when its sources changed (offline: no fonts or telemetry fetched),
// then served by `next start` beside the API. Used by `npm start` and the browser tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './prismaCli.js';

export const webDir = path.join(projectRoot, 'web');
const nextBin = path.join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next');
const buildId = path.join(webDir, '.next', 'BUILD_ID');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.next' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function run(args: string[], env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: webDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      log(output.slice(-4000));
      reject(new Error(`next ${args.join(' ')} exited with ${code}`));
    });
  });
}

/** Builds web/ unless the last build is newer than every source file. */
export async function ensureWebBuild(log: (m: string) => void = console.error): Promise<void> {
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestSource(webDir)) return;
  log('building the web console (next build, a minute or two on 2 cores)');
  await run(['build'], { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, log);
}

export interface WebConsoleOptions {
  port: number;
  apiUrl: string;
  temporalUiUrl: string;
  temporalNamespace: string;
  signingSecret: string;
  env?: NodeJS.ProcessEnv;
}

export interface WebConsole {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `next start` on 127.0.0.1:port; resolves once it answers. */
export async function startWebConsole(opts: WebConsoleOptions, timeoutMs = 60_000): Promise<WebConsole> {
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(opts.port), '-H', '127.0.0.1'], {
    cwd: webDir,
    env: {
      ...(opts.env ?? process.env),
      NEXT_TELEMETRY_DISABLED: '1',
      API_URL: opts.apiUrl,
      TEMPORAL_UI_URL: opts.temporalUiUrl,
      TEMPORAL_NAMESPACE: opts.temporalNamespace,
      CONSOLE_SIGNING_SECRET: opts.signingSecret,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the web console exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/login`);
      if (res.status < 500) return { url, child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await stop();
  throw new Error(`the web console did not answer within ${timeoutMs} ms`);
}
