// Cursor pagination, one shape for every list: `limit` (1..100, default 20) and `cursor` (the `nextCursor` of the
// previous page), answered as {object: 'list', data, hasMore, nextCursor}. `starting_after`, the name the API took
// before, is a deprecated alias of `cursor`. The activity returns a Page; this shapes it for the wire.
import { z } from '@hono/zod-openapi';
import type { Page, PageRequest } from '../activities/pagination.js';
import { ProblemError } from './problem.js';

const Cursor = z.uuid();

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: Cursor.optional().openapi({
    description: "The previous page's nextCursor; leave out for the first page",
    example: '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70',
  }),
  starting_after: Cursor.optional().openapi({
    param: { deprecated: true },
    description: 'Deprecated alias of cursor (both given: they must be equal)',
  }),
});
export type ListQuery = z.infer<typeof ListQuery>;

/**
 * The page asked for. `cursor` and its deprecated alias naming two different places is 422 CURSOR_MISMATCH: each is
 * valid alone, so this is a rule between them (as IDEMPOTENCY_KEY_MISMATCH is for the two idempotency keys).
 */
export function pageRequest(q: ListQuery): PageRequest {
  if (q.cursor !== undefined && q.starting_after !== undefined && q.cursor !== q.starting_after) {
    throw new ProblemError(422, 'CURSOR_MISMATCH', 'Two different cursors', 'cursor and starting_after differ', [
      { path: 'starting_after', message: 'deprecated alias of cursor; differs from cursor' },
    ]);
  }
  return { limit: q.limit, startingAfter: q.cursor ?? q.starting_after };
}

export function listSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      object: z.literal('list'),
      data: z.array(item),
      hasMore: z.boolean(),
      nextCursor: z
        .string()
        .nullable()
        .openapi({ description: 'Pass as cursor for the next page; null on the last page' }),
    })
    .openapi(name);
}

/** The wire list; the cursor is each row's id unless the list is keyed otherwise (members' limits: the userId). */
export function listResponse<T, R>(
  page: Page<T>,
  present: (row: T) => R,
  cursorOf: (row: T) => string = (row) => (row as { id: string }).id,
) {
  const last = page.items.at(-1);
  return {
    object: 'list' as const,
    data: page.items.map(present),
    hasMore: page.hasMore,
    nextCursor: page.hasMore && last !== undefined ? cursorOf(last) : null,
  };
}
