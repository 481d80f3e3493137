// The web console in a real browser: Debian's Chromium driven by playwright-core, the console (next start) against
// the real API (createApp on a real HTTP server, real Postgres) and a Temporal dev server with its Web UI, so the
// console's Temporal links are followed to the UI's own API. Every page is checked with axe-core (no serious or
// critical violation) and photographed (into docs/screenshots/ for the README with UPDATE_SCREENSHOTS=1).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, type Db } from '../../activities/db.js';
import { createPdfRenderer } from '../../activities/documents/pdfRenderer.js';
import { ensureTools } from '../../scripts/lib/ensureTools.js';
import { freePort } from '../../scripts/lib/freePort.js';
import { type DevServer, startTemporalDevServer } from '../../scripts/lib/temporalDevServer.js';
import { ensureWebBuild, startWebConsole, type WebConsole } from '../../scripts/lib/webConsole.js';
import { createFinalizedInvoice } from '../support/apiFactories.js';
import {
  createMeteringTenant,
  eventBody,
  grantCredits,
  jsonHeaders,
  type MeteringTenant,
} from '../support/meteringFactories.js';
import { serveOverHttp, testApp, testDb, uniqueTaskQueue } from '../support/services.js';

const SECRET = 'browser-test-signing-secret-0123456789abcdef';
// The README's pictures are rewritten only when asked (UPDATE_SCREENSHOTS=1): a test run leaves the tree as it was.
const screenshots =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.resolve(import.meta.dirname, '../../docs/screenshots')
    : mkdtempSync(path.join(tmpdir(), 'console-screenshots-'));
const axeSource = readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

let db: Db;
let temporal: DevServer;
let client: Client;
let api: { url: string; close(): Promise<void> };
let web: WebConsole;
let browser: Browser;
let tenant: MeteringTenant;
let invoiceId: string;
const pdfRenderer = createPdfRenderer(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');

async function call(method: string, p: string, key: string, body?: unknown) {
  const res = await fetch(`${api.url}${p}`, {
    method,
    headers: jsonHeaders(key),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** axe-core in the page: the serious and critical violations, by rule id and the first offending element. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`);
}

async function checkPage(page: Page, name: string) {
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  const tools = await ensureTools(['chromium', 'temporal']);
  await ensureWebBuild();
  db = testDb();
  temporal = await startTemporalDevServer({ port: await freePort(), uiPort: await freePort(), cli: tools.temporal });
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const consolePort = await freePort();
  const app = testApp(db, client, uniqueTaskQueue('console'), {
    signingSecret: SECRET,
    consoleUrl: `http://127.0.0.1:${consolePort}`,
    pdfRenderer,
  });
  api = await serveOverHttp(app);
  web = await startWebConsole({
    port: consolePort,
    apiUrl: api.url,
    temporalUiUrl: temporal.uiUrl as string,
    temporalNamespace: 'default',
    signingSecret: SECRET,
  });
  browser = await chromium.launch({ executablePath: tools.chromium as string, args: ['--no-sandbox'] });

  tenant = await createMeteringTenant(db);
  await grantCredits(db, tenant.organizationId, tenant.entityId, '20.00', {
    expiresAt: new Date(Date.now() + 10 * 86_400_000),
  });
  invoiceId = (await createFinalizedInvoice(db, tenant)).id;
  // The entity's billing workflow, as entity creation starts it: what the Temporal links point at.
  expect(
    (await call('POST', `/api/entities/${tenant.entityId}/billing-workflow`, tenant.adminKey)).status,
  ).toBeLessThan(300);
  const pkg = await call('POST', '/api/billing/credits/packages', tenant.adminKey, {
    name: 'Starter 50',
    credits: '50.00',
    price: '45.00',
    currency: 'USD',
    validityDays: 90,
  });
  expect(pkg.status).toBe(201);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await api?.close();
  await pdfRenderer.close();
  await client?.connection.close();
  await temporal?.stop();
  if (db) await closeDb(db);
});

