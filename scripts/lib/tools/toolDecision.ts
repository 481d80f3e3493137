// What the tools step does for one tool on this machine, decided from facts about the machine (the probes) and
// nothing else, so every branch can be tested with made-up machines (test/unit/toolDecision.test.ts).
//
// For each tool, in this order:
//   present     an explicit path in the environment (e.g. TEMPORAL_CLI_PATH), or the command on PATH
//   cached      an earlier build in the tools cache (TOOLS_CACHE, shared by every clone on the machine)
//   build       what builds or installs it is here (Go, Java + Maven, Python with venv, root + apt-get)
//   download    only the Temporal servers, only when the caller can use it and temporal.download answers:
//               the Temporal SDK downloads the server when it starts it
//   impossible  one line naming what is missing and how to get it
import path from 'node:path';

export type ToolName =
  | 'temporal'
  | 'temporal-server'
  | 'temporal-test-server'
  | 'schemathesis'
  | 'stripe-mock'
  | 'chromium';
export const TOOL_NAMES: readonly ToolName[] = [
  'temporal',
  'temporal-server',
  'temporal-test-server',
  'schemathesis',
  'stripe-mock',
  'chromium',
];

/** Pinned versions: a cache entry is per version, so changing one here builds the new version once. */
export const TOOL_VERSIONS = {
  // v1.6+ carries a `replace` directive in go.mod, which `go install pkg@version` refuses; v1.5.1 has none.
  temporal: '1.5.1',
  // The server the CLI above embeds, so both Temporal shapes run the same server; docker-compose.yml's
  // temporalio/auto-setup image carries the same version (test/deploy/dockerCompose.test.ts holds them together).
  'temporal-server': '1.29.1',
  'temporal-test-server': '1.38.0',
  schemathesis: '4.32.5',
  'stripe-mock': '0.203.0',
} as const;

/** The Go version each Go-built tool's go.mod asks for (GOTOOLCHAIN=local: an older Go cannot fetch a newer one). */
export const GO_MINIMUM = { temporal: '1.25', 'temporal-server': '1.25', 'stripe-mock': '1.22' } as const;

/** Where the SDK downloads the Temporal servers from. */
export const TEMPORAL_DOWNLOAD_HOST = 'https://temporal.download';

export type ToolDecision =
  | { kind: 'present'; path: string; via: string }
  | { kind: 'cached'; path: string }
  | { kind: 'build'; path: string; action: string }
  | { kind: 'download'; note: string }
  | { kind: 'impossible'; reason: string };

/** Facts about the machine. The real ones are in toolProbes.ts; tests pass made-up ones. */
export interface ToolProbes {
  env: Readonly<Record<string, string | undefined>>;
  /** TOOLS_CACHE, resolved. */
  cacheDir: string;
  /** The executable `cmd` on PATH (our own .tools/bin left out), or undefined. */
  which(cmd: string): string | undefined;
  exists(file: string): boolean;
  executable(file: string): boolean;
  /** `go env GOVERSION` without the "go" prefix ("1.26.8"), or undefined without Go. */
  goVersion(): string | undefined;
  /** python3 with the venv and ensurepip modules (Debian splits them into python3-venv). */
  pythonVenv(): boolean;
  isRoot(): boolean;
  /** Whether `url` answers at all (any HTTP status). Asked only when nothing local can provide the tool. */
  reachable(url: string): Promise<boolean>;
}

export interface DecideOptions {
  /**
   * The caller accepts "the SDK downloads it when it starts the server" (the Temporal servers only). The chaos run
   * does not: it spawns and SIGKILLs the dev server process itself, so it needs a binary.
   */
  allowDownload: boolean;
}

/** Where each tool lives in the cache. Directories carry the version; `exe` is what callers run. */
export function cacheLayout(cacheDir: string) {
  const dir = (name: string) => path.join(cacheDir, name);
  const temporal = dir(`temporal-cli-${TOOL_VERSIONS.temporal}`);
  const server = dir(`temporal-server-${TOOL_VERSIONS['temporal-server']}`);
  const testServer = dir(`temporal-test-server-${TOOL_VERSIONS['temporal-test-server']}`);
  const schemathesis = dir(`schemathesis-${TOOL_VERSIONS.schemathesis}`);
  const stripeMock = dir(`stripe-mock-${TOOL_VERSIONS['stripe-mock']}`);
  return {
    temporal: { dir: temporal, exe: path.join(temporal, 'temporal') },
    // The server and its schema tool (temporal-sql-tool, which embeds the versioned schemas), built into one
    // directory: callers run `exe` and find the tool beside it.
    'temporal-server': {
      dir: server,
      exe: path.join(server, 'temporal-server'),
      sqlTool: path.join(server, 'temporal-sql-tool'),
    },
    // A directory of jars, complete when `.complete` exists; the wrapper script beside them is what callers run.
    'temporal-test-server': {
      dir: testServer,
      exe: path.join(testServer, 'temporal-test-server'),
      complete: path.join(testServer, '.complete'),
    },
    // A Python venv, complete when `.complete` exists.
    schemathesis: {
      dir: schemathesis,
      exe: path.join(schemathesis, 'bin/schemathesis'),
      complete: path.join(schemathesis, '.complete'),
    },
    'stripe-mock': { dir: stripeMock, exe: path.join(stripeMock, 'stripe-mock') },
  };
}

