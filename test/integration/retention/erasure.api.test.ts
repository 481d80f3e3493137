// POST /api/users/{id}/erase over HTTP: a person known to an organization through its API (their record, audit rows,
// stored responses, events, webhook payloads, an import file, and archives of all of those) is pseudonymised
// everywhere the organization keeps them, live and archived, while every id, amount and financial record stays as it
// was and the invariants hold. Idempotent, audited without what was erased, 404 for another organization.
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../activities/invariants/checkInvariants.js';
import { createCloseBillingPeriodActivities } from '../../../activities/invoicing/closeBillingPeriod.js';
import { applyRetention } from '../../../activities/retention/applyRetention.js';
import { digestFile, readLines, readManifest } from '../../../activities/retention/archiveFiles.js';
import { restoreArchive } from '../../../activities/retention/restoreArchive.js';
import { caller, expectProblem, UNKNOWN_ID } from '../../support/apiFactories.js';
import { createMeteringTenant, grantCredits, type MeteringTenant } from '../../support/meteringFactories.js';
import { archiveDirForFile, SHORT_POLICY } from '../../support/retentionTesting.js';
import { apiTestContext } from '../../support/testContext.js';

const archive = archiveDirForFile('erasure');
const ctx = apiTestContext('erasure', {
  app: {
    get archiveDir() {
      return archive.dir;
    },
  },
});
const DAY = 86_400_000;

interface Person {
  id: string;
  email: string;
  name: string;
}

async function createPerson(t: MeteringTenant, email: string, name: string): Promise<Person> {
  const res = await caller(ctx.app, t.adminKey)(
    'POST',
    '/api/users',
    { email, name, membership: { entityId: t.entityId } },
    { 'Idempotency-Key': randomUUID() },
  );
  expect(res.status).toBe(201);
  return { id: res.body.id, email, name };
}

/** Events of Alice and of a colleague naming her, an outbox row and an import file mentioning her. */
async function activity(t: MeteringTenant, alice: Person, bobId: string) {
  const ingest = caller(ctx.app, t.ingestKey);
  const event = (userId: string, properties: Record<string, unknown>) =>
    ingest(
      'POST',
      '/api/billing/events',
      { entityId: t.entityId, userId, eventType: 'project.posted', occurredAt: new Date().toISOString(), properties },
      { 'Idempotency-Key': randomUUID() },
    );
  expect((await event(alice.id, { contact: alice.email, title: 'Logo design', budget: 120.5 })).status).toBe(200);
  expect(
    (await event(bobId, { reviewer: alice.name, cc: `Mail ${alice.email.toUpperCase()} today`, budget: 80 })).status,
  ).toBe(200);
  await ctx.db.webhookEvent.create({
    data: {
      organizationId: t.organizationId,
      type: 'user.credit_limit_reached',
      payload: { userId: alice.id, email: alice.email, spent: '12.500000' },
      idempotencyKey: `test:${randomUUID()}`,
      dispatchedAt: new Date(),
    },
  });
  const job = await caller(ctx.app, t.adminKey)('POST', '/api/billing/jobs/imports', {
    events: [
      {
        entityId: t.entityId,
        userId: alice.id,
        eventType: 'project.posted',
        occurredAt: new Date().toISOString(),
        idempotencyKey: randomUUID(),
        properties: { portfolio: 'https://portfolio.example/alice', contact: alice.email },
      },
    ],
  });
  expect(job.status).toBe(202);
  ctx.terminateAfter.push(job.body.workflowId);
}

/** Every row of the organization's tables that holds personal data, as text, with the terms it contains. */
async function mentions(organizationId: string, terms: string[]): Promise<string[]> {
  const { rows } = await ctx.db.pg.query<{ t: string; line: string }>(
    `SELECT 'audit' AS t, a::text AS line FROM "AuditLog" a WHERE a."organizationId" = $1
     UNION ALL SELECT 'outbox', w::text FROM "WebhookEvent" w WHERE w."organizationId" = $1
     UNION ALL SELECT 'idempotency', i::text FROM "IdempotencyRecord" i WHERE i."organizationId" = $1
     UNION ALL SELECT 'job', j::text FROM "BillingJob" j WHERE j."organizationId" = $1
     UNION ALL SELECT 'user', p::text FROM "OrganizationUser" p WHERE p."organizationId" = $1
     UNION ALL SELECT 'event', e::text FROM "MarketplaceEvent" e
       WHERE e."entityId" IN (SELECT id FROM "Entity" WHERE "organizationId" = $1)`,
    [organizationId],
  );
  const lower = terms.map((x) => x.toLowerCase());
  return rows.filter((r) => lower.some((x) => r.line.toLowerCase().includes(x))).map((r) => `${r.t}: ${r.line}`);
}

