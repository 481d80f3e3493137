// The migration steps SQL cannot do, run right after the SQL migrations by everything that migrates (applyMigrations,
// `npm run db:migrate`): sealing webhook signing secrets with SECRET_KEYS (activities/secretsAtRest.ts), the key
// being the environment's, never the database's. Idempotent: values already sealed with the active key stay as they
// are, so it costs one read of the endpoints per run.
export async function applyDataMigrations(databaseUrl: string): Promise<{ resealed: number }> {
  // Loaded here, not at the top: this module is imported before the Prisma client is generated on a fresh clone.
  const { closeDb, createDb } = await import('../../activities/db.js');
  const { secretKeyringFromEnv } = await import('../../activities/secretsAtRest.js');
  const { resealWebhookSecrets } = await import('../../activities/webhookEndpoints/webhookSecrets.js');
  const ring = secretKeyringFromEnv();
  const db = createDb(databaseUrl, 1);
  try {
    const { resealed } = await resealWebhookSecrets(db, ring);
    return { resealed };
  } finally {
    await closeDb(db);
  }
}
