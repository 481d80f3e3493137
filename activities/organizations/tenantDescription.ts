// Who a workflow works for, as its start describes it (temporal/workflowStarts.ts): the organization's and entity's
// names for the Temporal UI, and the entity's test clock with its time now, which the workflow then runs on. Names are
// cached briefly (they change rarely and are display only); the clock's time is read on every start, since an advance
// moves it.
import type { DescribeTenant, TenantDescription } from '../../temporal/workflowStarts.js';
import type { Db } from '../db.js';
import { tenantDb } from '../tenantDb.js';
import { TtlCache } from '../ttlCache.js';

const NAMES_TTL_MS = 60_000;

/** Reads as the tenant it describes (row-level security), whichever Db it was built with. */
export function createTenantDescriber(processDb: Db): DescribeTenant {
  const names = new TtlCache<{ organizationName: string; entityName?: string; testClockId: string | null }>(
    NAMES_TTL_MS,
  );
  return async (tenant): Promise<TenantDescription | null> => {
    const db = tenantDb(processDb, tenant.organizationId);
    const key = `${tenant.organizationId}:${tenant.entityId ?? ''}`;
    let found = names.get(key);
    if (!found) {
      if (tenant.entityId) {
        const entity = await db.entity.findFirst({
          where: { id: tenant.entityId, organizationId: tenant.organizationId },
          select: { name: true, testClockId: true, organization: { select: { name: true } } },
        });
        if (!entity) return null;
        found = {
          organizationName: entity.organization.name,
          entityName: entity.name,
          testClockId: entity.testClockId,
        };
      } else {
        const org = await db.organization.findUnique({
          where: { id: tenant.organizationId },
          select: { name: true },
        });
        if (!org) return null;
        found = { organizationName: org.name, testClockId: null };
      }
      names.set(key, found);
    }
    const { testClockId, ...shown } = found;
    if (!testClockId) return shown;
    const clock = await db.testClock.findUnique({ where: { id: testClockId }, select: { frozenTime: true } });
    return clock ? { ...shown, testClock: { id: testClockId, now: clock.frozenTime.toISOString() } } : shown;
  };
}