/** The books: what an erasure must never move. */
async function books(t: MeteringTenant) {
  const { rows } = await ctx.db.pg.query<{ line: string }>(
    `SELECT i::text AS line FROM "Invoice" i WHERE i."organizationId" = $1
     UNION ALL SELECT l::text FROM "InvoiceLine" l JOIN "Invoice" i ON i.id = l."invoiceId" WHERE i."organizationId" = $1
     UNION ALL SELECT le::text FROM "LedgerEntry" le WHERE le."entityId" = $2
     UNION ALL SELECT g::text FROM "CreditGrant" g WHERE g."entityId" = $2
     UNION ALL SELECT c::text FROM "UsageCounter" c WHERE c."entityId" = $2
     UNION ALL SELECT u::text FROM "ArchivedUsage" u WHERE u."entityId" = $2
     UNION ALL SELECT (e.id, e."userId", e.quantity, e."ratedAmount", e."creditsDrawn", e."billedLater", e.draws)::text
       FROM "MarketplaceEvent" e WHERE e."entityId" = $2
     ORDER BY 1`,
    [t.organizationId, t.entityId],
  );
  return rows.map((r) => r.line);
}

async function archivedLines(organizationId: string): Promise<string[]> {
  const root = path.join(archive.dir, organizationId);
  const lines: string[] = [];
  for (const day of await readdir(root)) {
    const manifest = await readManifest(path.join(root, day, 'manifest.json'));
    for (const f of manifest.files) {
      const file = path.join(root, day, f.file);
      // Every file is what its manifest (and the index) says.
      expect(await digestFile(file)).toEqual({ rows: f.rows, bytes: f.bytes, sha256: f.sha256 });
      for await (const line of readLines(file)) lines.push(line);
    }
  }
  return lines;
}

