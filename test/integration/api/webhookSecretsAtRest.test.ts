// Webhook signing secrets at rest (activities/secretsAtRest.ts, webhookEndpoints/webhookSecrets.ts): the database
// never holds one in clear, deliveries are still signed with it, and rotating SECRET_KEYS re-seals every secret
// (`npm run secrets:rotate`), as the migrations seal the plaintext rows of before.
import { execFile as execFileCb } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applicationDatabaseUrl } from '../../../activities/databaseRoles.js';
import { closeDb, createDb, type Db } from '../../../activities/db.js';
import {
  generateSecretKey,
  parseSecretKeys,
  type SecretKeyring,
  SecretUnreadableError,
  sealingKeyId,
  secretKeyringFromEnv,
} from '../../../activities/secretsAtRest.js';
import { tenantDb } from '../../../activities/tenantDb.js';
import { createWebhookEndpoint } from '../../../activities/webhookEndpoints/endpointRecords.js';
import { openWebhookSecret } from '../../../activities/webhookEndpoints/webhookSecrets.js';
import { createWebhookDeliveryActivities } from '../../../activities/webhooks/webhookDelivery.js';
import { applyDataMigrations } from '../../../scripts/lib/dataMigrations.js';
import { applyMigrations, projectRoot } from '../../../scripts/lib/prismaCli.js';
import { type Caller, caller } from '../../support/apiFactories.js';
import { createTenant, type TestTenant } from '../../support/factories.js';
import { apiTestContext } from '../../support/testContext.js';

const execFile = promisify(execFileCb);
const ctx = apiTestContext('secrets-at-rest');
const ring = secretKeyringFromEnv();
let tenant: TestTenant;
let admin: Caller;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  tenant = await createTenant(ctx.db);
  admin = caller(ctx.app, tenant.adminKey);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
});

afterAll(() => {
  receiver?.close();
});

const endpoints = '/api/webhooks/endpoints';

/** Every text column of every row of the database that contains `needle`, as "table.column". */
async function whereInDatabase(db: Db, needle: string): Promise<string[]> {
  const columns = await db.$queryRaw<Array<{ table: string; column: string }>>`
    SELECT table_name AS table, column_name AS column FROM information_schema.columns
    WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'json', 'ARRAY', 'character varying')`;
  const found: string[] = [];
  for (const { table, column } of columns) {
    const [row] = await db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text LIKE '%' || $1 || '%'`,
      needle,
    );
    if (row && row.n > 0) found.push(`${table}.${column}`);
  }
  return found;
}

/** A pending delivery of a fresh outbox row to the endpoint, written as the owner. */
async function pendingDelivery(db: Db, organizationId: string, endpointId: string): Promise<string> {
  const event = await db.webhookEvent.create({
    data: {
      organizationId,
      type: 'credits.low',
      payload: { note: 'secrets at rest' },
      idempotencyKey: `secrets-at-rest:${randomUUID()}`,
      dispatchedAt: new Date(),
    },
  });
  const delivery = await db.webhookDelivery.create({ data: { webhookEventId: event.id, endpointId } });
  return delivery.id;
}

/** Delivers one attempt with `secrets` and checks the receiver's copy against `secret` (Standard Webhooks). */
async function deliverAndVerify(db: Db, secrets: SecretKeyring, deliveryId: string, secret: string) {
  const before = received.length;
  const activities = createWebhookDeliveryActivities(db, secrets, { allowInternal: true });
  const result = await activities.attemptWebhookDelivery({ deliveryId, attemptNumber: 1, nextAttemptAt: null });
  expect(result).toMatchObject({ outcome: 'delivered', statusCode: 204 });
  const got = received[before];
  expect(got).toBeDefined();
  const verified = new Webhook(secret).verify(got?.body as string, got?.headers as Record<string, string>);
  expect(verified).toMatchObject({ type: 'credits.low', data: { note: 'secrets at rest' } });
}

describe('webhook signing secrets at rest', () => {
  it('created through the API: shown once in clear, stored sealed, found in clear nowhere in the database', async () => {
    const res = await admin('POST', endpoints, { url: receiverUrl }, { 'Idempotency-Key': randomUUID() });
    expect(res.status).toBe(201);
    const secret = res.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const row = await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id: res.body.id as string } });
    expect(sealingKeyId(row.secret)).toBe(ring.activeKeyId);
    expect(openWebhookSecret(ring, row)).toBe(secret);
    expect(await whereInDatabase(ctx.db, secret.slice('whsec_'.length))).toEqual([]);
  });

  it('rotated through the API: the new secret is sealed, the old one no longer is anywhere', async () => {
    const created = await admin('POST', endpoints, { url: receiverUrl });
    const rotated = await admin('POST', `${endpoints}/${created.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const secret = rotated.body.secret as string;
    expect(secret).not.toBe(created.body.secret);
    const row = await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id: created.body.id as string } });
    expect(openWebhookSecret(ring, row)).toBe(secret);
    expect(await whereInDatabase(ctx.db, secret.slice('whsec_'.length))).toEqual([]);
    expect(await whereInDatabase(ctx.db, (created.body.secret as string).slice('whsec_'.length))).toEqual([]);
  });

  it('a delivery is still signed with the secret, which the receiver verifies', async () => {
    const created = await admin('POST', endpoints, { url: receiverUrl });
    const deliveryId = await pendingDelivery(ctx.db, tenant.organizationId, created.body.id as string);
    await deliverAndVerify(ctx.appDb, ring, deliveryId, created.body.secret as string);
  });

  it('a sealed value copied onto another endpoint does not open there', async () => {
    const a = await admin('POST', endpoints, { url: receiverUrl });
    const b = await admin('POST', endpoints, { url: receiverUrl });
    const rowA = await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id: a.body.id as string } });
    await ctx.db.webhookEndpoint.update({ where: { id: b.body.id as string }, data: { secret: rowA.secret } });
    const deliveryId = await pendingDelivery(ctx.db, tenant.organizationId, b.body.id as string);
    const activities = createWebhookDeliveryActivities(ctx.appDb, ring, { allowInternal: true });
    await expect(
      activities.attemptWebhookDelivery({ deliveryId, attemptNumber: 1, nextAttemptAt: null }),
    ).rejects.toThrow(SecretUnreadableError);
  });
});

