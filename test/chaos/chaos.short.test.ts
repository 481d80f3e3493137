// The short form of the fault-injection run (`npm run chaos -- --short`), in CI: the whole platform with two workers
// and two API processes, a seeded workload for 60 s, SIGKILLs of every process type (worker, API, Temporal dev
// server, Postgres) at least once, then quiesce and verify. It runs as a child process with its own Postgres and
// Temporal (not the test run's), so nothing else in the suite shares its outages.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChaosSummary } from '../../chaos/summary.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('fault-injection run (short)', () => {
  it('kills every kind of process at least once and finds no violation', { timeout: 600_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chaos-short-'));
    const summaryFile = path.join(dir, 'summary.json');
    try {
      const output: string[] = [];
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'chaos/main.ts', '--short'], {
          cwd: root,
          env: { ...process.env, CHAOS_SEED: process.env.CHAOS_SEED ?? '20240601', CHAOS_SUMMARY_JSON: summaryFile },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (d) => output.push(String(d)));
        child.stderr.on('data', (d) => output.push(String(d)));
        child.on('exit', resolve);
      });
      const log = output.join('');
      expect(code, log.slice(-4000)).toBe(0);
      const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as ChaosSummary;
      expect(summary.violations).toEqual([]);
      for (const kind of ['worker', 'api', 'temporal', 'postgres'] as const) {
        expect(summary.kills[kind], `${kind} kills`).toBeGreaterThanOrEqual(1);
      }
      expect(summary.counts.eventsAccepted).toBeGreaterThan(0);
      expect(summary.counts.closes).toBeGreaterThan(0);
      // stripe-mock answers every PaymentIntent requires_payment_method: work payments are charged with the sandbox.
      if (summary.paymentProvider === 'sandbox') expect(summary.counts.workPayments).toBeGreaterThan(0);
      expect(summary.webhooks.delivered).toBe(summary.webhooks.deliveries);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
