// Exchange rates as data an organization holds: posted through the API (validated, one rate per pair and instant,
// audited), listed, read as the rate in force at an instant (direct, inverse, cross through EUR), imported from an
// ECB XML or CSV file by `npm run rates:import` (all or nothing), and never visible to another organization.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../activities/auditLog.js';
import { importExchangeRates } from '../../../activities/exchangeRates/exchangeRateRecords.js';
import { parseRateFile } from '../../../activities/exchangeRates/rateFiles.js';
import { tenantDb } from '../../../activities/tenantDb.js';
import { expectProblem, tenantsAndCallers } from '../../support/apiFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('exchange-rates');
const rates = '/api/billing/exchange-rates';
const eurUsd = { base: 'EUR', quote: 'USD', rate: '1.0842', effectiveAt: '2026-03-02T00:00:00Z' };
const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('POST /api/billing/exchange-rates', () => {
  it('holds a rate (201, audited); the same again is 200 and writes nothing; another rate for it is 409', async () => {
    const { tenant, admin, reader } = await tenantsAndCallers(ctx.db, ctx.app);
    const created = await admin('POST', rates, { ...eurUsd, source: 'ecb' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      base: 'EUR',
      quote: 'USD',
      rate: '1.0842',
      source: 'ecb',
      effectiveAt: '2026-03-02T00:00:00.000Z',
    });
    const again = await admin('POST', rates, { ...eurUsd, rate: '1.08420', source: 'ecb' });
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);
    const other = await admin('POST', rates, { ...eurUsd, rate: '1.09' });
    expectProblem(other, 409, 'EXCHANGE_RATE_CONFLICT');
    expect(other.body.detail).toContain('1.0842');

    expect(await ctx.db.exchangeRate.count({ where: { organizationId: tenant.organizationId } })).toBe(1);
    const audit = await ctx.db.auditLog.findMany({
      where: { organizationId: tenant.organizationId, action: 'exchange_rate.create' },
    });
    expect(audit.map((a) => a.targetId)).toEqual([created.body.id]);
    // Reading is the read scope; writing is admin.
    expectProblem(await reader('POST', rates, eurUsd), 403, 'INSUFFICIENT_SCOPE');
    const list = await reader('GET', `${rates}?base=EUR`);
    expect(list.body.data.map((r: { rate: string }) => r.rate)).toEqual(['1.0842']);
  });

  it.each([
    [{ ...eurUsd, quote: 'EUR' }, 'INVALID_EXCHANGE_RATE'],
    [{ ...eurUsd, rate: '0.0' }, 'INVALID_EXCHANGE_RATE'],
    [{ ...eurUsd, rate: '-1' }, 'VALIDATION_FAILED'],
    [{ ...eurUsd, rate: '1.12345678901' }, 'VALIDATION_FAILED'],
    [{ ...eurUsd, quote: 'XYZ' }, 'VALIDATION_FAILED'],
  ])('refuses %j with 422 %s and holds nothing', async (body, code) => {
    const { tenant, admin } = await tenantsAndCallers(ctx.db, ctx.app);
    expectProblem(await admin('POST', rates, body), 422, code);
    expect(await ctx.db.exchangeRate.count({ where: { organizationId: tenant.organizationId } })).toBe(0);
  });
});

