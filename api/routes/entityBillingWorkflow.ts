// The entity's billing workflow (billing:<entityId>): start it (idempotent: a second start returns the running one)
// and read its state. Entity creation starts it too; this route lets ops (re)attach a workflow to an entity.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../activities/db.js';
import { findEntityInOrganization } from '../../activities/entities.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import { startEntityBillingWorkflow } from '../../temporal/workflowStarts.js';
import { billingStateQuery } from '../../workflows/entityBillingWorkflow.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { notFound, ProblemSchema } from '../problem.js';

const Params = z.object({ entityId: z.uuid().openapi({ param: { name: 'entityId', in: 'path' } }) });

const WorkflowRef = z
  .object({
    workflowId: z.string().openapi({ example: 'billing:0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70' }),
    runId: z.string(),
  })
  .openapi('WorkflowRef');

const BillingWorkflowStatus = WorkflowRef.extend({
  status: z.string().openapi({ example: 'RUNNING' }),
  state: z
    .object({
      entityId: z.string(),
      billingPeriodId: z.string().nullable(),
      periodStart: z.string().nullable(),
      periodEnd: z.string().nullable(),
      phase: z.enum(['opening', 'waiting_for_period_end', 'closing']),
    })
    .nullable(),
}).openapi('BillingWorkflowStatus');

const problems = {
  401: {
    description: 'Missing or invalid API key',
    content: { 'application/problem+json': { schema: ProblemSchema } },
  },
  403: { description: 'Missing scope', content: { 'application/problem+json': { schema: ProblemSchema } } },
  404: { description: 'Unknown entity', content: { 'application/problem+json': { schema: ProblemSchema } } },
  422: { description: 'Invalid input', content: { 'application/problem+json': { schema: ProblemSchema } } },
};

const startRoute = createRoute({
  method: 'post',
  path: '/api/entities/{entityId}/billing-workflow',
  tags: ['Entities'],
  summary: "Start the entity's billing workflow (idempotent)",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('admin'), idempotent] as const,
  request: { params: Params },
  responses: {
    202: { description: 'Running', content: { 'application/json': { schema: WorkflowRef } } },
    ...problems,
  },
});

const readRoute = createRoute({
  method: 'get',
  path: '/api/entities/{entityId}/billing-workflow',
  tags: ['Entities'],
  summary: "The entity's billing workflow and its current period",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope('read')] as const,
  request: { params: Params },
  responses: {
    200: { description: 'Workflow status', content: { 'application/json': { schema: BillingWorkflowStatus } } },
    ...problems,
  },
});

export function entityBillingWorkflowRoutes(deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean | undefined;
}) {
  const findEntity = async (organizationId: string, entityId: string) => {
    const entity = await findEntityInOrganization(deps.db, organizationId, entityId);
    if (!entity) throw notFound('entity');
    return entity;
  };

  return new OpenAPIHono<AuthEnv>()
    .openapi(startRoute, async (c) => {
      const entity = await findEntity(c.var.auth.organizationId, c.req.valid('param').entityId);
      const started = await startEntityBillingWorkflow(deps, entity);
      return c.json(started, 202);
    })
    .openapi(readRoute, async (c) => {
      const entity = await findEntity(c.var.auth.organizationId, c.req.valid('param').entityId);
      const handle = deps.temporal.workflow.getHandle(billingWorkflowId(entity.id));
      try {
        const description = await handle.describe();
        const running = description.status.name === 'RUNNING';
        const state = running ? await handle.query(billingStateQuery) : null;
        return c.json(
          { workflowId: description.workflowId, runId: description.runId, status: description.status.name, state },
          200,
        );
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound('billing workflow');
        throw err;
      }
    });
}
