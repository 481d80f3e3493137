// The tools cache is shared by every clone and every entry point on the machine, and two of them may start at once
// (`npm start` in one terminal, `npm test` in another, both on a fresh machine). Two rules keep it whole:
//   - a build happens in a directory of its own and is published with one atomic rename (a symlink at the cache
//     entry's name), so a reader sees either no entry or a complete one, never a half-written build;
//   - a lock per tool makes the second process wait for the first one's build instead of doing the same minutes of
//     work again. A lock whose owner died is taken over. The lock only saves work: correctness rests on the rename.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

const unique = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LockOwner {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path.join(lockDir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** A lock directory appears whole (with its owner file) or not at all: made aside, then renamed into place. */
async function tryAcquire(lockDir: string): Promise<boolean> {
  const staging = `${lockDir}.${unique()}`;
  await mkdir(staging, { recursive: true });
  await writeFile(path.join(staging, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname() }));
  try {
    await rename(staging, lockDir); // fails when lockDir exists: it is never empty
    return true;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Runs `fn` holding the lock `name` in `cacheDir`. While another live process holds it, waits (saying so once);
 * a lock left by a process that died on this host is removed.
 */
export async function withCacheLock<T>(
  cacheDir: string,
  name: string,
  log: (msg: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const lockDir = path.join(cacheDir, '.locks', name);
  await mkdir(path.dirname(lockDir), { recursive: true });
  let saidWaiting = false;
  while (!(await tryAcquire(lockDir))) {
    const owner = await readOwner(lockDir);
    if (owner && owner.host === hostname() && !alive(owner.pid)) {
      // Moved aside, then looked at: when two waiters saw the same dead owner, the slower one may have moved the
      // lock the faster one has just taken; that one goes back.
      const aside = `${lockDir}.stale-${unique()}`;
      const moved = await rename(lockDir, aside).then(
        () => true,
        () => false,
      );
      if (moved && (await readOwner(aside))?.pid !== owner.pid) await rename(aside, lockDir).catch(() => undefined);
      await rm(aside, { recursive: true, force: true });
      continue;
    }
    if (!saidWaiting && owner) {
      log(`another process (pid ${owner.pid} on ${owner.host}) is building it; waiting for that build`);
      saidWaiting = true;
    }
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    const owner = await readOwner(lockDir);
    if (owner?.pid === process.pid && owner.host === hostname()) await rm(lockDir, { recursive: true, force: true });
  }
}

async function lexists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Makes `linkPath` a symlink to `target`, replacing whatever link was there in one rename. */
export async function replaceSymlink(target: string, linkPath: string): Promise<void> {
  await mkdir(path.dirname(linkPath), { recursive: true });
  const staging = `${linkPath}.${unique()}`;
  await symlink(target, staging);
  await rename(staging, linkPath);
}

/**
 * Builds into a fresh directory beside `entry` and publishes it as `entry` (a relative symlink, swapped in by rename).
 * A leftover at `entry` (an interrupted build of an older installer) is moved aside first.
 */
export async function buildAndPublish(entry: string, build: (dir: string) => Promise<void>): Promise<void> {
  const buildDir = `${entry}.build-${unique()}`;
  await mkdir(buildDir, { recursive: true });
  try {
    await build(buildDir);
  } catch (err) {
    await rm(buildDir, { recursive: true, force: true });
    throw err;
  }
  const existing = await lstat(entry).catch(() => undefined);
  if (existing?.isDirectory()) {
    const aside = `${entry}.incomplete-${unique()}`;
    await rename(entry, aside);
    await rm(aside, { recursive: true, force: true });
  }
  await replaceSymlink(path.basename(buildDir), entry);
}

/** Writes `file` whole or not at all (readers never see a partial wrapper script). */
export async function writeFileAtomically(file: string, content: string, mode: number): Promise<void> {
  const staging = `${file}.${unique()}`;
  await writeFile(staging, content, { mode });
  await rename(staging, file);
}

/** Removes a link in .tools/bin that no longer points where it should (or anywhere). */
export async function removeLink(linkPath: string): Promise<void> {
  if (await lexists(linkPath)) await rm(linkPath, { force: true });
}
