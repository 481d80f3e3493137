// Exchange rate files as `npm run rates:import` reads them: an ECB reference-rate XML file (EUR-based, one
// <Cube time> per day) and a CSV file with a header; a malformed file is refused whole, naming where.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEcbXml, parseRateFile, parseRatesCsv, RateFileError } from '../../activities/exchangeRates/rateFiles.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/exchangeRates/${name}`, import.meta.url), 'utf8');

describe('ECB XML', () => {
  it('reads every day of the file as EUR -> currency rates effective at 00:00 UTC of that day, source ecb', () => {
    const rates = parseRateFile(fixture('eurofxref-sample.xml'), 'eurofxref-sample.xml');
    expect(rates).toHaveLength(6);
    expect(rates.slice(0, 3)).toEqual([
      { base: 'EUR', quote: 'USD', rate: '1.0842', effectiveAt: '2026-03-02T00:00:00.000Z', source: 'ecb' },
      { base: 'EUR', quote: 'JPY', rate: '161.87', effectiveAt: '2026-03-02T00:00:00.000Z', source: 'ecb' },
      { base: 'EUR', quote: 'GBP', rate: '0.8551', effectiveAt: '2026-03-02T00:00:00.000Z', source: 'ecb' },
    ]);
    expect(rates[3]).toEqual({
      base: 'EUR',
      quote: 'USD',
      rate: '1.0813',
      effectiveAt: '2026-02-27T00:00:00.000Z',
      source: 'ecb',
    });
  });

  it('refuses a file with no dated Cube, or a Cube time that is not a date', () => {
    expect(() => parseEcbXml('<Envelope><Cube></Cube></Envelope>')).toThrow(RateFileError);
    expect(() => parseEcbXml('<Cube><Cube time="yesterday"><Cube currency="USD" rate="1"/></Cube></Cube>')).toThrow(
      /not a date/,
    );
  });
});

describe('CSV', () => {
  it('reads the named columns; a date is 00:00 UTC; an empty source takes the file name', () => {
    expect(parseRateFile(fixture('rates-sample.csv'), 'rates-sample.csv')).toEqual([
      { base: 'USD', quote: 'KWD', rate: '0.3071', effectiveAt: '2026-03-02T00:00:00.000Z', source: 'treasury' },
      { base: 'USD', quote: 'BHD', rate: '0.376', effectiveAt: '2026-03-02T12:00:00.000Z', source: 'rates-sample.csv' },
    ]);
    // Columns in any order, no source column.
    expect(parseRatesCsv('effectiveAt,rate,quote,base\n2026-01-05,0.92,EUR,USD\n', 'f.csv')).toEqual([
      { base: 'USD', quote: 'EUR', rate: '0.92', effectiveAt: '2026-01-05T00:00:00.000Z', source: 'f.csv' },
    ]);
  });

  it('refuses a missing column, a short line and a bad time, naming the line', () => {
    expect(() => parseRatesCsv('base,quote,rate\nEUR,USD,1.1\n', 'f.csv')).toThrow(/line 1/);
    expect(() => parseRatesCsv('base,quote,rate,effectiveAt\nEUR,USD,1.1\n', 'f.csv')).toThrow(/line 2: 3 fields/);
    expect(() =>
      parseRatesCsv('base,quote,rate,effectiveAt\nEUR,USD,1.1,2026-01-01\nEUR,USD,1.1,soon\n', 'f.csv'),
    ).toThrow(/line 3: effectiveAt "soon"/);
  });
});
