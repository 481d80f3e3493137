// Cursor pagination for every list (Stripe's convention): `limit` (1..100, default 20) and `starting_after`
// (the id of the last item of the previous page). The activity returns a Page; this shapes it for the wire.
import { z } from '@hono/zod-openapi';
import type { Page, PageRequest } from '../activities/pagination.js';

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  starting_after: z.uuid().optional().openapi({ description: 'Id of the last item of the previous page' }),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const pageRequest = (q: ListQuery): PageRequest => ({ limit: q.limit, startingAfter: q.starting_after });

export function listSchema<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      object: z.literal('list'),
      data: z.array(item),
      hasMore: z.boolean(),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as starting_after for the next page' }),
    })
    .openapi(name);
}

export function listResponse<T extends { id: string }, R>(page: Page<T>, present: (row: T) => R) {
  return {
    object: 'list' as const,
    data: page.items.map(present),
    hasMore: page.hasMore,
    nextCursor: page.hasMore ? (page.items.at(-1)?.id ?? null) : null,
  };
}
