// The tools step's decisions on made-up machines: what is on PATH, in the cache, which builders exist, whether the
// Temporal download host answers. The real machine is exercised by every entry point (and CI's `npm test`).
import { describe, expect, it } from 'vitest';
import { cacheLayout, decideTool, type ToolName, type ToolProbes } from '../../scripts/lib/tools/toolDecision.js';

const CACHE = '/cache';
const layout = cacheLayout(CACHE);

interface Machine {
  env?: Record<string, string>;
  /** Commands on PATH (name -> path is /usr/bin/<name>). */
  commands?: string[];
  /** Files that exist (all executable). */
  files?: string[];
  go?: string;
  pythonVenv?: boolean;
  root?: boolean;
  online?: boolean;
}

function probes(m: Machine): ToolProbes & { asked: string[] } {
  const files = new Set(m.files ?? []);
  const commands = new Set(m.commands ?? []);
  const asked: string[] = [];
  return {
    asked,
    env: m.env ?? {},
    cacheDir: CACHE,
    which: (cmd) => (commands.has(cmd) ? `/usr/bin/${cmd}` : undefined),
    exists: (f) => files.has(f),
    executable: (f) => files.has(f),
    goVersion: () => m.go,
    pythonVenv: () => m.pythonVenv ?? false,
    isRoot: () => m.root ?? false,
    async reachable(url) {
      asked.push(url);
      return m.online ?? false;
    },
  };
}

const decide = (tool: ToolName, m: Machine, allowDownload = true) => decideTool(tool, probes(m), { allowDownload });

describe('Temporal CLI', () => {
  it('is present from TEMPORAL_CLI_PATH before anything else', async () => {
    const d = await decide('temporal', {
      env: { TEMPORAL_CLI_PATH: '/opt/temporal' },
      files: ['/opt/temporal', layout.temporal.exe],
      commands: ['temporal'],
    });
    expect(d).toEqual({ kind: 'present', path: '/opt/temporal', via: 'TEMPORAL_CLI_PATH' });
  });

  it('is impossible when TEMPORAL_CLI_PATH names no executable, even with a cached build', async () => {
    const d = await decide('temporal', { env: { TEMPORAL_CLI_PATH: '/nope' }, files: [layout.temporal.exe] });
    expect(d).toEqual({
      kind: 'impossible',
      reason: 'TEMPORAL_CLI_PATH=/nope is not an executable file (fix or unset it)',
    });
  });

  it('is present on PATH, then cached', async () => {
    expect(await decide('temporal', { commands: ['temporal'], files: [layout.temporal.exe] })).toEqual({
      kind: 'present',
      path: '/usr/bin/temporal',
      via: 'PATH',
    });
    expect(await decide('temporal', { files: [layout.temporal.exe], go: '1.26.8' })).toEqual({
      kind: 'cached',
      path: '/cache/temporal-cli-1.5.1/temporal',
    });
  });

  it('is built with go install when Go >= 1.25 is here, without asking the network', async () => {
    const p = probes({ go: '1.25.0', online: true });
    expect(await decideTool('temporal', p, { allowDownload: true })).toEqual({
      kind: 'build',
      path: '/cache/temporal-cli-1.5.1/temporal',
      action: 'go install github.com/temporalio/cli/cmd/temporal@v1.5.1',
    });
    expect(p.asked).toEqual([]);
  });

  it('is left to the SDK download only when temporal.download answers and the caller accepts it', async () => {
    expect(await decide('temporal', { online: true })).toEqual({
      kind: 'download',
      note: 'the Temporal SDK downloads the dev server from https://temporal.download',
    });
    const offline = await decide('temporal', { online: false });
    expect(offline.kind).toBe('impossible');
    const binaryNeeded = await decide('temporal', { online: true }, false);
    expect(binaryNeeded.kind).toBe('impossible');
  });

  it('names what is missing and how to get it, in one line', async () => {
    const d = await decide('temporal', { go: '1.22.3' }, false);
    expect(d).toEqual({
      kind: 'impossible',
      reason:
        'Temporal CLI missing: Go 1.22.3 is too old (needs >= 1.25); install Go >= 1.25 (https://go.dev/dl; it is ' +
        'built once), or install the Temporal CLI (https://docs.temporal.io/cli, e.g. `brew install temporal`) on ' +
        'PATH or set TEMPORAL_CLI_PATH',
    });
    const noGo = await decide('temporal', {});
    expect(noGo.kind === 'impossible' && noGo.reason).toBe(
      'Temporal CLI missing: install Go >= 1.25 (https://go.dev/dl; it is built once), or install the Temporal CLI ' +
        '(https://docs.temporal.io/cli, e.g. `brew install temporal`) on PATH or set TEMPORAL_CLI_PATH; with ' +
        'internet access the Temporal SDK downloads it',
    );
    expect(noGo.kind === 'impossible' && noGo.reason).not.toContain('\n');
  });
});

