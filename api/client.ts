// A typed TypeScript client for the API (Hono RPC): request and response types flow from the same zod schemas that
// generate /openapi.json, so a client call that does not match the API fails to compile.
//
//   import { createApiClient } from './api/client.js';
//   const api = createApiClient('http://127.0.0.1:3000', process.env.API_KEY);
//   const res = await api.api.entities.$post({ json: { name: 'Acme US', currency: 'USD' } });
//   if (res.status === 201) console.log((await res.json()).billingWorkflowId);
//
// Path parameters go in `param`, query strings in `query`, bodies in `json`, headers (Idempotency-Key) in `header`.
import { hc } from 'hono/client';
import type { apiRoutes } from './routes/index.js';

/** The routes' types, from the chain createApp mounts: request and response schemas combine into one RPC type. */
export type AppType = ReturnType<typeof apiRoutes>;

export interface ApiClientOptions {
  /** e.g. to call an in-process app: `(input, init) => app.request(input, init)`. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export function createApiClient(baseUrl: string, apiKey?: string, options: ApiClientOptions = {}) {
  return hc<AppType>(baseUrl, {
    headers: { ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}), ...options.headers },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
