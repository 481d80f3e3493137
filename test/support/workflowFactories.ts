// Rows the billing workflows consume, written directly with Prisma so workflow tests do not depend on the metering
// and credits code paths: plans, subscriptions, marketplace events, grants, invoices, webhook endpoints.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../activities/db.js';
import { secretKeyringFromEnv } from '../../activities/secretsAtRest.js';
import { sealWebhookSecret } from '../../activities/webhookEndpoints/webhookSecrets.js';

export async function createSeatPlan(
  db: Db,
  organizationId: string,
  plan: { name?: string; interval?: 'month' | 'year'; pricePerSeat?: string; currency?: string } = {},
) {
  return db.seatPlan.create({
    data: {
      organizationId,
      name: plan.name ?? 'Pro',
      interval: plan.interval ?? 'month',
      pricePerSeat: plan.pricePerSeat ?? '10',
      currency: plan.currency ?? 'USD',
    },
  });
}

/** A subscription whose current period is already billed (no pending fee item). */
export async function createBilledSubscription(
  db: Db,
  input: { entityId: string; planId: string; seats: number; periodStart: Date; periodEnd: Date },
) {
  const id = randomUUID();
  return db.entitySubscription.create({
    data: {
      id,
      entityId: input.entityId,
      planId: input.planId,
      seats: input.seats,
      currentPeriodStart: input.periodStart,
      currentPeriodEnd: input.periodEnd,
      workflowId: `subscription:${id}`,
    },
  });
}

export async function createMember(db: Db, entityId: string, seatAssigned = true) {
  const { organizationId } = await db.entity.findUniqueOrThrow({ where: { id: entityId } });
  const user = await db.user.create({
    data: { profiles: { create: { organizationId, email: `u-${randomUUID()}@test.example`, name: 'Member' } } },
  });
  return db.entityUser.create({ data: { entityId, userId: user.id, seatAssigned } });
}

/** An accepted, rated event in the period starting at `periodStart`. */
export async function createRatedEvent(
  db: Db,
  input: {
    entityId: string;
    userId: string;
    eventType: string;
    periodStart: Date;
    occurredAt: Date;
    quantity?: string;
    ratedAmount: string;
    creditsDrawn?: string;
    billedLater?: string;
    currency?: string;
  },
) {
  const event = await db.marketplaceEvent.create({
    data: {
      entityId: input.entityId,
      userId: input.userId,
      eventType: input.eventType,
      quantity: input.quantity ?? '1',
      occurredAt: input.occurredAt,
      idempotencyKey: randomUUID(),
      payloadHash: 'test',
      status: 'accepted',
      currency: input.currency ?? 'USD',
      ratedAmount: input.ratedAmount,
      creditsDrawn: input.creditsDrawn ?? '0',
      billedLater: input.billedLater ?? '0',
      periodStart: input.periodStart,
      billedPeriodStart: input.periodStart,
      usageBefore: '0',
    },
  });
  if (input.billedLater && input.billedLater !== '0') {
    await db.invoiceItem.create({
      data: {
        entityId: input.entityId,
        eventId: event.id,
        kind: 'usage',
        description: `${input.eventType} billed later`,
        amount: input.billedLater,
        currency: input.currency ?? 'USD',
        idempotencyKey: `usage:${event.id}`,
      },
    });
  }
  return event;
}

export async function createExpiringGrant(
  db: Db,
  input: { entityId: string; amount: string; remaining?: string; expiresAt: Date; currency?: string },
) {
  const grant = await db.creditGrant.create({
    data: {
      entityId: input.entityId,
      source: 'promo',
      original: input.amount,
      remaining: input.remaining ?? input.amount,
      currency: input.currency ?? 'USD',
      expiresAt: input.expiresAt,
      idempotencyKey: `promo:${randomUUID()}`,
    },
  });
  await db.ledgerEntry.create({
    data: {
      entityId: input.entityId,
      grantId: grant.id,
      kind: 'grant',
      amount: input.amount,
      currency: grant.currency,
      idempotencyKey: `grant:${grant.id}`,
    },
  });
  if (input.remaining !== undefined && input.remaining !== input.amount) {
    await db.ledgerEntry.create({
      data: {
        entityId: input.entityId,
        grantId: grant.id,
        kind: 'consume',
        amount: `-${Number(input.amount) - Number(input.remaining)}`,
        currency: grant.currency,
        idempotencyKey: `consume:test:${grant.id}`,
      },
    });
  }
  return grant;
}

/** An open, numbered invoice with one line, as a period close would leave it. */
export async function createOpenInvoice(
  db: Db,
  input: { organizationId: string; entityId: string; amount: string; periodStart: Date; periodEnd: Date },
) {
  return db.$transaction(async (tx) => {
    const org = await tx.organization.update({
      where: { id: input.organizationId },
      data: { nextInvoiceNumber: { increment: 1 } },
    });
    return tx.invoice.create({
      data: {
        organizationId: input.organizationId,
        entityId: input.entityId,
        number: org.nextInvoiceNumber - 1,
        status: 'open',
        currency: 'USD',
        periodStart: input.periodStart,
        periodEnd: input.periodEnd,
        subtotal: input.amount,
        total: input.amount,
        amountDue: input.amount,
        issuedAt: input.periodEnd,
        lines: {
          create: [{ position: 1, kind: 'subscription_fee', description: 'Seats', amount: input.amount }],
        },
      },
    });
  });
}

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('test-webhook-secret-0123456789ab').toString('base64')}`;

/** An endpoint signing with TEST_WEBHOOK_SECRET, stored sealed as the platform stores it (SECRET_KEYS of the run). */
export async function createWebhookEndpoint(db: Db, organizationId: string, url: string, eventTypes: string[] = []) {
  const id = randomUUID();
  return db.webhookEndpoint.create({
    data: {
      id,
      organizationId,
      url,
      secret: sealWebhookSecret(secretKeyringFromEnv(), id, TEST_WEBHOOK_SECRET),
      eventTypes,
    },
  });
}

export async function createOutboxEvent(db: Db, input: { organizationId: string; entityId?: string; type: string }) {
  return db.webhookEvent.create({
    data: {
      organizationId: input.organizationId,
      entityId: input.entityId ?? null,
      type: input.type,
      payload: { hello: 'world' },
      idempotencyKey: `test:${randomUUID()}`,
    },
  });
}

export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
