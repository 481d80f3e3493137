// Money across currencies inside one organization: a EUR -> USD credit transfer at a posted rate (and at a rate given
// in the request), recorded on both ledger entries, idempotent, refused when no rate is known; revenue of USD, EUR and
// JPY entities reported in the organization's reporting currency with the rates used; and an invoice's informational
// total in the reporting currency.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { caller, expectProblem } from '../../support/apiFactories.js';
import { createTenant } from '../../support/factories.js';
import { addEntity, grantCredits } from '../../support/meteringFactories.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('multi-currency');
const transfers = '/api/billing/credits/transfers';

async function organizationWith(currencies: string[]) {
  const t = await createTenant(ctx.db); // a USD entity
  const entities: Record<string, string> = { USD: t.entityId };
  for (const currency of currencies) entities[currency] = await addEntity(ctx.db, t.organizationId, { currency });
  return { t, entities, admin: caller(ctx.app, t.adminKey), reader: caller(ctx.app, t.readKey) };
}

describe('a credit transfer between entities of different currencies', () => {
  it('converts at the posted rate in force, records it on both ledger entries, and replays', async () => {
    const { t, entities, admin, reader } = await organizationWith(['EUR']);
    await grantCredits(ctx.db, t.organizationId, entities.EUR!, '100.00');
    const balance = async (currency: string) =>
      (await reader('GET', `/api/entities/${entities[currency]}/credit-balance`)).body.balance;
    const body = { fromEntityId: entities.EUR, toEntityId: entities.USD, amount: '40.00' };

    // No rate held: refused before anything moves.
    const refused = await admin('POST', transfers, body, { 'Idempotency-Key': `t-${randomUUID()}` });
    expectProblem(refused, 422, 'NO_EXCHANGE_RATE');
    expect([await balance('EUR'), await balance('USD')]).toEqual(['100.00', '0.00']);

    const posted = await admin('POST', '/api/billing/exchange-rates', {
      base: 'EUR',
      quote: 'USD',
      rate: '1.0842',
      effectiveAt: '2026-01-01T00:00:00Z',
      source: 'ecb',
    });
    expect(posted.status).toBe(201);

    const key = `t-${randomUUID()}`;
    const moved = await admin('POST', transfers, body, { 'Idempotency-Key': key });
    expect(moved.status).toBe(201);
    // 40.00 x 1.0842 = 43.368 -> 43.37 USD (half-even to cents).
    expect([moved.body.amount, moved.body.currency, moved.body.toAmount, moved.body.toCurrency]).toEqual([
      '40.00',
      'EUR',
      '43.37',
      'USD',
    ]);
    expect(moved.body.exchangeRate).toMatchObject({
      base: 'EUR',
      quote: 'USD',
      rate: '1.0842',
      method: 'direct',
      legs: [{ id: posted.body.id, rate: '1.0842', source: 'ecb', effectiveAt: '2026-01-01T00:00:00.000Z' }],
    });
    expect(moved.body.legs.map((l: { amount: string; toAmount: string }) => [l.amount, l.toAmount])).toEqual([
      ['40.00', '43.37'],
    ]);
    expect([await balance('EUR'), await balance('USD')]).toEqual(['60.00', '43.37']);

    const entries = await ctx.db.ledgerEntry.findMany({
      where: { entityId: { in: [entities.EUR!, entities.USD!] }, kind: { in: ['transfer_out', 'transfer_in'] } },
    });
    expect(
      entries
        .map((e) => {
          const c = e.conversion as { rate: string; counterAmount: string; counterCurrency: string; legs: unknown[] };
          return [e.kind, e.amount.toString(), e.currency, c.rate, c.counterAmount, c.counterCurrency, c.legs.length];
        })
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['transfer_in', '43.37', 'USD', '1.0842', '40.00', 'EUR', 1],
      ['transfer_out', '-40', 'EUR', '1.0842', '43.37', 'USD', 1],
    ]);

    // The webhook says what left in EUR and what arrived in USD.
    const event = await ctx.db.webhookEvent.findUniqueOrThrow({
      where: { idempotencyKey: `credits.transferred:${moved.body.transferId}` },
    });
    expect(event.payload).toMatchObject({
      amount: '40.00',
      currency: 'EUR',
      toAmount: '43.37',
      toCurrency: 'USD',
      rate: '1.0842',
      fromBalance: '60.00',
      toBalance: '43.37',
    });

    // The same key again: the stored result, nothing moves twice.
    const replay = await admin('POST', transfers, body, { 'Idempotency-Key': key });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.transferId]).toEqual([
      200,
      'true',
      moved.body.transferId,
    ]);
    expect([await balance('EUR'), await balance('USD')]).toEqual(['60.00', '43.37']);
  });

  it('takes a rate given in the request (recorded as such), and no rate between entities of one currency', async () => {
    const { t, entities, admin } = await organizationWith(['EUR', 'JPY']);
    await grantCredits(ctx.db, t.organizationId, entities.EUR!, '100.00');
    await grantCredits(ctx.db, t.organizationId, entities.USD!, '10.00');
    const given = await admin(
      'POST',
      transfers,
      { fromEntityId: entities.EUR, toEntityId: entities.USD, amount: '10.00', rate: '1.1' },
      { 'Idempotency-Key': `t-${randomUUID()}` },
    );
    expect([given.status, given.body.toAmount]).toEqual([201, '11.00']);
    expect(given.body.exchangeRate.legs).toEqual([
      { id: null, base: 'EUR', quote: 'USD', rate: '1.1', effectiveAt: expect.any(String), source: 'request' },
    ]);

    // 0.25 USD x 150 = 37.5 JPY: half-even to whole yen, 38.
    const yen = await admin(
      'POST',
      transfers,
      { fromEntityId: entities.USD, toEntityId: entities.JPY, amount: '0.25', rate: '150' },
      { 'Idempotency-Key': `t-${randomUUID()}` },
    );
    expect([yen.status, yen.body.toAmount, yen.body.toCurrency]).toEqual([201, '38', 'JPY']);
    // Less than one yen arrives: refused rather than taken for nothing.
    const dust = await admin(
      'POST',
      transfers,
      { fromEntityId: entities.USD, toEntityId: entities.JPY, amount: '0.001', rate: '150' },
      { 'Idempotency-Key': `t-${randomUUID()}` },
    );
    expectProblem(dust, 422, 'INVALID_AMOUNT');

    const other = await addEntity(ctx.db, t.organizationId, { currency: 'USD' });
    const same = await admin(
      'POST',
      transfers,
      { fromEntityId: entities.USD, toEntityId: other, amount: '1.00', rate: '1.1' },
      { 'Idempotency-Key': `t-${randomUUID()}` },
    );
    expectProblem(same, 422, 'EXCHANGE_RATE_NOT_APPLICABLE');
  });
});

