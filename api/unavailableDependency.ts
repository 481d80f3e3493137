// Which of our own dependencies an error says is down: Postgres (restarting, refusing connections, connection cut) or
// the Temporal frontend (unreachable, or not answering in time). Such a failure is not the request's fault and passes
// once the dependency is back, so the API answers 503 SERVICE_UNAVAILABLE with Retry-After rather than 500 INTERNAL:
// clients retry 503 with the same Idempotency-Key, and ops can tell an outage from a bug.

/**
 * Node socket errors and SQLSTATEs that mean "the database is not there right now". Socket errors can only be the
 * database's here: the API's only other outbound connection is Temporal's, whose errors arrive as ServiceError.
 */
const DATABASE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01', // admin_shutdown: the server is stopping or restarting
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or recovering
  '08000',
  '08001',
  '08003',
  '08006', // connection exceptions
  'P1001', // Prisma: database not reachable
  'P1002', // Prisma: database timed out
  'P1017', // Prisma: server closed the connection
  'P2024', // Prisma: timed out waiting for a pool connection
  'P2028', // Prisma: transaction API error (the transaction could not start or its connection went away)
]);
const DATABASE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** @prisma/adapter-pg's error kinds for a connection that failed or went away (under `meta.driverAdapterError.cause`). */
const DATABASE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** gRPC status codes from the Temporal client: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED. */
const TEMPORAL_GRPC_CODES = new Set([14, 4]);

export type Dependency = 'database' | 'workflow engine';

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: ErrorShape;
  meta?: { driverAdapterError?: ErrorShape };
}

export function unavailableDependency(err: unknown): Dependency | undefined {
  const e = err as ErrorShape | null;
  if (!e || typeof e !== 'object') return undefined;
  if (e.name === 'ServiceError' && typeof e.cause?.code === 'number' && TEMPORAL_GRPC_CODES.has(e.cause.code)) {
    return 'workflow engine';
  }
  // The error itself (pg, Prisma), what it wraps, and what the Prisma driver adapter reports underneath.
  for (const layer of [e, e.cause, e.meta?.driverAdapterError, e.meta?.driverAdapterError?.cause]) {
    if (!layer) continue;
    if (typeof layer.code === 'string' && DATABASE_CODES.has(layer.code)) return 'database';
    if (typeof layer.kind === 'string' && DATABASE_ADAPTER_KINDS.has(layer.kind)) return 'database';
    if (typeof layer.message === 'string' && DATABASE_MESSAGES.test(layer.message)) return 'database';
  }
  return undefined;
}
