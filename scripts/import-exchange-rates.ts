// `npm run rates:import -- --organization <organizationId> <file>`: loads exchange rates for one organization from an
// ECB reference-rate XML file (eurofxref-daily.xml, eurofxref-hist.xml) or a CSV file with a header
// base,quote,rate,effectiveAt[,source] (activities/exchangeRates/rateFiles.ts) into the database (DATABASE_URL, or
// the local cluster of `npm start`). All or nothing, one audit row for the file. Rates already held with the same
// value are left alone (safe to run again); one held with another value refuses the whole file (exit 1).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SYSTEM_ACTOR } from '../activities/auditLog.js';
import { createDb } from '../activities/db.js';
import { importExchangeRates } from '../activities/exchangeRates/exchangeRateRecords.js';
import { parseRateFile, RateFileError } from '../activities/exchangeRates/rateFiles.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../activities/resourceErrors.js';
import { tenantDb } from '../activities/tenantDb.js';
import { withDatabase } from './lib/devDatabase.js';

const args = process.argv.slice(2);
const at = args.indexOf('--organization');
const organizationId = at === -1 ? undefined : args[at + 1];
const file = args.filter((_, i) => i !== at && i !== at + 1)[0];
if (!organizationId || !file) {
  console.error('usage: npm run rates:import -- --organization <organizationId> <rates.xml | rates.csv>');
  process.exit(2);
}

let rates: ReturnType<typeof parseRateFile>;
try {
  rates = parseRateFile(await readFile(path.resolve(file), 'utf8'), path.basename(file));
} catch (err) {
  console.error(`nothing imported: ${(err as Error).message}`);
  process.exit(1);
}

const code = await withDatabase(async (url) => {
  const db = createDb(url, 2);
  try {
    const result = await importExchangeRates(
      tenantDb(db, organizationId),
      SYSTEM_ACTOR,
      organizationId,
      rates,
      path.basename(file),
    );
    console.log(`${rates.length} rates read: ${result.created} imported, ${result.alreadyHeld} already held`);
    return 0;
  } catch (err) {
    if (
      err instanceof UnprocessableError ||
      err instanceof ResourceConflictError ||
      err instanceof ResourceNotFoundError ||
      err instanceof RateFileError
    ) {
      console.error(`nothing imported: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.$disconnect();
    await db.pg.end();
  }
});
process.exit(code);