describe('ops view', () => {
  it('signs in with an admin key (cookie, not URL), shows the overview, finds the entity by name, links to Temporal', {
    timeout: 180_000,
  }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${web.url}/ops`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await checkPage(page, 'login');

    // A read key is refused: the console is for organization admins.
    await page.getByLabel('Organization admin API key').fill(tenant.readKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('p[role=alert]').textContent()).toContain('not an organization admin key');

    await page.getByLabel('Organization admin API key').fill(tenant.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${web.url}/ops`, { timeout: 60_000 });
    expect(page.url()).not.toContain(tenant.adminKey);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'mb_ops');
    expect(session?.httpOnly).toBe(true);
    expect(session?.value).not.toContain(tenant.adminKey);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Organization overview');
    expect(await page.getByTestId('open-invoices').textContent()).toBe('1');
    await checkPage(page, 'ops-overview');

    const entity = await db.entity.findUniqueOrThrow({ where: { id: tenant.entityId } });
    await page.goto(`${web.url}/ops/entities?q=${encodeURIComponent(entity.name.slice(-4).toUpperCase())}`);
    await page.getByRole('link', { name: entity.name, exact: true }).waitFor();
    await checkPage(page, 'ops-entities');

    await page.getByRole('link', { name: entity.name, exact: true }).click();
    await page.getByRole('heading', { name: entity.name }).waitFor();
    await checkPage(page, 'ops-entity');

    // The Temporal links: the workflow's page and the entity's EntityId list, resolved through the UI's own API.
    const workflowHref = await page
      .getByRole('link', { name: `workflow of ${entity.name} in Temporal` })
      .first()
      .getAttribute('href');
    const listHref = await page
      .getByRole('link', { name: `all workflows of entity ${entity.name} in Temporal` })
      .first()
      .getAttribute('href');
    const ui = temporal.uiUrl as string;
    expect(workflowHref).toBe(`${ui}/namespaces/default/workflows/${encodeURIComponent(`billing:${entity.id}`)}`);
    expect(listHref).toBe(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(`EntityId="${entity.id}"`)}`);
    const described = await fetch(
      `${ui}/api/v1/namespaces/default/workflows/${encodeURIComponent(`billing:${entity.id}`)}`,
    );
    expect(described.status).toBe(200);
    expect(JSON.stringify(await described.json())).toContain(`billing:${entity.id}`);
    await expect
      .poll(
        async () => {
          const res = await fetch(
            `${ui}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`EntityId="${entity.id}"`)}`,
          );
          return JSON.stringify(await res.json());
        },
        { timeout: 20_000 },
      )
      .toContain(`billing:${entity.id}`);
    expect((await fetch(workflowHref as string)).status).toBe(200);
    await context.close();
  });
});

describe('customer portal', () => {
  it('an event sent through the API shows in the balance and the chart; the PDF downloads with the total', {
    timeout: 180_000,
  }, async () => {
    const session = await call('POST', `/api/entities/${tenant.entityId}/portal-sessions`, tenant.adminKey, {
      expiresInMinutes: 30,
    });
    expect(session.status).toBe(201);
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(session.body.url as string);
    expect(new URL(page.url()).pathname).toBe('/portal');
    if (!(await page.getByTestId('portal-balance').count()))
      console.error('PORTAL', page.url(), await page.innerText('body'));
    expect(page.url()).not.toContain('token');
    await expect.poll(() => page.getByTestId('portal-balance').textContent()).toBe('20.00 USD');

    const event = await call('POST', '/api/billing/events', tenant.ingestKey, eventBody(tenant, { quantity: 2 }));
    expect(event.body).toMatchObject({ status: 'accepted', ratedAmount: '5.00', balanceAfter: '15.00' });
    await page.reload();
    expect(await page.getByTestId('portal-balance').textContent()).toBe('15.00 USD');
    const eventType = String(eventBody(tenant).eventType);
    const bar = page.getByTestId('chart-event-type').locator(`rect[data-series="${eventType}"]`);
    expect(await bar.count()).toBe(1);
    expect(await bar.locator('title').textContent()).toContain(`${eventType}: 5.00 USD`);
    expect(await page.getByTestId('chart-event-type').textContent()).toContain(`${eventType}: 5.00 USD`);
    await checkPage(page, 'portal');

    // The invoice's PDF: a signed link, no API key; the document carries the total (46.00 USD).
    const pdfLink = page.getByRole('link', { name: /^PDF of invoice/ }).first();
    const href = (await pdfLink.getAttribute('href')) as string;
    expect(href).toContain('/documents/invoices/mbd_');
    const pdf = await fetch(href);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfTitle(bytes)).toContain('46.00 USD');
    const html = await (
      await fetch(
        (await page
          .getByRole('link', { name: /^HTML of invoice/ })
          .first()
          .getAttribute('href')) as string,
      )
    ).text();
    expect(html).toContain('46.00 USD');
    // A link that was altered is refused like an unknown one.
    expect((await fetch(href.replace('/pdf', '').slice(0, -3) + 'AAA/pdf')).status).toBe(404);

    // A portal token is no API key: it reads nothing outside /api/portal.
    const token = (await context.cookies()).find((c) => c.name === 'mb_portal')?.value as string;
    expect((await call('GET', `/api/billing/invoices/${invoiceId}`, token)).status).toBe(403);

    // Buying a package from the portal: one grant, billed on the next invoice.
    await page.getByRole('button', { name: 'Buy Starter 50' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByTestId('portal-balance').textContent()).toBe('65.00 USD');
    await context.close();
  });
});

/** The PDF's Title (Chromium writes the page's <title> there), in either string form PDF allows. */
function pdfTitle(pdf: Buffer): string {
  const s = pdf.toString('latin1');
  const hex = /\/Title\s*<FEFF([0-9A-Fa-f]*)>/.exec(s);
  if (hex?.[1]) return Buffer.from(hex[1], 'hex').swap16().toString('utf16le');
  return /\/Title\s*\(([^)]*)\)/.exec(s)?.[1] ?? '';
}
