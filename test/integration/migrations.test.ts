// schema.prisma and prisma/migrations must describe the same database. The first test is the guard; the second
// proves the guard can fail, by drifting a copy of the schema.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrate, projectRoot } from '../../scripts/lib/prismaCli.js';

const tempDirs: string[] = [];
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function checkDrift(schemaPath: string): Promise<{ exitCode: number; output: string }> {
  const previous = process.env.PRISMA_SCHEMA;
  process.env.PRISMA_SCHEMA = schemaPath;
  try {
    const output = await migrate(['drift'], inject('databaseUrl'), { quiet: true });
    return { exitCode: 0, output };
  } catch (err) {
    const e = err as Error & { exitCode?: number };
    return { exitCode: e.exitCode ?? -1, output: e.message };
  } finally {
    if (previous === undefined) delete process.env.PRISMA_SCHEMA;
    else process.env.PRISMA_SCHEMA = previous;
  }
}

describe('prisma/schema.prisma vs prisma/migrations', () => {
  it('have not drifted apart (add a migration with `npm run db:migrate:dev -- --name <change>`)', async () => {
    const result = await checkDrift(path.join(projectRoot, 'prisma/schema.prisma'));
    expect(result.exitCode, result.output).toBe(0);
  });

  it('detects a schema change that has no migration', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'billing-drift-'));
    tempDirs.push(dir);
    const drifted = path.join(dir, 'schema.prisma');
    await copyFile(path.join(projectRoot, 'prisma/schema.prisma'), drifted);
    const schema = await readFile(drifted, 'utf8');
    await writeFile(drifted, schema.replace('model Team {\n', 'model Team {\n  color String?\n'));

    const result = await checkDrift(drifted);
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(/"color"/);
  });

  it('are applied to the test database with nothing pending', async () => {
    const status = JSON.parse(await migrate(['status'], inject('databaseUrl'), { quiet: true }));
    expect(status.history).toBeNull();
    expect(status.failedMigrationNames).toEqual([]);
    expect(status.editedMigrationNames).toEqual([]);
  });
});
