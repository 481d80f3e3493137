// One page of a list, by cursor: rows with ids after `startingAfter` (UUIDv7 ids sort in creation order), one more
// than asked so the caller knows whether another page follows. A foreign or unknown cursor just yields what follows it.
export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

/** Merge `where` into the query's own filter (`AND`), and spread the rest into findMany. */
export function pageArgs(req: PageRequest) {
  return {
    where: req.startingAfter ? { id: { gt: req.startingAfter } } : {},
    take: req.limit + 1,
    orderBy: { id: 'asc' as const },
  };
}

export function toPage<T>(rows: T[], req: PageRequest): Page<T> {
  const hasMore = rows.length > req.limit;
  return { items: hasMore ? rows.slice(0, req.limit) : rows, hasMore };
}
