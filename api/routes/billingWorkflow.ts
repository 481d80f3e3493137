// The entity's billing workflow (billing:<entityId>): start it (idempotent: a second start returns the running run),
// read its state, and send it messages: close the open period now, change the anchor day (neither restarts it).
// Entity creation starts it too; the start route lets ops (re)attach a workflow to an entity.

import { OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Context } from 'hono';
import { recordAuditNow } from '../../activities/auditLog.js';
import type { Db } from '../../activities/db.js';
import { findEntityInOrganization } from '../../activities/entities.js';
import { billingWorkflowId } from '../../temporal/workflowIds.js';
import { startEntityBillingWorkflow } from '../../temporal/workflowStarts.js';
import {
  BILLING_PERIOD_CLOSING,
  billingStateQuery,
  changeAnchorDayUpdate,
  closeNowSignal,
} from '../../workflows/entityBillingWorkflow.js';
import { type AuthEnv, actorOf, requireScope } from '../auth.js';
import { apiRoute, idParam, json, jsonBody } from '../openapiKit.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteDeps } from '../routeDeps.js';

const tags = ['Entities'];
const Params = idParam('entityId');

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

const startRoute = apiRoute({
  method: 'post',
  path: '/api/entities/{entityId}/billing-workflow',
  tags,
  summary: "Start the entity's billing workflow (idempotent)",
  middleware: [requireScope('admin')] as const,
  request: { params: Params },
  responses: { 202: json(WorkflowRef, 'Running') },
});

const readRoute = apiRoute({
  method: 'get',
  path: '/api/entities/{entityId}/billing-workflow',
  tags,
  summary: "The entity's billing workflow and its current period",
  middleware: [requireScope('read')] as const,
  request: { params: Params },
  responses: { 200: json(BillingWorkflowStatus, 'Workflow status') },
});

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
    body: jsonBody(z.strictObject({ anchorDay: z.number().int().min(1).max(31) }).openapi('AnchorDayChange')),
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

export function billingWorkflowRoutes(deps: RouteDeps) {
  const findEntity = async (db: Db, organizationId: string, entityId: string) => {
    const entity = await findEntityInOrganization(db, organizationId, entityId);
    if (!entity) throw notFound('entity');
    return entity;
  };
  const handleFor = async (db: Db, organizationId: string, entityId: string) =>
    deps.temporal.workflow.getHandle(billingWorkflowId((await findEntity(db, organizationId, entityId)).id));
  const notRunning = (err: unknown) => {
    if (err instanceof WorkflowNotFoundError) {
      return new ProblemError(409, 'BILLING_WORKFLOW_NOT_RUNNING', 'Conflict', 'start the billing workflow first');
    }
    return err;
  };
  // Recorded once Temporal has taken the message; the workflow makes the change (README, Audit).
  const audit = (c: Context<AuthEnv>, entityId: string, action: string, after: object) =>
    recordAuditNow(c.var.db, actorOf(c), {
      organizationId: c.var.auth.organizationId,
      action,
      targetType: 'entity',
      targetId: entityId,
      after,
    });
  return new OpenAPIHono<AuthEnv>()
    .openapi(startRoute, async (c) => {
      const entity = await findEntity(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId);
      const started = await startEntityBillingWorkflow(deps, entity);
      await audit(c, entity.id, 'billing_workflow.start', started);
      return c.json(started, 202);
    })
    .openapi(readRoute, async (c) => {
      const handle = await handleFor(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId);
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
    })
    .openapi(closeNow, async (c) => {
      const handle = await handleFor(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId);
      await handle.signal(closeNowSignal).catch((err) => {
        throw notRunning(err);
      });
      await audit(c, c.req.valid('param').entityId, 'billing_workflow.close_now', { workflowId: handle.workflowId });
      return c.json({ workflowId: handle.workflowId, accepted: true as const }, 202);
    })
    .openapi(anchor, async (c) => {
      const handle = await handleFor(c.var.db, c.var.auth.organizationId, c.req.valid('param').entityId);
      const args = [{ anchorDay: c.req.valid('json').anchorDay }] as [{ anchorDay: number }];
      // An update that arrives while a period is closing is refused by the workflow (BillingPeriodClosing); one that
      // races the continue-as-new fails with the run ("workflow execution already completed", "workflow update was
      // aborted"). The handle follows the workflow id, so sending it again reaches the new run (Temporal's advice
      // for updates across continue-as-new).
      for (let attempt = 1; ; attempt++) {
        let changed: { anchorDay: number; periodEnd: string };
        try {
          changed = await handle.executeUpdate(changeAnchorDayUpdate, { args });
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
          continue;
        }
        await audit(c, c.req.valid('param').entityId, 'entity.anchor_day_change', changed);
        return c.json(changed, 200);
      }
    });
}
