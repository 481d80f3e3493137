// The `retention` Schedule on the Temporal dev server: created once (again is a no-op), daily, starting the retention
// workflow; and the workflow it starts, run on the dev server for one organization, archives what expired.
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureRetentionSchedule, retentionScheduleAction } from '../../../temporal/retentionSchedule.js';
import { RETENTION_SCHEDULE_ID } from '../../../temporal/workflowIds.js';
import { createBillingWorker } from '../../../worker/createWorker.js';
import { createTenant } from '../../support/factories.js';
import { archiveDirForFile } from '../../support/retentionTesting.js';
import { apiTestContext } from '../../support/testContext.js';

const ctx = apiTestContext('retention-schedule');
const archive = archiveDirForFile('schedule');

afterAll(async () => {
  await ctx.client?.schedule
    .getHandle(RETENTION_SCHEDULE_ID)
    .delete()
    .catch(() => {});
});

describe('the retention Schedule', () => {
  it('is created once, runs daily at 03:30 UTC, one run at a time, starting retentionWorkflow', async () => {
    expect(await ensureRetentionSchedule(ctx.client, ctx.taskQueue)).toBe(true);
    expect(await ensureRetentionSchedule(ctx.client, ctx.taskQueue)).toBe(false);
    const description = await ctx.client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
    expect(description.spec.calendars).toMatchObject([
      { hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] },
    ]);
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      workflowId: 'retention-run',
      taskQueue: ctx.taskQueue,
      args: [{}],
    });
  });

  it("runs the schedule's workflow on the dev server: an organization's expired audit rows are archived", async () => {
    const t = await createTenant(ctx.db);
    const old = new Date(Date.now() - 3000 * 86_400_000);
    await ctx.db.auditLog.createMany({
      data: [1, 2, 3].map((n) => ({
        organizationId: t.organizationId,
        actorType: 'system',
        action: `test.old.${n}`,
        targetType: 'test',
        createdAt: old,
      })),
    });
    // The billing worker, writing to this file's archive directory.
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createBillingWorker({
      connection,
      namespace: 'default',
      taskQueue: ctx.taskQueue,
      db: ctx.db,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activityDeps: { archiveDir: archive.dir },
    });
    const action = retentionScheduleAction(ctx.taskQueue);
    const result = await worker.runUntil(
      ctx.client.workflow.execute(action.workflowType, {
        workflowId: `${action.workflowId}-${randomUUID()}`,
        taskQueue: action.taskQueue,
        args: [{ organizationIds: [t.organizationId] }],
      }),
    );
    await connection.close();
    expect(result).toMatchObject({ organizations: 1, archived: 3, deleted: 3, kept: 0 });
    expect(
      await ctx.db.auditLog.count({ where: { organizationId: t.organizationId, action: { startsWith: 'test.old' } } }),
    ).toBe(0);
    expect(await ctx.db.retentionArchive.count({ where: { organizationId: t.organizationId } })).toBe(1);
  });
});
