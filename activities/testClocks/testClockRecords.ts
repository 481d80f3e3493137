// Test clocks (Stripe's test clocks): a simulated time an organization creates, attaches entities to when it creates
// them, and advances. The clock row is the truth about its time; an advance moves frozenTime forward at once and is
// `advancing` until every workflow of its entities has caught up (testClockAdvance.ts), then `ready` again.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceConflictError, ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';

const live = (organizationId: string) => ({ organizationId, deletedAt: null });

export async function createTestClock(
  db: Db,
  actor: Actor,
  organizationId: string,
  input: { name: string; frozenTime: Date },
) {
  return db.$transaction(async (tx) => {
    const clock = await tx.testClock.create({ data: { organizationId, ...input } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'test_clock.create',
      targetType: 'test_clock',
      targetId: clock.id,
      after: clock,
    });
    return clock;
  });
}

export function findTestClock(db: Db | Prisma.TransactionClient, organizationId: string, id: string) {
  return db.testClock.findFirst({ where: { id, ...live(organizationId) } });
}

export async function listTestClocks(db: Db, organizationId: string, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.testClock.findMany({ ...args, where: { AND: [args.where, live(organizationId)] } });
  return toPage(rows, page);
}

/**
 * Starts an advance: frozenTime moves to `to` (forward only) and the clock is `advancing` until the advance's
 * workflow has brought every workflow of its entities to the new time. A second advance while one runs is refused.
 */
export async function beginTestClockAdvance(db: Db, actor: Actor, organizationId: string, id: string, to: Date) {
  return db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "TestClock" WHERE id = ${id}::uuid FOR UPDATE`;
    const before = locked ? await findTestClock(tx, organizationId, id) : null;
    if (!before) throw new ResourceNotFoundError('test clock');
    if (before.status === 'advancing') {
      throw new ResourceConflictError(
        'TEST_CLOCK_ADVANCING',
        'the test clock is still advancing; wait until it is ready',
      );
    }
    if (to.getTime() <= before.frozenTime.getTime()) {
      throw new UnprocessableError(
        'TEST_CLOCK_BACKWARDS',
        `frozenTime must be after the clock's time ${before.frozenTime.toISOString()}: a test clock only moves forward`,
        'frozenTime',
      );
    }
    const after = await tx.testClock.update({ where: { id }, data: { frozenTime: to, status: 'advancing' } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'test_clock.advance',
      targetType: 'test_clock',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}

/** Ends an advance: `ready`, unless the clock has meanwhile moved on (then that advance will end it). */
export async function finishTestClockAdvance(db: Db, id: string, frozenTime: Date): Promise<void> {
  await db.testClock.updateMany({ where: { id, frozenTime, status: 'advancing' }, data: { status: 'ready' } });
}

/**
 * Soft delete. Its entities stay attached and keep the clock's last time (their workflows wait for an advance that
 * no longer comes): test data, never billed on wall time.
 */
export async function deleteTestClock(db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) {
  return db.$transaction(async (tx) => {
    const before = await findTestClock(tx, organizationId, id);
    if (!before) throw new ResourceNotFoundError('test clock');
    const after = await tx.testClock.update({ where: { id }, data: { deletedAt: now } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'test_clock.delete',
      targetType: 'test_clock',
      targetId: id,
      before,
      after,
    });
    return after;
  });
}

/** The clock's time for an entity attached to one; null for every other entity (wall time). */
export async function entityClockNow(db: Db, testClockId: string | null): Promise<Date | null> {
  if (!testClockId) return null;
  const clock = await db.testClock.findUnique({ where: { id: testClockId }, select: { frozenTime: true } });
  return clock?.frozenTime ?? null;
}

/**
 * The workflows that run on the clock's time: the billing cycle of each attached entity, their subscriptions not
 * canceled, their credit grants not yet expired and the collections of their open invoices. Ids only: whether each
 * is running is Temporal's to say.
 */
export async function testClockWorkflowRefs(db: Db, testClockId: string) {
  const entities = await db.entity.findMany({ where: { testClockId }, select: { id: true } });
  const entityIds = entities.map((e) => e.id);
  if (entityIds.length === 0) return { entityIds, subscriptionIds: [], grantIds: [], invoiceIds: [] };
  const [subscriptions, grants, invoices] = await Promise.all([
    db.entitySubscription.findMany({
      where: { entityId: { in: entityIds }, status: { not: 'canceled' } },
      select: { id: true },
    }),
    db.creditGrant.findMany({
      where: { entityId: { in: entityIds }, expiresAt: { not: null }, expiredAt: null },
      select: { id: true },
    }),
    db.invoice.findMany({ where: { entityId: { in: entityIds }, status: 'open' }, select: { id: true } }),
  ]);
  return {
    entityIds,
    subscriptionIds: subscriptions.map((s) => s.id),
    grantIds: grants.map((g) => g.id),
    invoiceIds: invoices.map((i) => i.id),
  };
}