describe('rotating SECRET_KEYS, and the migration of plaintext secrets (a database of its own)', () => {
  const database = `secrets_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let url: string;
  let owner: Db;
  let app: Db;
  const keyA = generateSecretKey('a');
  const keyB = generateSecretKey('b');
  const ringA = parseSecretKeys(keyA);
  const organizationId = randomUUID();

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const u = new URL(inject('databaseUrl'));
    u.pathname = `/${database}`;
    url = u.toString();
    await applyMigrations(url);
    owner = createDb(url, 2);
    app = createDb(applicationDatabaseUrl({ DATABASE_URL: url }), 2);
    await owner.organization.create({ data: { id: organizationId, name: 'Keys', billingEmail: 'keys@example.com' } });
  });

  afterAll(async () => {
    await Promise.all([owner && closeDb(owner), app && closeDb(app)]);
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  const actor = { actorType: 'api_key' as const, actorId: null };

  it('the migration seals a secret stored in clear before it; a delivery refuses one in clear', async () => {
    const id = randomUUID();
    const legacy = `whsec_${Buffer.from(randomUUID().slice(0, 24)).toString('base64')}`;
    await owner.webhookEndpoint.create({ data: { id, organizationId, url: receiverUrl, secret: legacy } });
    const deliveryId = await pendingDelivery(owner, organizationId, id);
    const activities = createWebhookDeliveryActivities(app, ring, { allowInternal: true });
    await expect(
      activities.attemptWebhookDelivery({ deliveryId, attemptNumber: 1, nextAttemptAt: null }),
    ).rejects.toThrow('is not encrypted');

    expect(await applyDataMigrations(url)).toEqual({ resealed: 1 });
    const row = await owner.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    expect(sealingKeyId(row.secret)).toBe(ring.activeKeyId);
    expect(await whereInDatabase(owner, legacy.slice('whsec_'.length))).toEqual([]);
    await deliverAndVerify(app, ring, deliveryId, legacy);
    expect(await applyDataMigrations(url)).toEqual({ resealed: 0 });
  });

  it('`npm run secrets:rotate` re-seals every secret with the new key; the old key can go, signing goes on', async () => {
    const made = await createWebhookEndpoint(tenantDb(app, organizationId), ringA, actor, organizationId, {
      url: receiverUrl,
    });
    const secret = made.secret;
    const ringB = parseSecretKeys(keyB);
    const before = await owner.webhookEndpoint.findUniqueOrThrow({ where: { id: made.id } });
    expect(sealingKeyId(before.secret)).toBe('a');
    expect(() => openWebhookSecret(ringB, before)).toThrow('sealed with key a');
    // During the rotation (B first, A after it): B seals, A still opens what it sealed, so deliveries go on.
    const during = parseSecretKeys(`${keyB},${keyA}`);
    await deliverAndVerify(app, during, await pendingDelivery(owner, organizationId, made.id), secret);

    const rotate = () =>
      execFile(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts/secrets.ts'), 'rotate'], {
        cwd: projectRoot,
        // B first (it seals), A after it (it still opens); the run's key opens the row the migration test sealed.
        env: { ...process.env, DATABASE_URL: url, SECRET_KEYS: `${keyB},${keyA},${process.env.SECRET_KEYS}` },
      });
    const { stdout } = await rotate();
    expect(stdout).toContain('webhook signing secrets: 2 sealed again with key b, 0 already were');
    expect((await rotate()).stdout).toContain('0 sealed again with key b, 2 already were');

    const after = await owner.webhookEndpoint.findUniqueOrThrow({ where: { id: made.id } });
    expect(sealingKeyId(after.secret)).toBe('b');
    expect(openWebhookSecret(ringB, after)).toBe(secret);
    expect(() => openWebhookSecret(ringA, after)).toThrow('sealed with key b');
    // With only the new key left, deliveries are signed with the same secret as before.
    await deliverAndVerify(app, ringB, await pendingDelivery(owner, organizationId, made.id), secret);
  });
});

describe('SECRET_KEYS in production', () => {
  const { SECRET_KEYS: _, ...withoutKeys } = process.env;
  const production = { ...withoutKeys, NODE_ENV: 'production', DATABASE_URL: inject('databaseUrl') };

  it('the keyring refuses to stand in the development key', () => {
    expect(() => secretKeyringFromEnv({ NODE_ENV: 'production' })).toThrow('SECRET_KEYS is required in production');
    expect(secretKeyringFromEnv({ NODE_ENV: 'production', SECRET_KEYS: generateSecretKey('p') }).activeKeyId).toBe('p');
  });

  for (const main of ['api/main.ts', 'worker/main.ts']) {
    it(`${main} refuses to start without it`, async () => {
      const run = execFile(process.execPath, ['--import', 'tsx', path.join(projectRoot, main)], {
        cwd: projectRoot,
        env: production,
        timeout: 60_000,
      });
      const failed = await run.then(
        () => null,
        (err: { code?: number; stderr?: string }) => err,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain('SECRET_KEYS is required in production');
    });
  }
});
