// The one set-up step of every entry point that runs a tool from outside npm: `npm start`, `npm test` (its global
// setup), the benchmarks, the chaos run, and tests that need a browser or stripe-mock. Each names what it needs:
//
//   const { temporal } = await ensureTools(['temporal']);
//
// For each tool it finds it (explicit path, PATH, the tools cache), or builds it into the cache (Go, Maven, pip,
// apt-get), saying what it does; when nothing can provide one it throws ToolsUnavailableError before building
// anything, with one line per missing tool naming what is missing and how to get it. The decisions are in
// tools/toolDecision.ts. Every tool ends up linked in .tools/bin/<name> as well, for running it by hand.
//
// A returned path of undefined means "the Temporal SDK downloads it" (only for the Temporal servers, only when the
// caller allows it and the download host answers).
import path from 'node:path';
import { buildTool, ToolBuildError, writeTestServerWrapper } from './tools/toolBuilds.js';
import { removeLink, replaceSymlink, withCacheLock } from './tools/toolCache.js';
import { decideTool, type ToolDecision, type ToolName, type ToolProbes } from './tools/toolDecision.js';
import { machineProbes } from './tools/toolProbes.js';

export type { ToolName } from './tools/toolDecision.js';

export const toolsBinDir = path.resolve(import.meta.dirname, '../../.tools/bin');

/** What could not be provided, one line per tool. No stack trace: the cause is the machine, not a line of code. */
export class ToolsUnavailableError extends Error {
  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ToolsUnavailableError';
    this.stack = `${this.name}: ${this.message}`;
  }

  get lines(): string[] {
    return this.message.split('\n');
  }
}

export interface EnsureToolsOptions {
  /** Accept the SDK's download of the Temporal servers when nothing local provides them (default true). */
  allowDownload?: boolean;
  log?: (msg: string) => void;
  /** Facts about the machine; tests pass their own. */
  probes?: ToolProbes;
  /** Where the per-clone links go (default .tools/bin). */
  binDir?: string;
}

/** How long a first build took on a busy 2-core machine with empty Go, Maven and pip caches (7 Dec 2026). */
const FIRST_BUILD: Record<ToolName, string> = {
  temporal: '5 to 20 minutes',
  'temporal-server': '5 to 10 minutes',
  'temporal-test-server': 'about 30 s',
  schemathesis: 'about a minute',
  'stripe-mock': 'under a minute',
  chromium: 'a minute or two',
};

function describe(tool: ToolName, decision: ToolDecision): string {
  switch (decision.kind) {
    case 'present':
      return `${decision.path} (from ${decision.via})`;
    case 'cached':
      return 'cached';
    case 'build':
      return tool === 'chromium' ? 'installed' : 'built';
    case 'download':
      return decision.note;
    case 'impossible':
      return decision.reason;
  }
}

export async function ensureTools<T extends ToolName>(
  tools: readonly T[],
  opts: EnsureToolsOptions = {},
): Promise<{ [K in T]: string | undefined }> {
  const binDir = opts.binDir ?? toolsBinDir;
  const probes = opts.probes ?? machineProbes(binDir);
  const decideOpts = { allowDownload: opts.allowDownload ?? true };
  const say = opts.log ?? ((msg: string) => console.error(`[tools] ${msg}`));

  const decisions = new Map<T, ToolDecision>();
  for (const tool of tools) decisions.set(tool, await decideTool(tool, probes, decideOpts));
  const impossible = [...decisions.values()].flatMap((d) => (d.kind === 'impossible' ? [d.reason] : []));
  if (impossible.length > 0) throw new ToolsUnavailableError(impossible);

  const paths = {} as { [K in T]: string | undefined };
  for (const [tool, first] of decisions) {
    let decision = first;
    if (decision.kind === 'build') {
      const log = (msg: string) => say(`${tool}: ${msg}`);
      decision = await withCacheLock(probes.cacheDir, tool, log, async () => {
        // Another process may have built it while this one waited for the lock.
        const now = await decideTool(tool, probes, decideOpts);
        if (now.kind !== 'build') return now;
        log(`${now.action} (${FIRST_BUILD[tool]}, once per machine; cache ${probes.cacheDir})`);
        const started = Date.now();
        try {
          await buildTool(tool, probes.cacheDir, log);
        } catch (err) {
          const reason = err instanceof ToolBuildError ? err.message : String(err);
          throw new ToolsUnavailableError([`${tool}: ${reason}`]);
        }
        log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
        return now;
      });
    }
    if (decision.kind === 'impossible') throw new ToolsUnavailableError([decision.reason]);
    if (tool === 'temporal-test-server' && decision.kind === 'cached') await writeTestServerWrapper(probes.cacheDir);
    const link = path.join(binDir, tool);
    if (decision.kind === 'download') {
      await removeLink(link);
      paths[tool] = undefined;
    } else {
      await replaceSymlink(decision.path, link);
      paths[tool] = decision.path;
    }
    decisions.set(tool, decision);
  }
  if (tools.length > 0) say(`ready: ${tools.map((t) => `${t} ${describe(t, decisions.get(t)!)}`).join(', ')}`);
  return paths;
}

/** The tools `npm test` needs (its global setup), leaving out what the environment says is provided or skipped. */
export function testTools(env: NodeJS.ProcessEnv = process.env): ToolName[] {
  const tools: ToolName[] = [];
  if (!env.TEST_TEMPORAL_ADDRESS) tools.push('temporal');
  // The smoke test of the PostgreSQL shape (test/deploy/temporalPostgresShape.test.ts) starts one of its own.
  tools.push('temporal-server');
  tools.push('temporal-test-server');
  if (env.SKIP_SCHEMATHESIS !== '1') tools.push('schemathesis');
  tools.push('stripe-mock');
  return tools;
}
