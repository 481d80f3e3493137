// Which Temporal `npm start` and the billing-run benchmark run when TEMPORAL_ADDRESS is not given (TEMPORAL_SHAPE):
//   dev        the Temporal CLI's dev server (SQLite, Web UI built in): the default, quick to start
//   postgres   the Temporal Server on PostgreSQL (scripts/lib/temporalPostgresServer.ts): the shape
//              docker-compose.yml runs, for measuring and trying what production runs
export type TemporalShape = 'dev' | 'postgres';

export const TEMPORAL_SHAPES: readonly TemporalShape[] = ['dev', 'postgres'];

export function temporalShape(env: NodeJS.ProcessEnv = process.env): TemporalShape {
  const value = env.TEMPORAL_SHAPE || 'dev';
  if ((TEMPORAL_SHAPES as readonly string[]).includes(value)) return value as TemporalShape;
  throw new Error(`TEMPORAL_SHAPE=${value} is not one of ${TEMPORAL_SHAPES.join(', ')}`);
}