/** "1.26.8" >= "1.25" */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const b = minimum.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The tool named by an environment variable: present when it is executable, impossible when it is not. */
function fromEnv(probes: ToolProbes, variable: string): ToolDecision | undefined {
  const value = probes.env[variable];
  if (!value) return undefined;
  return probes.executable(value)
    ? { kind: 'present', path: value, via: variable }
    : { kind: 'impossible', reason: `${variable}=${value} is not an executable file (fix or unset it)` };
}

function onPath(probes: ToolProbes, ...commands: string[]): ToolDecision | undefined {
  for (const cmd of commands) {
    const found = probes.which(cmd);
    if (found) return { kind: 'present', path: found, via: 'PATH' };
  }
  return undefined;
}

/** The Go route: buildable with a new enough Go, else the reason Go cannot build it ('' when there is no Go). */
function goBuild(probes: ToolProbes, tool: keyof typeof GO_MINIMUM, pkg: string, exe: string) {
  const go = probes.goVersion();
  const minimum = GO_MINIMUM[tool];
  if (go && versionAtLeast(go, minimum)) {
    const action = `go install ${pkg}@v${TOOL_VERSIONS[tool]}`;
    return { decision: { kind: 'build', path: exe, action } as ToolDecision, goProblem: '' };
  }
  return { decision: undefined, goProblem: go ? `Go ${go} is too old (needs >= ${minimum}); ` : '' };
}

async function temporalDownload(
  probes: ToolProbes,
  opts: DecideOptions,
  what: string,
): Promise<ToolDecision | undefined> {
  if (!opts.allowDownload || !(await probes.reachable(TEMPORAL_DOWNLOAD_HOST))) return undefined;
  return { kind: 'download', note: `the Temporal SDK downloads the ${what} from ${TEMPORAL_DOWNLOAD_HOST}` };
}

async function decideTemporalCli(probes: ToolProbes, opts: DecideOptions): Promise<ToolDecision> {
  const { exe } = cacheLayout(probes.cacheDir).temporal;
  const present = fromEnv(probes, 'TEMPORAL_CLI_PATH') ?? onPath(probes, 'temporal');
  if (present) return present;
  if (probes.executable(exe)) return { kind: 'cached', path: exe };
  const go = goBuild(probes, 'temporal', 'github.com/temporalio/cli/cmd/temporal', exe);
  if (go.decision) return go.decision;
  const download = await temporalDownload(probes, opts, 'dev server');
  if (download) return download;
  return {
    kind: 'impossible',
    reason:
      `Temporal CLI missing: ${go.goProblem}install Go >= ${GO_MINIMUM.temporal} (https://go.dev/dl; it is built ` +
      `once), or install the Temporal CLI (https://docs.temporal.io/cli, e.g. \`brew install temporal\`) on PATH or ` +
      `set TEMPORAL_CLI_PATH${opts.allowDownload ? `; with internet access the Temporal SDK downloads it` : ''}`,
  };
}

/**
 * The Temporal Server for the PostgreSQL shape, with its schema tool. No PATH lookup and no download: a server found
 * elsewhere need not come with the schema tool of its own version, and temporal.download serves the CLI only.
 * TEMPORAL_SERVER_DIR names a directory laid out like the cache entry (both binaries).
 */
function decideTemporalServer(probes: ToolProbes): ToolDecision {
  const layout = cacheLayout(probes.cacheDir)['temporal-server'];
  const both = (dir: string) =>
    ['temporal-server', 'temporal-sql-tool'].every((f) => probes.executable(path.join(dir, f)));
  const given = probes.env.TEMPORAL_SERVER_DIR;
  if (given) {
    return both(given)
      ? { kind: 'present', path: path.join(given, 'temporal-server'), via: 'TEMPORAL_SERVER_DIR' }
      : {
          kind: 'impossible',
          reason: `TEMPORAL_SERVER_DIR=${given} does not hold temporal-server and temporal-sql-tool (fix or unset it)`,
        };
  }
  // Both binaries are renamed into the build directory before it is published: the entry is whole or absent.
  if (both(layout.dir)) return { kind: 'cached', path: layout.exe };
  const version = TOOL_VERSIONS['temporal-server'];
  const go = goBuild(probes, 'temporal-server', 'go.temporal.io/server/cmd/server', layout.exe);
  if (go.decision?.kind === 'build') {
    return { ...go.decision, action: `go install go.temporal.io/server/cmd/{server,tools/sql}@v${version}` };
  }
  return {
    kind: 'impossible',
    reason:
      `Temporal Server missing: ${go.goProblem}install Go >= ${GO_MINIMUM['temporal-server']} (https://go.dev/dl; ` +
      `the server ${version} is built once), or set TEMPORAL_SERVER_DIR, or run the Docker shape (docker compose up)`,
  };
}