describe('GET /api/billing/exchange-rates/in-force', () => {
  it('is the latest rate at or before the instant, the inverse of the reverse pair, or a cross through EUR', async () => {
    const { admin, reader } = await tenantsAndCallers(ctx.db, ctx.app);
    for (const body of [
      eurUsd,
      { ...eurUsd, rate: '1.0900', effectiveAt: '2026-03-03T00:00:00Z' },
      { base: 'EUR', quote: 'JPY', rate: '161.87', effectiveAt: '2026-03-02T00:00:00Z' },
    ]) {
      expect((await admin('POST', rates, body)).status).toBe(201);
    }
    const inForce = (q: string) => reader('GET', `${rates}/in-force?${q}`);

    const before = await inForce('base=EUR&quote=USD&at=2026-03-02T23:59:59Z');
    expect([before.body.method, before.body.rate, before.body.legs[0].effectiveAt]).toEqual([
      'direct',
      '1.0842',
      '2026-03-02T00:00:00.000Z',
    ]);
    expect((await inForce('base=EUR&quote=USD&at=2026-03-03T00:00:00Z')).body.rate).toBe('1.09');
    const inverse = await inForce('base=USD&quote=EUR&at=2026-03-04T00:00:00Z');
    expect([inverse.body.method, inverse.body.rate]).toEqual(['inverse', '0.9174311926605505']);
    const cross = await inForce('base=USD&quote=JPY&at=2026-03-04T00:00:00Z');
    expect([cross.body.method, cross.body.rate, cross.body.legs.length]).toEqual(['cross', '148.5045871559633028', 2]);

    expectProblem(await inForce('base=EUR&quote=USD&at=2026-03-01T00:00:00Z'), 422, 'NO_EXCHANGE_RATE');
    expectProblem(await inForce('base=EUR&quote=KWD'), 422, 'NO_EXCHANGE_RATE');
  });

  it("never shows another organization's rates", async () => {
    const { admin } = await tenantsAndCallers(ctx.db, ctx.app);
    const { reader: otherReader } = await tenantsAndCallers(ctx.db, ctx.app);
    expect((await admin('POST', rates, eurUsd)).status).toBe(201);
    expectProblem(await otherReader('GET', `${rates}/in-force?base=EUR&quote=USD`), 422, 'NO_EXCHANGE_RATE');
    expect((await otherReader('GET', rates)).body.data).toEqual([]);
  });
});

describe('importing a rate file', () => {
  it('loads an ECB XML file and a CSV file, all or nothing, with one audit row per file', async () => {
    const { tenant, reader } = await tenantsAndCallers(ctx.db, ctx.app);
    const db = tenantDb(ctx.appDb, tenant.organizationId);
    const xml = parseRateFile(
      await readFile(`${root}/test/fixtures/exchangeRates/eurofxref-sample.xml`, 'utf8'),
      'eurofxref-sample.xml',
    );
    expect(await importExchangeRates(db, SYSTEM_ACTOR, tenant.organizationId, xml, 'eurofxref-sample.xml')).toEqual({
      created: 6,
      alreadyHeld: 0,
    });
    // Again: nothing new. With one rate changed: refused whole.
    expect(await importExchangeRates(db, SYSTEM_ACTOR, tenant.organizationId, xml, 'again.xml')).toEqual({
      created: 0,
      alreadyHeld: 6,
    });
    const changed = [...xml.slice(0, 5), { ...xml[5]!, rate: '0.9' }, { ...xml[0]!, quote: 'CHF', rate: '0.95' }];
    await expect(
      importExchangeRates(db, SYSTEM_ACTOR, tenant.organizationId, changed, 'bad.xml'),
    ).rejects.toMatchObject({ code: 'EXCHANGE_RATE_CONFLICT' });
    expect(await ctx.db.exchangeRate.count({ where: { organizationId: tenant.organizationId } })).toBe(6);
    const audit = await ctx.db.auditLog.findMany({
      where: { organizationId: tenant.organizationId, action: 'exchange_rate.import' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => a.targetId)).toEqual(['eurofxref-sample.xml', 'again.xml']);
    const jpy = await reader('GET', `${rates}/in-force?base=EUR&quote=JPY&at=2026-03-01T00:00:00Z`);
    expect([jpy.body.rate, jpy.body.legs[0].source]).toEqual(['162.45', 'ecb']);
  });

  it('npm run rates:import loads a CSV file for the organization named, and refuses a bad file (exit 1)', async () => {
    const { tenant } = await tenantsAndCallers(ctx.db, ctx.app);
    const run = (file: string) =>
      promisify(execFile)(
        'node',
        ['--import', 'tsx', 'scripts/import-exchange-rates.ts', '--organization', tenant.organizationId, file],
        { cwd: root, env: { ...process.env, DATABASE_URL: inject('databaseUrl') } },
      );
    const ok = await run('test/fixtures/exchangeRates/rates-sample.csv');
    expect(ok.stdout.trim()).toBe('2 rates read: 2 imported, 0 already held');
    const rows = await ctx.db.exchangeRate.findMany({
      where: { organizationId: tenant.organizationId },
      orderBy: { quote: 'asc' },
    });
    expect(rows.map((r) => [r.base, r.quote, r.rate.toString(), r.source])).toEqual([
      ['USD', 'BHD', '0.376', 'rates-sample.csv'],
      ['USD', 'KWD', '0.3071', 'treasury'],
    ]);
    await expect(run('package.json')).rejects.toMatchObject({ code: 1 });
  }, 60_000);
});
