// Keys of the secrets at rest (activities/secretsAtRest.ts):
//   npm run secrets:key [-- <id>]   prints a new SECRET_KEYS entry, `<id>:<base64 of 32 random bytes>`
//   npm run secrets:rotate          seals every webhook signing secret with the active (first) key of SECRET_KEYS,
//                                   as the tables' owner (DATABASE_URL, or the local cluster of `npm start`)
// Rotating: put the new entry first in SECRET_KEYS and keep the old one after it, restart the API and the workers,
// run `npm run secrets:rotate`, then drop the old entry and restart again. README.md, "Security".
import { closeDb, createDb } from '../activities/db.js';
import { generateSecretKey, secretKeyringFromEnv } from '../activities/secretsAtRest.js';
import { resealWebhookSecrets } from '../activities/webhookEndpoints/webhookSecrets.js';
import { withDatabase } from './lib/devDatabase.js';

const [command, id] = process.argv.slice(2);

if (command === 'key') {
  console.log(generateSecretKey(id));
} else if (command === 'rotate') {
  const ring = secretKeyringFromEnv();
  if (!process.env.SECRET_KEYS) console.warn('SECRET_KEYS is not set: sealing with the development key');
  const report = await withDatabase(async (url) => {
    const db = createDb(url, 2);
    try {
      return await resealWebhookSecrets(db, ring);
    } finally {
      await closeDb(db);
    }
  });
  console.log(
    `webhook signing secrets: ${report.resealed} sealed again with key ${ring.activeKeyId}, ${report.current} already were`,
  );
} else {
  console.error('usage: tsx scripts/secrets.ts key [<id>] | rotate');
  process.exit(2);
}
