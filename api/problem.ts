// RFC 9457 problem details. Every failure the API returns is one of these, with a stable machine `code` that
// clients branch on (the human `title`/`detail` may change; the code does not).

import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { problemTypeUrl } from './problemCatalog.js';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({
      format: 'uri-reference',
      description: 'The page about this code on this API (GET /problems/{code}), relative to the request URL',
      example: '/problems/NOT_FOUND',
    }),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: 'NOT_FOUND' }),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    conflicts: z
      .array(
        z.object({
          code: z.string().openapi({ example: 'PRICE_BOOK_CONFLICT' }),
          eventType: z.string().openapi({ example: 'project.posted' }),
          reason: z.enum(['priced_twice', 'wrong_currency', 'no_price']).openapi({
            description:
              'What resolving the event type would run into after the write: two active prices at one level, ' +
              "prices only in other currencies than the entity's (a new entity), or no price at all",
          }),
          priceBookIds: z.array(z.string()).openapi({ description: 'The book in use, or the books that conflict' }),
          entityIds: z.array(z.string()).openapi({ description: 'Affected entities (at most 100 listed)' }),
          entityCount: z.number().int(),
        }),
      )
      .optional()
      .openapi({
        description:
          'PRICE_BOOK_CONFLICT, PRICE_BOOK_IN_USE, ENTITY_CURRENCY_NOT_PRICED: each event type the refused write ' +
          'would have left unpriceable, and for whom',
      }),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: Problem['errors'],
    readonly conflicts?: Problem['conflicts'],
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string) => new ProblemError(404, 'NOT_FOUND', 'Not found', `${what} not found`);

export function problemResponse(c: Context, p: ProblemError): Response {
  const body: Problem = {
    type: problemTypeUrl(p.code),
    title: p.title,
    status: p.status,
    code: p.code,
    ...(p.detail ? { detail: p.detail } : {}),
    instance: c.req.path,
    ...(p.errors ? { errors: p.errors } : {}),
    ...(p.conflicts ? { conflicts: p.conflicts } : {}),
  };
  return c.json(body, p.status, { 'Content-Type': 'application/problem+json' });
}
