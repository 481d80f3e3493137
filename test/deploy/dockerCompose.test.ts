// docker-compose.yml cannot run on machines without a Docker engine (CI included), so its structure is checked
// here: the services, their images, ports, health checks and start order.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../scripts/lib/prismaCli.js';
import { HISTORY_SHARDS } from '../../scripts/lib/temporalPostgresServer.js';
import { TOOL_VERSIONS } from '../../scripts/lib/tools/toolDecision.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has the production services', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'release', 'temporal', 'temporal-ui', 'worker']);
  });

  it('uses official images for Postgres, the Temporal server and its UI, and our Dockerfile for the app', () => {
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(services.temporal?.image).toMatch(/^temporalio\/(auto-setup|server):/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    for (const name of ['api', 'worker', 'release']) expect(services[name]?.build).toBe('.');
    expect(existsSync(path.join(projectRoot, 'Dockerfile'))).toBe(true);
  });

  it('runs the Temporal server on the Postgres service', () => {
    const env = services.temporal?.environment ?? {};
    expect(env.DB).toMatch(/^postgres/);
    expect(env.POSTGRES_SEEDS).toBe('postgres');
    expect(services.temporal?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('runs the same Temporal Server as the Docker-less PostgreSQL shape: version and history shards', () => {
    expect(services.temporal?.image).toBe(`temporalio/auto-setup:${TOOL_VERSIONS['temporal-server']}`);
    expect(services.temporal?.environment?.NUM_HISTORY_SHARDS).toBe(String(HISTORY_SHARDS));
  });

  it('exposes the API on 3000, the Temporal UI on 8233 and the frontend on 7233', () => {
    expect(services.api?.ports).toContain('3000:3000');
    expect(services['temporal-ui']?.ports).toContain('8233:8080');
    expect(services.temporal?.ports).toContain('7233:7233');
  });

  it('gives every long-running service a health check', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api', 'worker']) {
      expect(services[name]?.healthcheck?.test, name).toBeDefined();
    }
  });

  it('starts workers and the API only after migrations and search attributes are in place', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name]?.depends_on?.release?.condition).toBe('service_completed_successfully');
      expect(services[name]?.depends_on?.temporal?.condition).toBe('service_healthy');
    }
    expect(services.release?.command).toEqual(['node', '--import', 'tsx', 'scripts/release.ts']);
    expect(services.release?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('points the app at the compose services and runs several workers', () => {
    for (const name of ['api', 'worker', 'release']) {
      expect(services[name]?.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(services[name]?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
      // The API and the workers connect as the application role (row-level security), with the password the release
      // step gives it.
      expect(services[name]?.environment?.APP_DATABASE_URL).toMatch(
        /^postgresql:\/\/billing_app:[^@]+@postgres:5432\//,
      );
      // Webhook signing secrets are sealed at rest with a key of the deployment's (activities/secretsAtRest.ts).
      expect(services[name]?.environment?.SECRET_KEYS).toMatch(/^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=$/);
    }
    expect(services.worker?.deploy?.replicas).toBeGreaterThan(1);
    expect(services.worker?.command).toEqual(['node', '--import', 'tsx', 'worker/main.ts']);
    expect(services.api?.command).toEqual(['node', '--import', 'tsx', 'api/main.ts']);
  });

  it('mounts a script that creates the Temporal databases', () => {
    const mount = (services.postgres as { volumes?: string[] }).volumes?.find((v) => v.includes('initdb.d'));
    const file = mount?.split(':')[0] ?? '';
    expect(existsSync(path.join(projectRoot, file))).toBe(true);
  });
});
