// A local PostgreSQL cluster from the machine's own PostgreSQL binaries, for `npm start` (persistent, under .data/)
// and `npm test` (throwaway, in a temp dir). Used only when DATABASE_URL is not given.
//
// Postgres refuses to run as root, so when we are root every server command runs as the `postgres` system user
// (`runuser -u postgres`), which then owns the data directory.
import { execFile as execFileCb } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFile = promisify(execFileCb);

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Trade durability for speed (fsync off): for throwaway test clusters only. */
  ephemeral?: boolean;
}

export interface LocalPostgres {
  url: string;
  /** True when this call started the server (and so should stop it). */
  started: boolean;
  stop(): Promise<void>;
}

/** Finds initdb/pg_ctl: $PG_BIN, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin. */
export function findPostgresBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(dir);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(debianRoot, v, 'bin'));
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'pg_ctl')) && existsSync(path.join(dir, 'initdb')));
}

const runningAsRoot = () => process.getuid?.() === 0;

async function run(binDir: string, tool: string, args: string[]): Promise<string> {
  const exe = path.join(binDir, tool);
  const [cmd, argv] = runningAsRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  try {
    const { stdout } = await execFile(cmd, argv, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

async function ownDirForServer(dir: string): Promise<void> {
  // Only the data directory itself is private: the server user must be able to traverse its parents.
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (runningAsRoot()) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await execFile('id', ['-u', 'postgres']).catch(() => {
    throw new Error('running as root needs a "postgres" system user to run the database server (or set DATABASE_URL)');
  });
  const { stdout: gid } = await execFile('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function isRunning(binDir: string, dataDir: string): Promise<boolean> {
  try {
    await run(binDir, 'pg_ctl', ['-D', dataDir, 'status']);
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new Error(
      'No PostgreSQL server binaries found (looked in $PG_BIN, PATH and /usr/lib/postgresql/*/bin). ' +
        'Install PostgreSQL (e.g. `apt-get install postgresql`, `brew install postgresql@16`), ' +
        'or point DATABASE_URL at a running server, or use `docker compose up`.',
    );
  }
  const dataDir = path.resolve(opts.dataDir);
  const adminUrl = `postgresql://postgres@127.0.0.1:${opts.port}/postgres`;
  const url = `postgresql://postgres@127.0.0.1:${opts.port}/${opts.database}`;

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await ownDirForServer(dataDir);
    // Local only: trust on loopback, no password to manage. Never expose this cluster beyond 127.0.0.1.
    await run(binDir, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C']);
    const tuning = opts.ephemeral
      ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']
      : ['synchronous_commit = on'];
    const conf = [
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = ''`,
      'max_connections = 200',
      'shared_buffers = 256MB',
      ...tuning,
    ].join('\n');
    await writeFile(path.join(dataDir, 'postgresql.auto.conf'), `${conf}\n`);
    if (runningAsRoot()) {
      const { uid, gid } = await postgresIds();
      await chown(path.join(dataDir, 'postgresql.auto.conf'), uid, gid);
    }
  }

  let started = false;
  if (!(await isRunning(binDir, dataDir))) {
    await run(binDir, 'pg_ctl', [
      '-D',
      dataDir,
      '-o',
      `-p ${opts.port}`,
      '-l',
      path.join(dataDir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
    started = true;
  }
  await ensureDatabase(adminUrl, opts.database);

  return {
    url,
    started,
    async stop() {
      if (await isRunning(binDir, dataDir)) await run(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
  };
}