describe('revenue in the reporting currency', () => {
  async function invoice(organizationId: string, entityId: string, currency: string, opts: Record<string, unknown>) {
    const issuedAt = opts.issuedAt as Date | undefined;
    const number = (await ctx.db.invoice.count({ where: { organizationId } })) + 1;
    return ctx.db.invoice.create({
      data: {
        organizationId,
        entityId,
        number,
        status: (opts.status as 'open' | 'paid' | 'void' | 'draft' | undefined) ?? 'open',
        currency,
        periodStart: new Date(Date.UTC(2026, 1, 1) + number * 1000),
        periodEnd: new Date(Date.UTC(2026, 2, 1) + number * 1000),
        subtotal: opts.total as string,
        total: opts.total as string,
        amountDue: opts.total as string,
        amountPaid: (opts.paid as string | undefined) ?? '0',
        issuedAt: issuedAt ?? null,
      },
    });
  }

  it('sums each currency exactly, converts each sum once at the rate in force, and shows the rates', async () => {
    const { t, entities, admin, reader } = await organizationWith(['EUR', 'JPY']);
    const org = t.organizationId;
    const at = (iso: string) => new Date(iso);
    await invoice(org, entities.USD!, 'USD', { total: '100', paid: '100', issuedAt: at('2026-03-10T00:00:00Z') });
    const eur = await invoice(org, entities.EUR!, 'EUR', { total: '200', issuedAt: at('2026-03-12T00:00:00Z') });
    await invoice(org, entities.EUR!, 'EUR', {
      total: '50.5',
      paid: '50.5',
      status: 'paid',
      issuedAt: at('2026-03-20T00:00:00Z'),
    });
    await invoice(org, entities.JPY!, 'JPY', { total: '15000', paid: '15000', issuedAt: at('2026-03-15T00:00:00Z') });
    // Not revenue of March: voided, a draft, issued in April.
    await invoice(org, entities.EUR!, 'EUR', { total: '999', status: 'void', issuedAt: at('2026-03-05T00:00:00Z') });
    await invoice(org, entities.EUR!, 'EUR', { total: '999', status: 'draft' });
    await invoice(org, entities.EUR!, 'EUR', { total: '999', issuedAt: at('2026-04-01T00:00:00Z') });

    for (const rate of [
      { base: 'EUR', quote: 'USD', rate: '1.0842', effectiveAt: '2026-03-01T00:00:00Z' },
      { base: 'EUR', quote: 'JPY', rate: '161.87', effectiveAt: '2026-03-01T00:00:00Z' },
      // In force from the range's end on: not March's.
      { base: 'EUR', quote: 'USD', rate: '1.2000', effectiveAt: '2026-04-01T00:00:00Z' },
    ]) {
      expect((await admin('POST', '/api/billing/exchange-rates', { ...rate, source: 'ecb' })).status).toBe(201);
    }

    const march = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z';
    const report = await reader('GET', `/api/analytics/revenue?${march}`);
    expect(report.status).toBe(200);
    expect([report.body.reportingCurrency, report.body.ratesAt]).toEqual(['USD', '2026-03-31T23:59:59.999Z']);
    expect(
      report.body.byCurrency.map((c: Record<string, unknown> & { exchangeRate: { method: string; rate: string } }) => [
        c.currency,
        c.invoices,
        c.entities,
        c.invoiced,
        c.paid,
        c.invoicedReported,
        c.paidReported,
        c.exchangeRate.method,
        c.exchangeRate.rate,
      ]),
    ).toEqual([
      // 250.50 x 1.0842 = 271.5921; 50.50 x 1.0842 = 54.7521.
      ['EUR', 2, 1, '250.50', '50.50', '271.59', '54.75', 'direct', '1.0842'],
      // JPY -> EUR (1 / 161.87) -> USD (1.0842): 15000 x 0.00669796750478... = 100.4695...
      ['JPY', 1, 1, '15000', '15000', '100.47', '100.47', 'cross', '0.0066979675047878'],
      ['USD', 1, 1, '100.00', '100.00', '100.00', '100.00', 'identity', '1'],
    ]);
    expect(report.body.byCurrency[1].exchangeRate.legs.map((l: { base: string; quote: string }) => l.quote)).toEqual([
      'JPY',
      'USD',
    ]);
    expect(report.body.totals).toEqual({ invoiced: '472.06', paid: '255.22' });

    // The invoice stays in EUR; its total in USD is information, at the rate in force when it was issued.
    const detail = await reader('GET', `/api/billing/invoices/${eur.id}`);
    expect([detail.body.total, detail.body.currency]).toEqual(['200.00', 'EUR']);
    expect(detail.body.reportingTotal).toMatchObject({
      amount: '216.84',
      currency: 'USD',
      ratesAt: '2026-03-12T00:00:00.000Z',
      exchangeRate: { method: 'direct', rate: '1.0842' },
    });

    // Reporting in EUR instead: the same invoices, other rates (the inverses).
    const patched = await admin('PATCH', `/api/organizations/${org}`, { reportingCurrency: 'EUR' });
    expect([patched.status, patched.body.reportingCurrency]).toEqual([200, 'EUR']);
    const inEuro = await reader('GET', `/api/analytics/revenue?${march}`);
    expect(inEuro.body.totals).toEqual({ invoiced: '435.40', paid: '235.40' });

    // A currency the organization holds no rate for: refused, never left out of the total.
    const kwd = await addEntity(ctx.db, org, { currency: 'KWD' });
    await invoice(org, kwd, 'KWD', { total: '10.005', issuedAt: at('2026-03-18T00:00:00Z') });
    expectProblem(await reader('GET', `/api/analytics/revenue?${march}`), 422, 'NO_EXCHANGE_RATE');
    expectProblem(
      await reader('GET', '/api/analytics/revenue?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z'),
      422,
      'INVALID_RANGE',
    );
  });
});
