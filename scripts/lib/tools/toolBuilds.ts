// How each tool is built or installed when toolDecision.ts says "build". Everything lands in the tools cache through
// buildAndPublish (toolCache.ts), except Chromium, which is a system package.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildAndPublish, writeFileAtomically } from './toolCache.js';
import { cacheLayout, TOOL_VERSIONS, type ToolName } from './toolDecision.js';

type Log = (msg: string) => void;

/** A build step failed: the message is the one line the user sees (the command's own output is above it). */
export class ToolBuildError extends Error {}

/** Runs a command with its output on our stderr, saying every minute that it is still going. */
function run(
  log: Log,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; hint: string; label?: string },
): Promise<void> {
  const label = opts.label ?? [cmd, ...args].join(' ');
  const started = Date.now();
  const heartbeat = setInterval(
    () => log(`still running \`${label}\` (${Math.round((Date.now() - started) / 60_000)} min)`),
    60_000,
  );
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 2, 2], // the build's output goes to our stderr
    });
    child.on('error', (err) => reject(new ToolBuildError(`\`${label}\` could not start: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new ToolBuildError(`\`${label}\` failed (${signal ?? `exit ${code}`}; its output is above): ${opts.hint}`),
        );
    });
  }).finally(() => clearInterval(heartbeat));
}

const GO_HINT = 'the Go module proxy must be reachable (`go env GOPROXY GOSUMDB`)';

async function goInstall(log: Log, entry: string, pkg: string, version: string): Promise<void> {
  await buildAndPublish(entry, (dir) =>
    run(log, 'go', ['install', `${pkg}@v${version}`], {
      // GOTOOLCHAIN=local: never try to download another Go toolchain (there may be no route to it).
      env: { GOBIN: dir, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
      hint: GO_HINT,
    }),
  );
}

/**
 * The Temporal Server and its schema tool, built together (one `go install`: their shared packages compile once). The
 * tool carries the versioned schemas inside (`--schema-name postgresql/v12/temporal`), so the two binaries are all.
 */
async function buildTemporalServer(log: Log, cacheDir: string): Promise<void> {
  const layout = cacheLayout(cacheDir)['temporal-server'];
  const version = TOOL_VERSIONS['temporal-server'];
  const module = 'go.temporal.io/server';
  await buildAndPublish(layout.dir, async (dir) => {
    await run(log, 'go', ['install', `${module}/cmd/server@v${version}`, `${module}/cmd/tools/sql@v${version}`], {
      env: { GOBIN: dir, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
      hint: GO_HINT,
    });
    // `server` and `sql` say little on their own in .tools/bin or a process list.
    await rename(path.join(dir, 'server'), path.join(dir, path.basename(layout.exe)));
    await rename(path.join(dir, 'sql'), path.join(dir, path.basename(layout.sqlTool)));
  });
}

const testServerPom = (version: string) => `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.billing</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${version}</version>
    </dependency>
  </dependencies>
</project>
`;

/**
 * The SDK runs `<path> <port> --enable-time-skipping`; TestServer's main takes exactly that. Class data sharing and a
 * small heap make the JVM start well inside the SDK's readiness wait.
 */
const testServerWrapper = (libDir: string) => `#!/usr/bin/env bash
exec java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms64m -Xmx512m -cp '${libDir}/*' io.temporal.testserver.TestServer "$@"
`;

/** The wrapper names the cache entry (not the build directory), so it keeps working whatever the entry points at. */
export async function writeTestServerWrapper(cacheDir: string): Promise<void> {
  const layout = cacheLayout(cacheDir)['temporal-test-server'];
  if (!existsSync(layout.exe)) {
    await writeFileAtomically(layout.exe, testServerWrapper(path.join(layout.dir, 'lib')), 0o755);
  }
}

async function resolveTestServer(log: Log, cacheDir: string): Promise<void> {
  const layout = cacheLayout(cacheDir)['temporal-test-server'];
  const version = TOOL_VERSIONS['temporal-test-server'];
  await buildAndPublish(layout.dir, async (dir) => {
    await writeFile(path.join(dir, 'pom.xml'), testServerPom(version));
    await run(
      log,
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'],
      {
        cwd: dir,
        hint: 'Maven Central must be reachable (or a mirror in ~/.m2/settings.xml)',
      },
    );
    await writeFile(path.join(dir, 'temporal-test-server'), testServerWrapper(path.join(layout.dir, 'lib')), {
      mode: 0o755,
    });
    await writeFile(path.join(dir, '.complete'), '');
  });
}

async function installSchemathesis(log: Log, cacheDir: string): Promise<void> {
  const layout = cacheLayout(cacheDir).schemathesis;
  const spec = `schemathesis==${TOOL_VERSIONS.schemathesis}`;
  // A venv records its own absolute path: it is created in the build directory and stays there (the cache entry is
  // a link to it).
  await buildAndPublish(layout.dir, async (dir) => {
    await run(log, 'python3', ['-m', 'venv', dir], { hint: 'python3 needs its venv module (python3-venv)' });
    await run(
      log,
      path.join(dir, 'bin/python'),
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', spec],
      {
        label: `pip install ${spec}`,
        hint: 'PyPI must be reachable (or a mirror in pip.conf / PIP_INDEX_URL)',
      },
    );
    await writeFile(path.join(dir, '.complete'), '');
  });
}

async function installChromium(log: Log): Promise<void> {
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const hint = 'the Debian/Ubuntu package mirror must be reachable';
  const install = () => run(log, 'apt-get', ['install', '-y', 'chromium'], { env, hint });
  try {
    await install();
  } catch {
    // A fresh machine may have no package lists yet.
    log('refreshing the package lists and trying again');
    await run(log, 'apt-get', ['update'], { env, hint });
    await install();
  }
}

export async function buildTool(tool: ToolName, cacheDir: string, log: Log): Promise<void> {
  const layout = cacheLayout(cacheDir);
  switch (tool) {
    case 'temporal':
      return goInstall(log, layout.temporal.dir, 'github.com/temporalio/cli/cmd/temporal', TOOL_VERSIONS.temporal);
    case 'temporal-server':
      return buildTemporalServer(log, cacheDir);
    case 'stripe-mock':
      return goInstall(log, layout['stripe-mock'].dir, 'github.com/stripe/stripe-mock', TOOL_VERSIONS['stripe-mock']);
    case 'temporal-test-server':
      return resolveTestServer(log, cacheDir);
    case 'schemathesis':
      return installSchemathesis(log, cacheDir);
    case 'chromium':
      return installChromium(log);
  }
}