describe('time-skipping test server', () => {
  const ts = layout['temporal-test-server'];

  it('is cached when the resolved jars are complete and Java is here to run them', async () => {
    expect(await decide('temporal-test-server', { commands: ['java'], files: [ts.complete] })).toEqual({
      kind: 'cached',
      path: '/cache/temporal-test-server-1.38.0/temporal-test-server',
    });
  });

  it('is not usable from the cache without Java', async () => {
    const d = await decide('temporal-test-server', { files: [ts.complete] });
    expect(d.kind === 'impossible' && d.reason).toMatch(
      /^time-skipping test server missing: install Java 17 and Maven/,
    );
  });

  it('is resolved with Maven when Java and Maven are here', async () => {
    expect(await decide('temporal-test-server', { commands: ['java', 'mvn'] })).toMatchObject({
      kind: 'build',
      path: ts.exe,
    });
  });

  it('with Java but no Maven: the SDK download when online, else Maven is named as missing', async () => {
    expect((await decide('temporal-test-server', { commands: ['java'], online: true })).kind).toBe('download');
    const d = await decide('temporal-test-server', { commands: ['java'] });
    expect(d.kind === 'impossible' && d.reason).toMatch(/^time-skipping test server missing: install Maven \(/);
  });

  it('is present from TEMPORAL_TEST_SERVER_PATH', async () => {
    expect(
      await decide('temporal-test-server', { env: { TEMPORAL_TEST_SERVER_PATH: '/x/ts' }, files: ['/x/ts'] }),
    ).toEqual({ kind: 'present', path: '/x/ts', via: 'TEMPORAL_TEST_SERVER_PATH' });
  });
});

describe('Temporal Server (PostgreSQL shape)', () => {
  const ts = layout['temporal-server'];

  it('is cached only when both the server and its schema tool are in the entry', async () => {
    expect(await decide('temporal-server', { files: [ts.exe, ts.sqlTool] })).toEqual({ kind: 'cached', path: ts.exe });
    expect(await decide('temporal-server', { files: [ts.exe], go: '1.26.8' })).toEqual({
      kind: 'build',
      path: '/cache/temporal-server-1.29.1/temporal-server',
      action: 'go install go.temporal.io/server/cmd/{server,tools/sql}@v1.29.1',
    });
  });

  it('is present from TEMPORAL_SERVER_DIR holding both binaries, and never from PATH', async () => {
    const dir = {
      env: { TEMPORAL_SERVER_DIR: '/opt/t' },
      files: ['/opt/t/temporal-server', '/opt/t/temporal-sql-tool'],
    };
    expect(await decide('temporal-server', dir)).toEqual({
      kind: 'present',
      path: '/opt/t/temporal-server',
      via: 'TEMPORAL_SERVER_DIR',
    });
    const half = await decide('temporal-server', { ...dir, files: ['/opt/t/temporal-server'], go: '1.26.8' });
    expect(half.kind === 'impossible' && half.reason).toBe(
      'TEMPORAL_SERVER_DIR=/opt/t does not hold temporal-server and temporal-sql-tool (fix or unset it)',
    );
    expect((await decide('temporal-server', { commands: ['temporal-server'], go: '1.26.8' })).kind).toBe('build');
  });

  it('has no download fallback: without Go >= 1.25 it is impossible, naming Go and the Docker shape', async () => {
    const p = probes({ go: '1.24.2', online: true });
    const d = await decideTool('temporal-server', p, { allowDownload: true });
    expect(d.kind === 'impossible' && d.reason).toBe(
      'Temporal Server missing: Go 1.24.2 is too old (needs >= 1.25); install Go >= 1.25 (https://go.dev/dl; the ' +
        'server 1.29.1 is built once), or set TEMPORAL_SERVER_DIR, or run the Docker shape (docker compose up)',
    );
    expect(p.asked).toEqual([]);
  });
});

describe('schemathesis', () => {
  const sm = layout.schemathesis;

  it('is cached only when the venv was completed', async () => {
    expect(await decide('schemathesis', { files: [sm.complete, sm.exe] })).toEqual({ kind: 'cached', path: sm.exe });
    // An interrupted install (no marker) is rebuilt, not used.
    expect(await decide('schemathesis', { files: [sm.exe], pythonVenv: true })).toEqual({
      kind: 'build',
      path: sm.exe,
      action: 'pip install schemathesis==4.32.5',
    });
  });

  it('has no download fallback: without Python venv it is impossible, and says how to skip its test', async () => {
    const d = await decide('schemathesis', { online: true });
    expect(d.kind === 'impossible' && d.reason).toBe(
      'schemathesis missing: install Python 3 with venv (e.g. `apt-get install python3-venv`; schemathesis is then ' +
        'pip-installed once from PyPI), or set SCHEMATHESIS_PATH, or skip its test with SKIP_SCHEMATHESIS=1',
    );
  });
});

describe('stripe-mock', () => {
  const sm = layout['stripe-mock'];

  it('is present on PATH, cached, or built with Go >= 1.22', async () => {
    expect((await decide('stripe-mock', { commands: ['stripe-mock'] })).kind).toBe('present');
    expect(await decide('stripe-mock', { files: [sm.exe] })).toEqual({ kind: 'cached', path: sm.exe });
    expect(await decide('stripe-mock', { go: '1.22.1' })).toEqual({
      kind: 'build',
      path: '/cache/stripe-mock-0.203.0/stripe-mock',
      action: 'go install github.com/stripe/stripe-mock@v0.203.0',
    });
  });

  it('is impossible without Go, whatever the network', async () => {
    const d = await decide('stripe-mock', { go: '1.21.0', online: true });
    expect(d.kind === 'impossible' && d.reason).toMatch(
      /^stripe-mock missing: Go 1\.21\.0 is too old \(needs >= 1\.22\); install Go >= 1\.22/,
    );
  });
});

describe('Chromium', () => {
  it('is present from CHROMIUM_PATH or PATH', async () => {
    expect(await decide('chromium', { env: { CHROMIUM_PATH: '/c' }, files: ['/c'] })).toMatchObject({
      kind: 'present',
      path: '/c',
    });
    expect(await decide('chromium', { commands: ['chromium-browser'] })).toMatchObject({
      kind: 'present',
      path: '/usr/bin/chromium-browser',
    });
  });

  it('is installed with apt-get only as root', async () => {
    expect(await decide('chromium', { root: true, commands: ['apt-get'] })).toEqual({
      kind: 'build',
      path: '/usr/bin/chromium',
      action: 'apt-get install -y chromium',
    });
    const d = await decide('chromium', { root: false, commands: ['apt-get'] });
    expect(d.kind === 'impossible' && d.reason).toMatch(
      /^Chromium missing: install it \(Debian\/Ubuntu: `sudo apt-get/,
    );
  });
});
