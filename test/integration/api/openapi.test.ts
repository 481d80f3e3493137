// The OpenAPI document is valid OpenAPI 3.1, documents every route the app serves, and /docs renders it from local
// assets (no CDN). Also /ready.
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_CATALOG, WEBHOOK_EVENT_TYPES } from '../../../activities/webhooks/eventCatalog.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('api-openapi');
interface WebhookOperation {
  requestBody: {
    content: { 'application/json': { schema: { properties: Record<string, unknown> }; example: unknown } };
  };
}
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; tags?: string[] }>>;
  webhooks: Record<string, { post: WebhookOperation }>;
  components: { schemas: Record<string, unknown> };
};

beforeAll(async () => {
  const res = await ctx.app.request('/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as typeof doc;
});

// Served by the app but deliberately not API operations.
const UNDOCUMENTED = new Set(['/openapi.json', '/docs', '/docs/init.js', '/docs/assets/:file']);

const toOpenApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route the app serves, and nothing it does not', () => {
    const served = new Set(
      ctx.app.routes
        .filter((r) => r.method !== 'ALL' && !UNDOCUMENTED.has(r.path))
        .map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
    );
    expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
    expect(served.size).toBeGreaterThan(60);
  });

  it('every /api operation declares bearer auth and the problem responses', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        if (path.startsWith('/api/providers/')) {
          // Signed by the payment provider, no API key.
          expect({ op: `${method} ${path}`, security: op.security }).toEqual({ op: `${method} ${path}`, security: [] });
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '422', '500']));
          continue;
        }
        expect({ op: `${method} ${path}`, security: op.security }).toEqual({
          op: `${method} ${path}`,
          security: [{ bearerAuth: [] }],
        });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '422', '429', '500']));
        expect(op.tags?.length).toBeGreaterThan(0);
      }
    }
  });

  it('lists every webhook event type of the catalog under webhooks, with its payload schema and example', () => {
    expect(Object.keys(doc.webhooks)).toEqual(WEBHOOK_EVENT_TYPES);
    for (const type of WEBHOOK_EVENT_TYPES) {
      const body = doc.webhooks[type]!.post.requestBody.content['application/json'];
      expect(body.schema.properties.type).toEqual({ type: 'string', enum: [type] });
      expect(body.schema.properties.data).toEqual({ $ref: expect.stringMatching(/^#\/components\/schemas\/\w+Data$/) });
      expect(body.example).toEqual({
        id: expect.any(String),
        type,
        timestamp: expect.any(String),
        data: WEBHOOK_EVENT_CATALOG[type].example,
      });
    }
    expect(doc.components.schemas.SubscriptionEventData).toMatchObject({ type: 'object' });
  });

  it('marks the legacy endpoints deprecated', () => {
    const legacy = Object.entries(doc.paths).filter(([p]) => p === '/api/customers' || p.startsWith('/api/invoices'));
    expect(legacy.length).toBeGreaterThan(0);
    for (const [, ops] of legacy) {
      for (const op of Object.values(ops)) expect(op).toMatchObject({ deprecated: true, tags: ['Legacy'] });
    }
  });
});

describe('/docs', () => {
  it('serves Swagger UI from local assets, pointed at /openapi.json', async () => {
    const page = await ctx.app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(srcs.every((s) => s.startsWith('/docs/'))).toBe(true);
    for (const src of srcs) {
      const asset = await ctx.app.request(src);
      expect({ src, status: asset.status }).toEqual({ src, status: 200 });
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const init = await (await ctx.app.request('/docs/init.js')).text();
    expect(init).toContain("url: '/openapi.json'");
    expect((await ctx.app.request('/docs/assets/package.json')).status).toBe(404);
  });
});

describe('/ready', () => {
  it('is ready: database and Temporal reachable, every migration applied', async () => {
    const res = await ctx.app.request('/ready');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { status: string }>;
      pendingMigrations: string[];
    };
    expect(body.status).toBe('ready');
    expect(body.pendingMigrations).toEqual([]);
    expect(Object.values(body.checks).map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
  });
});