async function decideTestServer(probes: ToolProbes, opts: DecideOptions): Promise<ToolDecision> {
  const layout = cacheLayout(probes.cacheDir)['temporal-test-server'];
  const present = fromEnv(probes, 'TEMPORAL_TEST_SERVER_PATH');
  if (present) return present;
  const java = probes.which('java');
  if (java && probes.exists(layout.complete)) return { kind: 'cached', path: layout.exe };
  if (java && probes.which('mvn')) {
    const action = `mvn dependency:copy-dependencies (io.temporal:temporal-test-server:${TOOL_VERSIONS['temporal-test-server']})`;
    return { kind: 'build', path: layout.exe, action };
  }
  const download = await temporalDownload(probes, opts, 'time-skipping test server');
  if (download) return download;
  const missing = java ? 'Maven' : 'Java 17 and Maven';
  return {
    kind: 'impossible',
    reason:
      `time-skipping test server missing: install ${missing} (e.g. \`apt-get install openjdk-17-jdk-headless maven\`; ` +
      `it is resolved once from Maven Central), or set TEMPORAL_TEST_SERVER_PATH` +
      (opts.allowDownload ? '; with internet access the Temporal SDK downloads it' : ''),
  };
}

function decideSchemathesis(probes: ToolProbes): ToolDecision {
  const layout = cacheLayout(probes.cacheDir).schemathesis;
  const present = fromEnv(probes, 'SCHEMATHESIS_PATH');
  if (present) return present;
  if (probes.exists(layout.complete) && probes.executable(layout.exe)) return { kind: 'cached', path: layout.exe };
  if (probes.pythonVenv()) {
    return { kind: 'build', path: layout.exe, action: `pip install schemathesis==${TOOL_VERSIONS.schemathesis}` };
  }
  return {
    kind: 'impossible',
    reason:
      'schemathesis missing: install Python 3 with venv (e.g. `apt-get install python3-venv`; schemathesis is then ' +
      'pip-installed once from PyPI), or set SCHEMATHESIS_PATH, or skip its test with SKIP_SCHEMATHESIS=1',
  };
}

function decideStripeMock(probes: ToolProbes): ToolDecision {
  const { exe } = cacheLayout(probes.cacheDir)['stripe-mock'];
  const present = fromEnv(probes, 'STRIPE_MOCK_PATH') ?? onPath(probes, 'stripe-mock');
  if (present) return present;
  if (probes.executable(exe)) return { kind: 'cached', path: exe };
  const go = goBuild(probes, 'stripe-mock', 'github.com/stripe/stripe-mock', exe);
  if (go.decision) return go.decision;
  return {
    kind: 'impossible',
    reason:
      `stripe-mock missing: ${go.goProblem}install Go >= ${GO_MINIMUM['stripe-mock']} (https://go.dev/dl; it is ` +
      'built once), or put stripe-mock on PATH (`brew install stripe/stripe-mock/stripe-mock` or a release from ' +
      'https://github.com/stripe/stripe-mock/releases), or set STRIPE_MOCK_PATH',
  };
}

function decideChromium(probes: ToolProbes): ToolDecision {
  const present = fromEnv(probes, 'CHROMIUM_PATH') ?? onPath(probes, 'chromium', 'chromium-browser');
  if (present) return present;
  if (probes.isRoot() && probes.which('apt-get')) {
    return { kind: 'build', path: '/usr/bin/chromium', action: 'apt-get install -y chromium' };
  }
  return {
    kind: 'impossible',
    reason:
      'Chromium missing: install it (Debian/Ubuntu: `sudo apt-get install chromium`; run as root, the tools step ' +
      'does this itself), or set CHROMIUM_PATH to a Chromium or Chrome executable',
  };
}

export async function decideTool(tool: ToolName, probes: ToolProbes, opts: DecideOptions): Promise<ToolDecision> {
  switch (tool) {
    case 'temporal':
      return decideTemporalCli(probes, opts);
    case 'temporal-server':
      return decideTemporalServer(probes);
    case 'temporal-test-server':
      return decideTestServer(probes, opts);
    case 'schemathesis':
      return decideSchemathesis(probes);
    case 'stripe-mock':
      return decideStripeMock(probes);
    case 'chromium':
      return decideChromium(probes);
  }
}
