// Drives a billing run through the public API, spread round-robin over the API processes, as a marketplace's ops
// tooling would: record the period's usage (POST /api/billing/events/batch), make sure every entity's billing cycle
// runs (POST /api/entities/{id}/billing-workflow, idempotent), then close every open period now
// (POST /api/entities/{id}/billing-workflow/close-now, the closeNow signal of billing:<entityId>). Requests go out
// with bounded concurrency (p-limit): 10,000 unbounded requests would only queue in sockets and time out.
// Progress is read from Postgres, where the invoices are: the run is done when every entity has its invoice.
import pLimit from 'p-limit';
import type pg from 'pg';
import type { BillingRunFixture } from './billingRunFixture.js';

export interface DriverOptions {
  apiUrls: string[];
  /** Requests in flight at once, over all API processes. */
  concurrency: number;
  /** Give up waiting after this long. */
  timeoutMs?: number;
}

export interface CloseRunResult {
  entities: number;
  /** From the first close request to the last invoice committed. */
  seconds: number;
  entitiesPerSecond: number;
  /** Time to send every close request (all answered 202). */
  triggerSeconds: number;
  /** Per entity: close request sent -> its invoice row written (as a draft, numbered right after), in ms. */
  p50: number;
  p99: number;
  max: number;
}

const ROUND = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function post(url: string, apiKey: string, body?: unknown): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

export async function ingestUsage(f: BillingRunFixture, opts: DriverOptions, batchSize = 1000): Promise<void> {
  const limit = pLimit(Math.min(opts.concurrency, 2 * opts.apiUrls.length));
  const batches: BillingRunFixture['events'][] = [];
  for (let k = 0; k < f.events.length; k += batchSize) batches.push(f.events.slice(k, k + batchSize));
  await Promise.all(
    batches.map((events, k) =>
      limit(async () => {
        const res = await post(`${opts.apiUrls[k % opts.apiUrls.length]}/api/billing/events/batch`, f.apiKey, {
          events,
        });
        const body = (await res.json()) as { results: Array<{ status: string }> };
        const notAccepted = body.results.filter((r) => r.status !== 'accepted');
        if (notAccepted.length > 0) throw new Error(`usage not accepted: ${JSON.stringify(notAccepted.slice(0, 3))}`);
      }),
    ),
  );
}

async function waitFor(what: string, timeoutMs: number, done: () => Promise<boolean>, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const count = async (db: pg.Pool, sql: string, params: unknown[]) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);

/** Starts every entity's billing workflow and waits until each has opened its period. Returns seconds taken. */
export async function startBillingCycles(db: pg.Pool, f: BillingRunFixture, opts: DriverOptions): Promise<number> {
  const t0 = performance.now();
  const limit = pLimit(opts.concurrency);
  await Promise.all(
    f.entityIds.map((id, k) =>
      limit(() => post(`${opts.apiUrls[k % opts.apiUrls.length]}/api/entities/${id}/billing-workflow`, f.apiKey)),
    ),
  );
  await waitFor('every billing period to open', opts.timeoutMs ?? 600_000, async () => {
    const open = await count(
      db,
      `SELECT count(*) AS n FROM "BillingPeriod" p JOIN "Entity" e ON e.id = p."entityId"
       WHERE e."organizationId" = $1 AND p.status = 'open'`,
      [f.organizationId],
    );
    return open === f.entityIds.length;
  });
  return ROUND((performance.now() - t0) / 1000);
}

/** Closes every entity's open period now and waits until every entity has its invoice. */
export async function closeAllPeriods(db: pg.Pool, f: BillingRunFixture, opts: DriverOptions): Promise<CloseRunResult> {
  const sentAt = new Map<string, number>();
  const limit = pLimit(opts.concurrency);
  const t0 = Date.now();
  await Promise.all(
    f.entityIds.map((id, k) =>
      limit(async () => {
        sentAt.set(id, Date.now());
        await post(`${opts.apiUrls[k % opts.apiUrls.length]}/api/entities/${id}/billing-workflow/close-now`, f.apiKey);
      }),
    ),
  );
  const triggered = Date.now();
  const invoicesOf = async () =>
    (
      await db.query<{ entityId: string; createdAt: Date }>(
        `SELECT "entityId", "createdAt" FROM "Invoice" WHERE "organizationId" = $1 AND status IN ('open', 'paid')`,
        [f.organizationId],
      )
    ).rows;
  await waitFor('every invoice to be finalized', opts.timeoutMs ?? 600_000, async () => {
    const n = await count(
      db,
      `SELECT count(*) AS n FROM "Invoice" WHERE "organizationId" = $1 AND number IS NOT NULL`,
      [f.organizationId],
    );
    return n >= f.entityIds.length;
  });
  const invoices = await invoicesOf();
  const latencies = invoices.map((r) => r.createdAt.getTime() - (sentAt.get(r.entityId) ?? t0)).sort((a, b) => a - b);
  const last = Math.max(...invoices.map((r) => r.createdAt.getTime()));
  const seconds = (last - t0) / 1000;
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    entities: f.entityIds.length,
    seconds: ROUND(seconds),
    entitiesPerSecond: ROUND(f.entityIds.length / seconds, 1),
    triggerSeconds: ROUND((triggered - t0) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
  };
}

/**
 * Waits until every invoice's collection has finished (the sandbox provider charges successfully) and every outbox
 * row of the organization was dispatched, so the checks that follow see a settled database.
 */
export async function waitForCollection(db: pg.Pool, f: BillingRunFixture, opts: DriverOptions): Promise<number> {
  const t0 = performance.now();
  await waitFor(
    'every invoice to be paid',
    opts.timeoutMs ?? 600_000,
    async () =>
      (await count(db, `SELECT count(*) AS n FROM "Invoice" WHERE "organizationId" = $1 AND status = 'paid'`, [
        f.organizationId,
      ])) === f.entityIds.length &&
      (await count(
        db,
        `SELECT count(*) AS n FROM "WebhookEvent" WHERE "organizationId" = $1 AND "dispatchedAt" IS NULL`,
        [f.organizationId],
      )) === 0,
    500,
  );
  return ROUND((performance.now() - t0) / 1000);
}
