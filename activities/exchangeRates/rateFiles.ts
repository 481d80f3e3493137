// Exchange rate files as `npm run rates:import` reads them, parsed into rates to post (validated later, all or
// nothing, by importExchangeRates):
//   - ECB XML (eurofxref-daily.xml, eurofxref-hist.xml): every <Cube time="YYYY-MM-DD"> holds
//     <Cube currency="USD" rate="1.0842"/> rows, EUR -> currency, effective from that date at 00:00 UTC, source "ecb";
//   - CSV with a header naming the columns base,quote,rate,effectiveAt and optionally source (any order; effectiveAt an
//     ISO 8601 time, or a date meaning 00:00 UTC); rows without a source take the file's name.
// A malformed file is refused as a whole with the line (CSV) or entry (XML) at fault.
import type { NewExchangeRate } from './exchangeRateRecords.js';

export class RateFileError extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function effectiveAt(value: string, where: string): string {
  const text = DATE.test(value) ? `${value}T00:00:00.000Z` : value;
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw new RateFileError(`${where}: effectiveAt ${JSON.stringify(value)} is not an ISO 8601 date or time`);
  }
  return at.toISOString();
}

/** Rates of an ECB reference-rate XML file (daily, 90-day or historical). */
export function parseEcbXml(xml: string): NewExchangeRate[] {
  const rates: NewExchangeRate[] = [];
  const days = xml.split(/<Cube\s+time=/).slice(1);
  if (days.length === 0) throw new RateFileError('no <Cube time="..."> element: not an ECB reference-rate file');
  for (const day of days) {
    const time = /^["']([^"']+)["']/.exec(day)?.[1];
    if (!time || !DATE.test(time)) throw new RateFileError(`a <Cube time> that is not a date: ${day.slice(0, 40)}`);
    const at = effectiveAt(time, `Cube time="${time}"`);
    for (const m of day.matchAll(/<Cube\s+currency=["']([A-Z]{3})["']\s+rate=["']([^"']+)["']\s*\/>/g)) {
      rates.push({ base: 'EUR', quote: m[1]!, rate: m[2]!, effectiveAt: at, source: 'ecb' });
    }
  }
  return rates;
}

const COLUMNS = ['base', 'quote', 'rate', 'effectiveAt'] as const;

/** Rates of a CSV file with a header row (comma separated, no quoting needed for these fields). */
export function parseRatesCsv(csv: string, fileName: string): NewExchangeRate[] {
  const lines = csv.split(/\r?\n/).map((l) => l.trim());
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const index = Object.fromEntries(header.map((h, i) => [h, i]));
  for (const column of COLUMNS) {
    if (index[column] === undefined) {
      throw new RateFileError(`line 1: the header must name ${COLUMNS.join(', ')} (and optionally source)`);
    }
  }
  const rates: NewExchangeRate[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${i + 2}`;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      throw new RateFileError(`${where}: ${cells.length} fields, the header has ${header.length}`);
    }
    const cell = (name: string) => cells[index[name] as number] ?? '';
    rates.push({
      base: cell('base'),
      quote: cell('quote'),
      rate: cell('rate'),
      effectiveAt: effectiveAt(cell('effectiveAt'), where),
      source: index.source === undefined || cell('source') === '' ? fileName : cell('source'),
    });
  });
  return rates;
}

/** By content: XML (an ECB file) or CSV. */
export function parseRateFile(text: string, fileName: string): NewExchangeRate[] {
  return text.trimStart().startsWith('<') ? parseEcbXml(text) : parseRatesCsv(text, fileName);
}
