// `npm run db:migrate` (deploy), `npm run db:migrate:dev -- --name <name>`, `npm run db:generate`, and
// `tsx scripts/migrate.ts <status|drift|diff ...>`. Without DATABASE_URL it uses (and starts, if needed) the local
// cluster of `npm start` under .data/postgres.

import { applyDataMigrations } from './lib/dataMigrations.js';
import { withDatabase } from './lib/devDatabase.js';
import { generatePrismaClient, migrate } from './lib/prismaCli.js';

const [command = 'deploy', ...rest] = process.argv.slice(2);

if (command === 'generate') {
  await generatePrismaClient();
} else {
  await withDatabase(async (databaseUrl) => {
    await migrate([command, ...rest], databaseUrl);
    if (command === 'dev') await generatePrismaClient();
    // What SQL cannot do: seal plaintext webhook secrets with SECRET_KEYS (scripts/lib/dataMigrations.ts).
    if (command === 'deploy' || command === 'dev') {
      const { resealed } = await applyDataMigrations(databaseUrl);
      if (resealed > 0) console.log(`Sealed ${resealed} webhook signing secret(s) with the active SECRET_KEYS key.`);
    }
  }).catch((err: Error & { exitCode?: number }) => {
    if (!err.exitCode) console.error(err.message);
    process.exit(err.exitCode ?? 1);
  });
}
