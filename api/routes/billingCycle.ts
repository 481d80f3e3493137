// Messages to an entity's billing cycle (billing:<entityId>): close the open period now, change the anchor day.
// Neither restarts the workflow.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { findEntityInOrganization } from '../../activities/entities.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import {
  BILLING_PERIOD_CLOSING,
  changeAnchorDayUpdate,
  closeNowSignal,
} from '../../workflows/entityBillingWorkflow.js';
import { type AuthEnv, requireScope } from '../auth.js';
import { apiRoute, idParam, json, jsonBody } from '../openapiKit.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Entities'];
const Params = idParam('entityId');

const closeNow = apiRoute({
  method: 'post',
  path: '/api/entities/{entityId}/billing-workflow/close-now',
  tags,
  summary: 'Close the open billing period now (invoice and collection follow)',
  middleware: [requireScope('admin')] as const,
  request: { params: Params },
  responses: {
    202: json(z.object({ workflowId: z.string(), accepted: z.literal(true) }).openapi('CloseNowAccepted'), 'Signalled'),
  },
});

const anchor = apiRoute({
  method: 'post',
  path: '/api/entities/{entityId}/billing-workflow/anchor-day',
  tags,
  summary: 'Change the billing anchor day; the open period ends at the first new boundary',
  middleware: [requireScope('admin')] as const,
  request: {
    params: Params,
    body: jsonBody(z.object({ anchorDay: z.number().int().min(1).max(31) }).openapi('AnchorDayChange')),
  },
  responses: {
    200: json(z.object({ anchorDay: z.number().int(), periodEnd: z.string() }).openapi('AnchorDayChanged'), 'Changed'),
  },
});

/**
 * The update met a run that was ending: refused because its period is closing, or the run finished (continued as
 * new) before the update was delivered or completed. Sent again, it reaches the next run.
 */
function isRunEnding(err: unknown): boolean {
  for (let e = err as { message?: unknown; type?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type === BILLING_PERIOD_CLOSING) return true;
    const message = typeof e.message === 'string' ? e.message.toLowerCase() : '';
    if (
      message.includes('workflow execution already completed') ||
      message.includes('workflow completed before the update completed') ||
      message.includes('workflow update was aborted')
    )
      return true;
  }
  return false;
}

export function billingCycleRoutes(deps: RouteDeps) {
  const handleFor = async (organizationId: string, entityId: string) => {
    const entity = await findEntityInOrganization(deps.db, organizationId, entityId);
    if (!entity) throw notFound('entity');
    return deps.temporal.workflow.getHandle(billingWorkflowId(entity.id));
  };
  const notRunning = (err: unknown) => {
    if (err instanceof WorkflowNotFoundError) {
      return new ProblemError(409, 'BILLING_WORKFLOW_NOT_RUNNING', 'Conflict', 'start the billing workflow first');
    }
    return err;
  };
  return new OpenAPIHono<AuthEnv>()
    .openapi(closeNow, async (c) => {
      const handle = await handleFor(c.var.auth.organizationId, c.req.valid('param').entityId);
      await handle.signal(closeNowSignal).catch((err) => {
        throw notRunning(err);
      });
      return c.json({ workflowId: handle.workflowId, accepted: true as const }, 202);
    })
    .openapi(anchor, async (c) => {
      const handle = await handleFor(c.var.auth.organizationId, c.req.valid('param').entityId);
      const args = [{ anchorDay: c.req.valid('json').anchorDay }] as [{ anchorDay: number }];
      // An update that arrives while a period is closing is refused by the workflow (BillingPeriodClosing); one that
      // races the continue-as-new fails with the run ("workflow execution already completed", "workflow update was
      // aborted"). The handle follows the workflow id, so sending it again reaches the new run (Temporal's advice
      // for updates across continue-as-new).
      for (let attempt = 1; ; attempt++) {
        try {
          return c.json(await handle.executeUpdate(changeAnchorDayUpdate, { args }), 200);
        } catch (err) {
          if (!isRunEnding(err)) throw notRunning(err);
          if (attempt >= 5) {
            throw new ProblemError(
              409,
              'BILLING_WORKFLOW_NOT_RUNNING',
              'Conflict',
              'the billing workflow is not accepting changes; retry shortly',
            );
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    });
}
