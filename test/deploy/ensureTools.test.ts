// The tools step as entry points run it, in separate processes against an empty tools cache (TOOLS_CACHE): two of
// them starting at once build a tool once and both get a whole binary; a machine that cannot provide a tool gets one
// line saying what is missing and how to get it, and exit code 1. stripe-mock stands in for the Go-built tools (its
// build takes seconds once Go's own caches are warm; the Temporal CLI's takes minutes).
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toolsBinDir } from '../../scripts/lib/ensureTools.js';
import { projectRoot } from '../../scripts/lib/prismaCli.js';
import { startStripeMock } from '../../scripts/lib/stripeMock.js';
import { machineProbes } from '../../scripts/lib/tools/toolProbes.js';

let cache: string;
beforeEach(async () => {
  cache = await mkdtemp(path.join(tmpdir(), 'tools-cache-'));
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

function ensureTools(tools: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/ensure-tools.ts', ...tools], {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

// The build needs Go; a machine that has stripe-mock from elsewhere (PATH, STRIPE_MOCK_PATH) runs the suite without it.
const hasGo = machineProbes(toolsBinDir).goVersion() !== undefined;

describe('the tools step against an empty cache', () => {
  it.skipIf(!hasGo)(
    'builds once when two entry points start at once, and both end with a working binary',
    {
      timeout: 300_000,
    },
    async () => {
      const env = { ...process.env, TOOLS_CACHE: cache, STRIPE_MOCK_PATH: '' };
      const [a, b] = await Promise.all([ensureTools(['stripe-mock'], env), ensureTools(['stripe-mock'], env)]);
      expect([a.code, b.code], a.output + b.output).toEqual([0, 0]);
      const builds = [a, b].filter((r) =>
        r.output.includes('[tools] stripe-mock: go install github.com/stripe/stripe-mock'),
      );
      expect(builds).toHaveLength(1);
      // The other one waited for that build (or, started late, found it done) and uses it.
      const other = builds[0] === a ? b : a;
      expect(other.output).toContain('[tools] ready: stripe-mock cached');

      // One published build, nothing half-done beside it.
      const entries = readdirSync(cache).filter((n) => n !== '.locks');
      expect(entries).toHaveLength(2);
      expect(lstatSync(path.join(cache, 'stripe-mock-0.203.0')).isSymbolicLink()).toBe(true);
      expect(entries).toContain(readlinkSync(path.join(cache, 'stripe-mock-0.203.0')));

      const mock = await startStripeMock(path.join(cache, 'stripe-mock-0.203.0/stripe-mock'));
      try {
        const res = await fetch(`${mock.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_123' } });
        expect(res.status).toBe(200);
      } finally {
        await mock.stop();
      }
    },
  );

  it('without Go: one line naming what is missing and how to get it, exit 1, nothing built', async () => {
    // This machine's PATH without the directories holding Go or stripe-mock (node is run by its absolute path).
    const PATH = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((dir) => !existsSync(path.join(dir, 'go')) && !existsSync(path.join(dir, 'stripe-mock')))
      .join(path.delimiter);
    const env = { ...process.env, TOOLS_CACHE: cache, PATH, STRIPE_MOCK_PATH: '' };
    const { code, output } = await ensureTools(['stripe-mock'], env);
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      '[tools] stripe-mock missing: install Go >= 1.22 (https://go.dev/dl; it is built once), or put stripe-mock on ' +
        'PATH (`brew install stripe/stripe-mock/stripe-mock` or a release from ' +
        'https://github.com/stripe/stripe-mock/releases), or set STRIPE_MOCK_PATH',
    );
    expect(readdirSync(cache)).toEqual([]);
  });
});
