// `npm run invariants [-- --organization <id>]`: checks the money invariants of a database (DATABASE_URL, or the
// local cluster of `npm start`) and exits 1 when any is violated, listing each violation with its ids.
import { createDb } from '../activities/db.js';
import { checkInvariants } from '../activities/invariants/checkInvariants.js';
import { withDatabase } from './lib/devDatabase.js';

const orgFlag = process.argv.indexOf('--organization');
const organizationId = orgFlag >= 0 ? process.argv[orgFlag + 1] : undefined;

const violations = await withDatabase(async (url) => {
  const db = createDb(url, 2);
  try {
    const report = await checkInvariants(db, { organizationId });
    for (const v of report.violations) console.log(`${v.rule}\t${v.ids.join(',')}\t${v.detail}`);
    console.log(`invariants checked at ${report.checkedAt}: ${report.violations.length} violation(s)`);
    return report.violations.length;
  } finally {
    await db.$disconnect();
  }
});
process.exit(violations === 0 ? 0 : 1);
