// Helpers for API tests: one call shape for every request, and resources created through the API itself.
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import type { App } from '../../api/app.js';
import { bearer, createTenant } from './factories.js';

// biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field with exact values
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

// biome-ignore lint/suspicious/noExplicitAny: as above
export type Caller = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

/** Requests to `app` as the holder of `key` (no key: unauthenticated). */
export function caller(app: App, key?: string): Caller {
  return async (method, path, body, headers = {}) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(key ? bearer(key) : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (HTML rendering): keep the text
    }
    return { status: res.status, body: parsed as never, headers: res.headers };
  };
}

/**
 * A file's organization and another one (for isolation checks), with callers holding the first one's keys: what most
 * API test files set up in their beforeAll.
 */
export async function tenantsAndCallers(db: Parameters<typeof createTenant>[0], app: App) {
  const tenant = await createTenant(db);
  const other = await createTenant(db);
  return {
    tenant,
    other,
    admin: caller(app, tenant.adminKey),
    reader: caller(app, tenant.readKey),
    ingest: caller(app, tenant.ingestKey),
  };
}

/** Asserts a problem+json answer with the status and code. */
export function expectProblem(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toContain('application/problem+json');
}

export const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

export async function createEntityViaApi(call: Caller, overrides: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/entities', { name: 'Acme Test', currency: 'USD', ...overrides });
  expect(res.status).toBe(201);
  return res.body as { id: string; organizationId: string; currency: string };
}

export async function createUserViaApi(
  call: Caller,
  entityId: string,
  email: string,
  extra: Record<string, unknown> = {},
) {
  const res = await call('POST', '/api/users', {
    email,
    name: email.split('@')[0],
    membership: { entityId, ...extra },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; email: string; memberships: Array<{ id: string; entityId: string }> };
}

/** Terminates billing workflows that entity creation started (no worker runs them in these tests). */
export async function terminateBillingWorkflows(client: Client, entityIds: string[]) {
  await Promise.all(
    entityIds.map((id) =>
      client.workflow
        .getHandle(`billing:${id}`)
        .terminate('test done')
        .catch(() => {}),
    ),
  );
}

export const uniqueEmail = (prefix = 'user') => `${prefix}-${Math.random().toString(36).slice(2, 10)}@test.example`;

/**
 * An invoice as the billing workflow would have finalized it (the API only reads and transitions invoices):
 * a 3-seat fee of 12.00, 150 units of usage at 0.10 and 5.00 of credits applied: total 36.00 + 15.00 - 5.00 = 46.00.
 */
export async function createFinalizedInvoice(
  db: import('../../activities/db.js').Db,
  t: { organizationId: string; entityId: string },
  opts: {
    status?: 'draft' | 'open' | 'paid' | 'void';
    periodStart?: Date;
    number?: number | null;
    customerId?: string;
  } = {},
) {
  const periodStart = opts.periodStart ?? new Date(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 1e6) * 86_400_000);
  const periodEnd = new Date(periodStart.getTime() + 31 * 86_400_000);
  const number =
    opts.number === undefined
      ? (await db.invoice.count({ where: { organizationId: t.organizationId } })) + 1
      : opts.number;
  return db.invoice.create({
    data: {
      organizationId: t.organizationId,
      entityId: t.entityId,
      customerId: opts.customerId ?? null,
      number,
      status: opts.status ?? 'open',
      currency: 'USD',
      periodStart,
      periodEnd,
      subtotal: '51',
      creditsApplied: '5',
      total: '46',
      amountDue: '46',
      issuedAt: periodEnd,
      dueAt: new Date(periodEnd.getTime() + 14 * 86_400_000),
      lines: {
        create: [
          {
            position: 1,
            kind: 'subscription_fee',
            description: 'Pro seats',
            quantity: '3',
            unitAmount: '12',
            amount: '36',
          },
          {
            position: 2,
            kind: 'usage',
            description: 'project.posted <b>usage</b>',
            quantity: '150',
            unitAmount: '0.1',
            amount: '15',
          },
          { position: 3, kind: 'credits_applied', description: 'Credits applied', quantity: '1', amount: '-5' },
        ],
      },
    },
  });
}
