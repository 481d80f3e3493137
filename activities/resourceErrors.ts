// Errors the data layer throws for the API to map onto problem+json: each carries the stable `code` a client
// branches on. Activities never import api/; api/app.ts translates these (and Prisma's unique violations).

/** The resource does not exist for this caller (unknown id, another organization's id, or soft-deleted). */
export class ResourceNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

/**
 * What a refused write would have broken, item by item (e.g. each event type a price book change would leave
 * unpriced): rendered as the problem's `conflicts` member.
 */
export interface ConflictItem {
  code: string;
  eventType: string;
  reason: 'priced_twice' | 'wrong_currency' | 'no_price';
  priceBookIds: string[];
  /** Affected entities (at most 100 listed); entityCount has them all. */
  entityIds: string[];
  entityCount: number;
}

/** The request conflicts with the resource's current state (409). */
export class ResourceConflictError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly conflicts?: ConflictItem[],
  ) {
    super(message);
  }
}

/** The request is well-formed but refers to something unusable (422), e.g. a team of another entity. */
export class UnprocessableError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly conflicts?: ConflictItem[],
  ) {
    super(message);
  }
}
