// The real facts behind toolDecision.ts: environment, PATH, files, Go and Python, root, and whether the Temporal
// download host answers. Each probe that runs a command runs it only when the decision asks for it.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ToolProbes } from './toolDecision.js';

/** TOOLS_CACHE, else $XDG_CACHE_HOME/marketplace-billing, else ~/.cache/marketplace-billing. */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOOLS_CACHE) return path.resolve(env.TOOLS_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'marketplace-billing');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Output of a command, or undefined when it is missing or fails. */
function outputOf(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

/** `ownBinDir` (.tools/bin) is left out of PATH lookups: what it holds are our own links, not the machine's tools. */
export function machineProbes(ownBinDir: string, env: NodeJS.ProcessEnv = process.env): ToolProbes {
  const own = path.resolve(ownBinDir);
  return {
    env,
    cacheDir: toolsCacheDir(env),
    which(cmd) {
      for (const dir of (env.PATH ?? '').split(path.delimiter)) {
        if (!dir || path.resolve(dir) === own) continue;
        const candidate = path.join(dir, cmd);
        if (isExecutable(candidate)) return candidate;
      }
      return undefined;
    },
    exists,
    executable: isExecutable,
    goVersion() {
      const v = outputOf('go', ['env', 'GOVERSION']);
      return v?.startsWith('go') ? v.slice(2) : undefined;
    },
    pythonVenv: () => outputOf('python3', ['-c', 'import venv, ensurepip']) !== undefined,
    isRoot: () => process.getuid?.() === 0,
    async reachable(url) {
      try {
        await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
        return true;
      } catch {
        return false;
      }
    },
  };
}

function exists(file: string): boolean {
  try {
    accessSync(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
