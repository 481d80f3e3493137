// Prisma Migrate and client generation that work with no route to Prisma's binary host.
// - Migrations run through scripts/prisma-offline/migrate.mjs (Prisma's own schema engine compiled to WebAssembly).
//   The migrations folder is the standard one, so `npx prisma migrate deploy` works too where the native engine is.
// - `prisma generate` needs no engine but refuses to start without one; any existing file satisfies it.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(import.meta.dirname, '../..');
const offlineMigrate = path.join(projectRoot, 'scripts/prisma-offline/migrate.mjs');
const prismaCli = path.join(projectRoot, 'node_modules/prisma/build/index.js');

function runNode(args: string[], env: NodeJS.ProcessEnv, quiet: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      if (!quiet) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      if (!quiet) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(output);
      else {
        const err = new Error(`node ${args.join(' ')} exited with ${code}:\n${output}`) as Error & { exitCode: number };
        err.exitCode = code ?? 1;
        reject(err);
      }
    });
  });
}

export function migrate(
  command: string[],
  databaseUrl: string,
  opts: { quiet?: boolean; shadowDatabaseUrl?: string } = {},
): Promise<string> {
  const env: NodeJS.ProcessEnv = { DATABASE_URL: databaseUrl };
  if (opts.shadowDatabaseUrl) env.SHADOW_DATABASE_URL = opts.shadowDatabaseUrl;
  return runNode([offlineMigrate, ...command], env, opts.quiet ?? false);
}

/** The SQL migrations, then the data steps that need application code (dataMigrations.ts). */
export async function applyMigrations(databaseUrl: string, quiet = true): Promise<void> {
  await migrate(['deploy'], databaseUrl, { quiet });
  const { applyDataMigrations } = await import('./dataMigrations.js');
  const { resealed } = await applyDataMigrations(databaseUrl);
  if (resealed > 0 && !quiet)
    console.log(`sealed ${resealed} webhook signing secret(s) with the active SECRET_KEYS key`);
}

const schemaFile = path.join(projectRoot, 'prisma/schema.prisma');
const generatedMarker = path.join(projectRoot, 'prisma/generated/client.ts');

/** Generates the Prisma client when it is missing or older than the schema. */
export async function ensurePrismaClient(quiet = true): Promise<void> {
  if (existsSync(generatedMarker) && statSync(generatedMarker).mtimeMs >= statSync(schemaFile).mtimeMs) return;
  await generatePrismaClient(quiet);
}

export async function generatePrismaClient(quiet = false): Promise<void> {
  const engine = process.platform === 'win32' ? process.execPath : '/bin/false';
  await runNode([prismaCli, 'generate'], { PRISMA_SCHEMA_ENGINE_BINARY: engine, DATABASE_URL: '' }, quiet);
}
