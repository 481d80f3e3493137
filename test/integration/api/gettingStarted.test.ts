// The README's "Getting started" walk-through, run exactly as written: the bash block between its markers is read from
// README.md and run with bash, curl and jq against the API served over HTTP (with a worker, a bootstrap key and a
// webhook receiver of this file's own). So the README cannot drift from the API: a changed field, path or answer
// fails here. Needs bash, curl and jq on the machine.
import { execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../scripts/lib/prismaCli.js';
import { serveOverHttp } from '../../support/services.js';
import { apiTestContext } from '../../support/testContext.js';

const BOOTSTRAP_KEY = 'bootstrap-key-for-the-getting-started-test';
const ctx = apiTestContext('getting-started', { worker: true, app: { bootstrapAdminKey: BOOTSTRAP_KEY } });
let api: Awaited<ReturnType<typeof serveOverHttp>>;
let receiver: Server;
let hooksUrl: string;
const received: Array<{ type: string }> = [];

beforeAll(async () => {
  api = await serveOverHttp(ctx.app);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hooksUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await api?.close();
  await new Promise((r) => receiver?.close(r));
});

const readme = () => readFile(path.join(projectRoot, 'README.md'), 'utf8');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The lines the README says the walk-through prints (the block after its output marker). */
async function printedOutput(): Promise<string[]> {
  const block = /<!-- getting-started:output -->\s*```\n([\s\S]*?)```/.exec(await readme());
  if (!block?.[1]) throw new Error('README.md has no getting-started output block');
  return block[1].trim().split('\n');
}

/** The bash block between the getting-started markers of README.md. */
async function walkThrough(): Promise<string> {
  const text = await readme();
  const block = /<!-- getting-started:begin[^>]*-->\s*```bash\n([\s\S]*?)```\s*<!-- getting-started:end -->/.exec(text);
  if (!block?.[1]) throw new Error('README.md has no getting-started block between its markers');
  return block[1];
}

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const haveTools = ['curl', 'jq'].every((tool) => {
  try {
    execFileSync('bash', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
});

describe('README: Getting started', () => {
  it.runIf(haveTools)(
    'runs as written: organization, key, entity, prices, user, card, webhook, events, close, paid invoice',
    async () => {
      const { code, out, err } = await bash(await walkThrough(), {
        API: api.url,
        BOOTSTRAP_ADMIN_KEY: BOOTSTRAP_KEY,
        HOOKS: hooksUrl,
      });
      expect({ code, err }, out).toEqual({ code: 0, err: '' });
      // Every line the README says it prints, in order (`...` there: what differs from run to run).
      const expected = (await printedOutput()).map(
        (line) => new RegExp(`^${line.split('...').map(escapeRegExp).join('.+')}$`),
      );
      const lines = out.trim().split('\n');
      expect(lines.length, out).toBe(expected.length);
      expected.forEach((pattern, i) => {
        expect(lines[i], out).toMatch(pattern);
      });
      expect(lines.at(-1)).toBe('{"status":"paid","total":"6.00","currency":"USD"}');

      // The organization the walk-through created, for the workflows to stop after the file.
      const org = await ctx.db.organization.findFirstOrThrow({
        where: { name: 'Acme Marketplace' },
        orderBy: { createdAt: 'desc' },
        include: { entities: true },
      });
      for (const entity of org.entities) ctx.terminateAfter.push(`billing:${entity.id}`);

      // The receiver hears of the invoice: finalized, then paid (deliveries are workflows of their own).
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !received.some((e) => e.type === 'invoice.paid')) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(received.map((e) => e.type)).toEqual(['invoice.finalized', 'invoice.paid']);
    },
    180_000,
  );
});