describe('POST /api/users/{id}/erase', () => {
  it('pseudonymises the person in every table and archive, keeps the books, is idempotent and audited', async () => {
    const t = await createMeteringTenant(ctx.db, {
      overagePolicy: 'bill',
      prices: [{ eventType: 'project.posted', unitPrice: '2.00' }],
    });
    await grantCredits(ctx.db, t.organizationId, t.entityId, '3.00');
    const suffix = randomUUID().slice(0, 8);
    const alice = await createPerson(t, `alice.moreau+${suffix}@demo.example`, `Alice Moreau ${suffix}`);
    const bob = await createPerson(t, `bob-${suffix}@demo.example`, `Bob ${suffix}`);
    // Another organization knows a person with the same email and name: its record is its own.
    const other = await createMeteringTenant(ctx.db);
    const theirAlice = await createPerson(other, alice.email, alice.name);

    // A first period of activity, closed, then archived; then a second period, live.
    await activity(t, alice, bob.id);
    const { closeBillingPeriod } = createCloseBillingPeriodActivities(ctx.db);
    const period = await ctx.db.billingPeriod.findFirstOrThrow({ where: { entityId: t.entityId } });
    await closeBillingPeriod({ billingPeriodId: period.id, at: new Date().toISOString() });
    expect((await caller(ctx.app, t.adminKey)('PATCH', '/api/retention-policy', SHORT_POLICY)).status).toBe(200);
    const run = await applyRetention(
      { db: ctx.db, archiveDir: archive.dir },
      { organizationId: t.organizationId, asOf: new Date(Date.now() + 400 * DAY).toISOString() },
    );
    expect(run.tables.MarketplaceEvent.deleted).toBe(2);
    await activity(t, alice, bob.id);

    const terms = [alice.email, alice.name];
    expect((await mentions(t.organizationId, terms)).length).toBeGreaterThan(5);
    expect((await archivedLines(t.organizationId)).filter((l) => l.includes(alice.email)).length).toBeGreaterThan(2);
    const booksBefore = await books(t);

    const res = await caller(ctx.app, t.adminKey)('POST', `/api/users/${alice.id}/erase`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: alice.id,
      email: `erased-${alice.id}@erased.invalid`,
      name: 'Erased user',
      erasedAt: expect.any(String),
    });
    expect(res.body.memberships.map((m: { entityId: string }) => m.entityId)).toEqual([t.entityId]);

    // Nowhere in the organization's rows, nor in its archives.
    expect(await mentions(t.organizationId, terms)).toEqual([]);
    const lines = await archivedLines(t.organizationId);
    expect(lines.filter((l) => terms.some((x) => l.toLowerCase().includes(x.toLowerCase())))).toEqual([]);
    // Her events keep nothing of what was sent with them; Bob's keep everything but what named her.
    const live = await ctx.db.marketplaceEvent.findMany({ where: { entityId: t.entityId }, orderBy: { id: 'asc' } });
    expect(live.filter((e) => e.userId === alice.id).map((e) => e.properties)).toEqual([{}]);
    expect(live.find((e) => e.userId === bob.id)?.properties).toEqual({
      reviewer: 'Erased user',
      cc: `Mail erased-${alice.id}@erased.invalid today`,
      budget: 80,
    });
    const job = await ctx.db.billingJob.findFirstOrThrow({ where: { organizationId: t.organizationId } });
    expect((job.params as { events: Array<{ properties: unknown }> }).events[0]?.properties).toEqual({});

    // The books did not move; the invariants hold.
    expect(await books(t)).toEqual(booksBefore);
    const report = await checkInvariants(ctx.db, { organizationId: t.organizationId, outboxGraceSeconds: 86_400 });
    expect(report.violations).toEqual([]);

    // Audited, without what was erased.
    const audit = await caller(ctx.app, t.adminKey)('GET', `/api/audit-log?action=user.erase&targetId=${alice.id}`);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0].after.changed).toMatchObject({ events: 2, billingJobs: 2 });
    expect(audit.body.data[0].after.changed.archiveFiles).toBeGreaterThanOrEqual(3);

    // Idempotent: the same answer, nothing audited again.
    const again = await caller(ctx.app, t.adminKey)('POST', `/api/users/${alice.id}/erase`);
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: res.body });
    const audits = await ctx.db.auditLog.count({ where: { organizationId: t.organizationId, action: 'user.erase' } });
    expect(audits).toBe(1);

    // The record keeps its pseudonyms: not renamed, not created again by email.
    expectProblem(
      await caller(ctx.app, t.adminKey)('PATCH', `/api/users/${alice.id}`, { name: 'Alice again' }),
      409,
      'USER_ERASED',
    );
    expectProblem(
      await caller(ctx.app, t.adminKey)('POST', '/api/users', {
        email: `erased-${alice.id}@erased.invalid`,
        name: 'Alice again',
        membership: { entityId: t.entityId },
      }),
      409,
      'USER_ERASED',
    );

    // The archive restores pseudonyms only.
    for (const day of await readdir(path.join(archive.dir, t.organizationId))) {
      await restoreArchive(ctx.db, path.join(archive.dir, t.organizationId, day, 'manifest.json'));
    }
    expect(await mentions(t.organizationId, terms)).toEqual([]);
    expect(await ctx.db.marketplaceEvent.count({ where: { entityId: t.entityId } })).toBe(4);

    // The other organization's person is untouched.
    const theirs = await caller(ctx.app, other.adminKey)('GET', `/api/users/${theirAlice.id}`);
    expect(theirs.body).toMatchObject({ email: alice.email, name: alice.name, erasedAt: null });
  });

  it("answers 404 for another organization's user and an unknown id, 403 without the admin scope", async () => {
    const a = await createMeteringTenant(ctx.db);
    const b = await createMeteringTenant(ctx.db);
    const suffix = randomUUID().slice(0, 8);
    const person = await createPerson(a, `p-${suffix}@demo.example`, `Person ${suffix}`);
    expectProblem(await caller(ctx.app, b.adminKey)('POST', `/api/users/${person.id}/erase`), 404, 'NOT_FOUND');
    expectProblem(await caller(ctx.app, a.adminKey)('POST', `/api/users/${UNKNOWN_ID}/erase`), 404, 'NOT_FOUND');
    expectProblem(await caller(ctx.app, a.readKey)('POST', `/api/users/${person.id}/erase`), 403, 'INSUFFICIENT_SCOPE');
    const still = await caller(ctx.app, a.readKey)('GET', `/api/users/${person.id}`);
    expect(still.body).toMatchObject({ email: person.email, name: person.name, erasedAt: null });
  });
});
