// The Temporal Server on PostgreSQL: the shape docker-compose.yml runs (temporalio/auto-setup on Postgres), without
// Docker, from the binaries the tools step builds (`temporal-server`, scripts/lib/ensureTools.ts). Given a Postgres
// URL (a role that may create databases), it
//   1. creates the two databases Temporal keeps beside ours (default `temporal` and `temporal_visibility`),
//   2. sets up and updates their schemas with temporal-sql-tool (the versioned schemas are embedded in the tool;
//      a second start finds them current and changes nothing),
//   3. writes the server's config and dynamic config into `stateDir` and starts the server (all four services in one
//      process) with its frontend on `port` and everything else on free ports,
//   4. waits until the frontend answers, registers the namespace (the server creates none by itself), waits until
//      matching and history answer too, registers the platform's search attributes and waits until they are listed.
// stop() ends the server with SIGTERM (it drains and exits; SIGKILL after a grace period).
import { type ChildProcess, execFile as execFileCb, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { SEARCH_ATTRIBUTES } from '../../temporal/searchAttributes.js';
import { freePort } from './freePort.js';
import { registerSearchAttributes } from './searchAttributeRegistration.js';
import { stopChild, waitForTemporal } from './temporalDevServer.js';

const execFile = promisify(execFileCb);

/**
 * History shards of the cluster. Fixed when its databases are first set up: the server refuses to start on databases
 * set up with another number, so changing it means new databases. 4 is what temporalio/auto-setup uses unless told
 * (docker-compose.yml says so explicitly, and test/deploy/dockerCompose.test.ts holds the two together), so both
 * shapes partition work the same way. It suits one host with 2 cores: every shard runs its own queue processors and
 * polls Postgres, so hundreds of shards (what a multi-host production cluster would choose before its first start)
 * would spend the CPU the workers need.
 */
export const HISTORY_SHARDS = 4;

/** How long finished workflow histories are kept: auto-setup's default for the namespace it registers. */
const RETENTION = '24h';

export interface PostgresTemporalOptions {
  /** `temporal-server` from the tools step; temporal-sql-tool is beside it. */
  server: string;
  /** Postgres as a role that may create databases (the platform's DATABASE_URL on the local clusters). */
  databaseUrl: string;
  /** The frontend's gRPC port. */
  port: number;
  /** Config, dynamic config and (unless logFile) the server's log go here. */
  stateDir: string;
  namespace?: string;
  /** Database names; distinct names let several clusters share one Postgres (tests). */
  databases?: { main: string; visibility: string };
  logFile?: string;
  /** How long the whole start may take (schemas, server, namespace). Default 120 s. */
  startTimeoutMs?: number;
}

export interface PostgresTemporal {
  address: string;
  child: ChildProcess;
  /** How long the start took, in ms: schemas, server until the frontend answered, namespace and readiness. */
  timings: { schemaMs: number; serverMs: number; namespaceMs: number };
  stop(): Promise<void>;
}

interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

function pgTarget(databaseUrl: string): PgTarget {
  const c = parseConnectionString(databaseUrl);
  if (!c.host || c.host.startsWith('/')) {
    throw new Error('the Temporal Server needs Postgres over TCP: give DATABASE_URL with a host name or address');
  }
  return { host: c.host, port: Number(c.port ?? 5432), user: c.user ?? 'postgres', password: c.password ?? '' };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates the databases that do not exist yet. Returns, per database, whether its schema was ever set up. */
async function ensureDatabases(databaseUrl: string, names: string[]): Promise<Map<string, boolean>> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const setUp = new Map<string, boolean>();
  try {
    for (const name of names) {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      const db = new pg.Client({ connectionString: databaseUrlOf(databaseUrl, name) });
      await db.connect();
      try {
        const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('public.schema_version') AS t`);
        setUp.set(name, rows[0]?.t != null);
      } finally {
        await db.end();
      }
    }
  } finally {
    await admin.end();
  }
  return setUp;
}

function databaseUrlOf(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Forgets the hosts an earlier run of the server recorded. The services find each other (ringpop) through this
 * table, and on free ports a stopped or killed run's entries name ports nobody listens on: a service that tries to
 * join them first stays out of the ring for many seconds ("Not enough hosts to serve the request"). This shape runs
 * the cluster's only host, started next, so nothing current is lost.
 */
async function forgetEarlierHosts(databaseUrl: string, database: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrlOf(databaseUrl, database) });
  await db.connect();
  try {
    await db.query('DELETE FROM cluster_membership');
  } finally {
    await db.end();
  }
}

async function sqlTool(tool: string, target: PgTarget, database: string, args: string[]): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', target.host, '--port', String(target.port), '--db', database];
  try {
    // The password goes by environment, not argv (a process list shows argv).
    await execFile(tool, [...base, '--user', target.user, ...args], {
      env: { ...process.env, SQL_PASSWORD: target.password },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`temporal-sql-tool ${args.join(' ')} on ${database} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/**
 * First time: the version table (`setup-schema -v 0.0`, which would reset the recorded version if run again), then
 * every time: `update-schema`, which applies only the versions the database does not have yet.
 */
async function ensureSchemas(server: string, databaseUrl: string, dbs: { main: string; visibility: string }) {
  const tool = path.join(path.dirname(server), 'temporal-sql-tool');
  const target = pgTarget(databaseUrl);
  const setUp = await ensureDatabases(databaseUrl, [dbs.main, dbs.visibility]);
  for (const [database, schema] of [
    [dbs.main, 'postgresql/v12/temporal'],
    [dbs.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    if (!setUp.get(database)) await sqlTool(tool, target, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(tool, target, database, ['update-schema', '--schema-name', schema]);
  }
}

const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
type Service = (typeof SERVICES)[number];
/** Each service's gRPC port and ringpop membership port. */
type Ports = Record<Service, { grpc: number; membership: number }>;

/** The frontend on `frontendPort`, every other port free (the frontend's is the only one clients need). */
async function servicePorts(frontendPort: number): Promise<Ports> {
  const ports = {} as Ports;
  for (const service of SERVICES) {
    ports[service] = { grpc: service === 'frontend' ? frontendPort : await freePort(), membership: await freePort() };
  }
  return ports;
}

function datastore(target: PgTarget, database: string, maxConns: number): string {
  return `      sql:
        pluginName: postgres12
        databaseName: ${JSON.stringify(database)}
        connectAddr: ${JSON.stringify(`${target.host}:${target.port}`)}
        connectProtocol: tcp
        user: ${JSON.stringify(target.user)}
        password: ${JSON.stringify(target.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
}

/**
 * The server's static config, after the server's own config/development-postgres12.yaml: no archival, no metrics or
 * pprof listeners, every service bound to 127.0.0.1. Each of the four services holds its own connection pools, so
 * maxConns is per service: 4 x (10 + 2) connections at most, well inside the local clusters' 200.
 */
function serverConfig(target: PgTarget, dbs: { main: string; visibility: string }, ports: Ports, dyn: string) {
  const service = (name: Service) => `  ${name}:
    rpc:
      grpcPort: ${ports[name].grpc}
      membershipPort: ${ports[name].membership}
      bindOnLocalHost: true`;
  return `# Written by scripts/lib/temporalPostgresServer.ts at every start; edits are overwritten.
log:
  stdout: true
  level: warn

persistence:
  numHistoryShards: ${HISTORY_SHARDS}
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  datastores:
    postgres-default:
${datastore(target, dbs.main, 10)}
    postgres-visibility:
${datastore(target, dbs.visibility, 2)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1

services:
${SERVICES.map(service).join('\n')}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend.grpc}

dcRedirectionPolicy:
  policy: noop

dynamicConfigClient:
  filepath: ${JSON.stringify(dyn)}
  pollInterval: 10s
`;
}

/**
 * Dynamic config: what the platform relies on, written down rather than left to the defaults of this server version
 * (Update and Update-with-Start: the subscription routes; both are on by default in 1.29). The server reads the file
 * again every 10 s, so a value can be tried on a running server (it is rewritten at the next start).
 */
const DYNAMIC_CONFIG = `# Written by scripts/lib/temporalPostgresServer.ts at every start; edits are overwritten.
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
# Nexus needs the frontend's HTTP port, which this shape does not open; the platform uses no Nexus.
system.enableNexus:
  - value: false
`;

/** Retries `fn` while the cluster is still forming (the frontend answers before history owns its shards). */
async function retrying<T>(what: string, deadline: number, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const NOT_FOUND = 5; // gRPC status

/**
 * Registers `namespace` unless it exists, waits until matching and history answer, registers the search attributes;
 * returns once the frontend serves all of it.
 */
async function ensureNamespace(address: string, namespace: string, deadline: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    await retrying(`registering namespace ${namespace}`, deadline, async () => {
      try {
        await service.describeNamespace({ namespace });
      } catch (err) {
        if ((err as { code?: number }).code !== NOT_FOUND) throw err;
        await service.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(RETENTION),
        });
        await service.describeNamespace({ namespace });
      }
    });
    // The frontend answers before matching and history have joined the ring; a worker polling then gets errors.
    await retrying('waiting for matching and history', deadline, async () => {
      await service.describeTaskQueue({ namespace, taskQueue: { name: 'temporal-postgres-readiness' } });
      try {
        await service.describeWorkflowExecution({
          namespace,
          execution: { workflowId: 'temporal-postgres-readiness' },
        });
      } catch (err) {
        if ((err as { code?: number }).code !== NOT_FOUND) throw err; // history answered: no such workflow
      }
    });
    await retrying('registering search attributes', deadline, () => registerSearchAttributes(address, namespace));
    // The frontend reads search attributes through a cache; a workflow started with them before it refreshes would be
    // refused, so this waits until the frontend lists them.
    await retrying('waiting for the search attributes', deadline, async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.keys(SEARCH_ATTRIBUTES).filter((n) => !(n in (customAttributes ?? {})));
      if (missing.length > 0) throw new Error(`not listed yet: ${missing.join(', ')}`);
    });
    // Listed is not yet usable: a start that sets them is checked against the namespace's mapping of attributes to
    // visibility columns, which reaches the frontend through its namespace cache seconds later ("Namespace default
    // has no mapping defined for search attribute OrganizationId"). So: a start that sets every one of them, on a
    // task queue nobody polls, must be taken; it is terminated at once.
    const client = new Client({ connection, namespace });
    await retrying('waiting for the search attributes to be usable', deadline, async () => {
      const handle = await client.workflow.start('searchAttributeReadiness', {
        taskQueue: 'temporal-postgres-readiness',
        workflowId: `temporal-postgres-readiness-${randomUUID()}`,
        searchAttributes: Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, ['readiness']])),
      });
      await handle.terminate('readiness probe');
    });
  } finally {
    await connection.close();
  }
}

export async function startTemporalPostgresServer(opts: PostgresTemporalOptions): Promise<PostgresTemporal> {
  const namespace = opts.namespace ?? 'default';
  const dbs = opts.databases ?? { main: 'temporal', visibility: 'temporal_visibility' };
  const address = `127.0.0.1:${opts.port}`;
  const configDir = path.join(opts.stateDir, 'config');
  const logFile = opts.logFile ?? path.join(opts.stateDir, 'temporal-server.log');
  const started = Date.now();
  const deadline = started + (opts.startTimeoutMs ?? 120_000);

  await ensureSchemas(opts.server, opts.databaseUrl, dbs);
  await forgetEarlierHosts(opts.databaseUrl, dbs.main);
  const schemaDone = Date.now();

  await mkdir(configDir, { recursive: true });
  const dynamicConfig = path.join(configDir, 'dynamicconfig.yaml');
  await writeFile(dynamicConfig, DYNAMIC_CONFIG);
  const ports = await servicePorts(opts.port);
  // `--env postgres` reads config/postgres.yaml under --root.
  await writeFile(
    path.join(configDir, 'postgres.yaml'),
    serverConfig(pgTarget(opts.databaseUrl), dbs, ports, dynamicConfig),
    { mode: 0o600 }, // it holds the database password
  );
  const out = openSync(logFile, 'a');
  const child = spawn(
    opts.server,
    ['--root', opts.stateDir, '--config', 'config', '--env', 'postgres', '--allow-no-auth', 'start'],
    { stdio: ['ignore', out, out] },
  );
  try {
    await waitForTemporal(address, Math.max(deadline - Date.now(), 1_000), child).catch((err: Error) => {
      throw new Error(`${err.message.replace('dev server', 'Server')} (its log: ${logFile})`);
    });
    const serverDone = Date.now();
    await ensureNamespace(address, namespace, deadline);
    return {
      address,
      child,
      timings: {
        schemaMs: schemaDone - started,
        serverMs: serverDone - schemaDone,
        namespaceMs: Date.now() - serverDone,
      },
      stop: () => stopChild(child, 30_000),
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** Drops Temporal's databases (a stopped server's): a benchmark or a test starts from an empty cluster. */
export async function dropTemporalDatabases(
  databaseUrl: string,
  dbs: { main: string; visibility: string },
): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const name of [dbs.main, dbs.visibility]) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
}
