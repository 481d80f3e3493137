// GET /api/entities/{entityId}/recommendations: what the entity could change to pay less or avoid refused events,
// each with the numbers behind it (domain/recommendations.ts). Also part of the customer portal's overview.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  type EntityRecommendations,
  entityRecommendations,
} from '../../activities/recommendations/entityRecommendations.js';
import type { Recommendation } from '../../domain/recommendations.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, idParam, json, Timestamp } from '../openapiKit.js';
import type { RouteDeps } from '../routeDeps.js';

export const RecommendationSchema = z
  .object({
    kind: z.enum(['reduce_seats', 'buy_credit_package', 'user_near_limit', 'credits_expiring_unused']),
    subjectId: z.string().openapi({ description: 'The subscription, credit package, user or grant it is about' }),
    summary: z.string(),
    numbers: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .openapi({ description: 'The figures it was computed from; money as decimal strings', example: { reduceTo: 6 } }),
  })
  .openapi('Recommendation');

export const RecommendationsSchema = z
  .object({
    entityId: z.uuid(),
    currency: z.string(),
    asOf: Timestamp,
    recommendations: z.array(RecommendationSchema),
  })
  .openapi('Recommendations');

const subjectOf = (r: Recommendation) => {
  switch (r.kind) {
    case 'reduce_seats':
      return r.subscriptionId;
    case 'buy_credit_package':
      return r.packageId;
    case 'user_near_limit':
      return r.userId;
    case 'credits_expiring_unused':
      return r.grantId;
  }
};

export const presentRecommendations = (r: EntityRecommendations) => ({
  ...r,
  recommendations: r.recommendations.map((x) => ({
    kind: x.kind,
    subjectId: subjectOf(x),
    summary: x.summary,
    numbers: x.numbers as Record<string, string | number>,
  })),
});

const route = apiRoute({
  method: 'get',
  path: '/api/entities/{entityId}/recommendations',
  tags: ['Entities'],
  summary: 'Cost recommendations: unused seats, a cheaper credit package, members near their limit, expiring credits',
  middleware: [requireScope('read')],
  request: { params: idParam('entityId') },
  responses: { 200: json(RecommendationsSchema, 'Recommendations') },
});

export function recommendationRoutes(deps: RouteDeps) {
  return new OpenAPIHono<AuthEnv>().openapi(route, async (c) =>
    c.json(
      presentRecommendations(
        await entityRecommendations(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId),
      ),
      200,
    ),
  );
}
