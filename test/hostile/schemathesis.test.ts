// Schemathesis (an independent, property-based HTTP client) fuzzes every operation of /openapi.json against the real
// API: a listening server, a worker on the Temporal dev server, real Postgres, a fresh tenant's admin key. The run
// fails on any 5xx, any status code the document does not list, any response whose content type or body does not
// match its documented schema. Afterwards the tenant's books must still balance.
//
// The CLI comes from the tools step in the global setup (scripts/lib/ensureTools.ts, linked as
// .tools/bin/schemathesis). Knobs: SCHEMATHESIS_MAX_EXAMPLES (default 5 per operation), SCHEMATHESIS_SEED (default
// fixed, so CI is reproducible), SCHEMATHESIS_PHASES (default examples,fuzzing,stateful; add coverage for boundary
// values), SKIP_SCHEMATHESIS=1 to skip on purpose.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../activities/invariants/checkInvariants.js';
import { createLogger } from '../../activities/logger.js';
import { projectRoot } from '../../scripts/lib/prismaCli.js';
import { createTenant, type TestTenant } from '../support/factories.js';
import { serveOverHttp } from '../support/services.js';
import { apiTestContext } from '../support/testContext.js';

const CLI = path.join(projectRoot, '.tools/bin/schemathesis');
const MAX_EXAMPLES = process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '5';
const SEED = process.env.SCHEMATHESIS_SEED ?? '20261123';
/** The coverage phase (boundary values of every schema) adds minutes on a 2-core machine: opt in with all four. */
const PHASES = process.env.SCHEMATHESIS_PHASES ?? 'examples,fuzzing,stateful';
/** What the run must hold every response to. */
const CHECKS = (
  process.env.SCHEMATHESIS_CHECKS ??
  'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance'
).split(',');
/**
 * Left out: revoking or rotating the run's own key would turn every later request into a 401 (they are covered by
 * test/integration/api/organizations.test.ts and the API key tests).
 */
const EXCLUDED_PATHS = String.raw`^/api/api-keys/\{apiKeyId\}/(revoke|rotate)$`;

interface Report {
  exit_code: number;
  operations: { selected: number; tested: number };
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: Array<{ code: string; title: string; count: number; operations: string[] }>;
  errors: Array<{ title: string; count: number }>;
}

// Production mode for webhook URLs: fuzzed endpoints on internal or unresolvable hosts are refused (422).
// Errors are logged: a 500 the fuzzer finds is printed with its cause, in CI too. Workflows the run starts (billing
// cycles, subscriptions, webhook deliveries) live on this file's task queue, which nothing polls once the worker stops.
const ctx = apiTestContext('schemathesis', {
  worker: true,
  app: {
    allowInternalWebhookUrls: false,
    log: createLogger('api-schemathesis', 'error'),
    // Configured like production: the provider webhook route checks signatures (401) instead of answering 503.
    stripeWebhookSecret: 'whsec_schemathesis',
  },
});
let api: Awaited<ReturnType<typeof serveOverHttp>>;
let apiUrl: string;
let tenant: TestTenant;
let reportDir: string;

beforeAll(async () => {
  api = await serveOverHttp(ctx.app);
  apiUrl = api.url;
  tenant = await createTenant(ctx.db);
  reportDir = await mkdtemp(path.join(tmpdir(), 'schemathesis-'));
});

afterAll(async () => {
  await api?.close();
  if (reportDir) await rm(reportDir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(process.env.SKIP_SCHEMATHESIS === '1')('schemathesis against /openapi.json', () => {
  it('finds no server error and no response outside the documented statuses, media types and schemas', async () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run setup:tools\` (needs python3 with venv)`).toBe(true);
    const { code, output } = await run([
      'run',
      `${apiUrl}/openapi.json`,
      '--header',
      `Authorization: Bearer ${tenant.adminKey}`,
      '--checks',
      CHECKS.join(','),
      '--exclude-path-regex',
      EXCLUDED_PATHS,
      '--phases',
      PHASES,
      '--max-examples',
      MAX_EXAMPLES,
      '--seed',
      SEED,
      '--workers',
      '2',
      // NUL is refused on purpose (Postgres cannot store it); test/hostile/hostileInput.test.ts covers that.
      '--generation-allow-x00',
      'false',
      '--request-timeout',
      '30',
      '--no-color',
      '--report',
      'json',
      '--report-dir',
      reportDir,
    ]);
    const file = (await readdir(reportDir)).find((f) => f.endsWith('.json'));
    expect(file, `schemathesis wrote no report (exit ${code}):\n${output}`).toBeDefined();
    const report = JSON.parse(await readFile(path.join(reportDir, file as string), 'utf8')) as Report;

    // It really ran: every selected operation tested, hundreds of requests (about 600 with the defaults).
    expect(report.operations.tested, output).toBe(report.operations.selected);
    expect(report.operations.tested, output).toBeGreaterThanOrEqual(100);
    expect(report.test_cases.generated, output).toBeGreaterThanOrEqual(500);
    // Nothing failed, nothing errored (a network error is a hung or crashed request).
    expect({ failures: report.failures, errors: report.errors, exit: code }, output).toEqual({
      failures: [],
      errors: [],
      exit: 0,
    });

    const invariants = await checkInvariants(ctx.db, { organizationId: tenant.organizationId });
    expect(invariants.violations).toEqual([]);
  }, 600_000);
});
