// The tools cache under concurrent use: one build at a time per tool, a dead owner's lock taken over, and a cache
// entry that appears complete or not at all. Real files in a temp dir; the "builds" are small functions.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAndPublish, withCacheLock } from '../../scripts/lib/tools/toolCache.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cache: string;

beforeEach(async () => {
  cache = await mkdtemp(path.join(tmpdir(), 'tools-cache-'));
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

describe('withCacheLock', () => {
  it('runs one holder at a time; the second waits, says so once, and then runs', async () => {
    const events: string[] = [];
    const waitingLines: string[] = [];
    const holder = (name: string) => async () => {
      events.push(`${name} in`);
      await sleep(300);
      events.push(`${name} out`);
    };
    await Promise.all([
      withCacheLock(cache, 'tool', () => undefined, holder('a')),
      sleep(50).then(() => withCacheLock(cache, 'tool', (m) => waitingLines.push(m), holder('b'))),
    ]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(waitingLines).toEqual([
      `another process (pid ${process.pid} on ${hostname()}) is building it; waiting for that build`,
    ]);
    expect(readdirSync(path.join(cache, '.locks'))).toEqual([]);
  });

  it('takes over a lock whose owner died', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    const lockDir = path.join(cache, '.locks', 'tool');
    await mkdir(lockDir, { recursive: true });
    await writeFile(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: dead, host: hostname() }));
    const ran = await withCacheLock(
      cache,
      'tool',
      () => undefined,
      async () => 'ran',
    );
    expect(ran).toBe('ran');
    expect(readdirSync(path.join(cache, '.locks'))).toEqual([]);
  });

  it('releases the lock when the holder fails', async () => {
    await expect(
      withCacheLock(
        cache,
        'tool',
        () => undefined,
        async () => Promise.reject(new Error('build broke')),
      ),
    ).rejects.toThrow('build broke');
    expect(
      await withCacheLock(
        cache,
        'tool',
        () => undefined,
        async () => 'next',
      ),
    ).toBe('next');
  });
});

describe('buildAndPublish', () => {
  it('shows no entry while the build runs and a complete one afterwards', async () => {
    const entry = path.join(cache, 'tool-1.0');
    const seenDuringBuild: boolean[] = [];
    await buildAndPublish(entry, async (dir) => {
      await writeFile(path.join(dir, 'part-1'), 'a');
      seenDuringBuild.push(existsSync(entry));
      await sleep(50);
      await writeFile(path.join(dir, 'tool'), 'binary');
      seenDuringBuild.push(existsSync(entry));
    });
    expect(seenDuringBuild).toEqual([false, false]);
    expect(readFileSync(path.join(entry, 'tool'), 'utf8')).toBe('binary');
    expect(lstatSync(entry).isSymbolicLink()).toBe(true);
    expect(readlinkSync(entry)).toMatch(/^tool-1\.0\.build-\d+-[0-9a-f]{8}$/);
  });

  it('leaves nothing behind when the build fails', async () => {
    const entry = path.join(cache, 'tool-1.0');
    await expect(
      buildAndPublish(entry, async (dir) => {
        await writeFile(path.join(dir, 'half'), 'x');
        throw new Error('compile error');
      }),
    ).rejects.toThrow('compile error');
    expect(readdirSync(cache)).toEqual([]);
  });

  it('replaces an interrupted build left as a plain directory at the entry', async () => {
    const entry = path.join(cache, 'tool-1.0');
    await mkdir(entry);
    await writeFile(path.join(entry, 'half-written'), 'x');
    await buildAndPublish(entry, (dir) => writeFile(path.join(dir, 'tool'), 'binary'));
    expect(readdirSync(entry)).toEqual(['tool']);
    expect(readdirSync(cache).filter((n) => n.includes('incomplete'))).toEqual([]);
  });
});
