// The console's only data source: the public API, called server-side with the session's credential.
import { config } from './config';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(
  credential: string,
  path: string,
  init: { method?: string; body?: unknown; idempotencyKey?: string; timeoutMs?: number } = {},
): Promise<T> {
  const res = await fetch(`${config.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${credential}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.idempotencyKey ? { 'idempotency-key': init.idempotencyKey } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    cache: 'no-store',
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; title?: string };
    throw new ApiError(res.status, problem.code ?? 'UNKNOWN', problem.detail ?? problem.title ?? res.statusText);
  }
  return (await res.json()) as T;
}

export interface List<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** Every page of a list, up to `max` items (the console shows organizations of a few thousand entities at most). */
export async function listAll<T extends { id: string }>(credential: string, path: string, max = 1000): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  while (out.length < max) {
    const page = await api<List<T>>(credential, `${path}${sep}limit=100${after ? `&starting_after=${after}` : ''}`);
    out.push(...page.data);
    if (!page.hasMore || page.data.length === 0) break;
    after = page.data[page.data.length - 1]?.id;
  }
  return out;
}
