// An organization's webhook endpoints. The signing secret (Standard Webhooks: "whsec_" + base64 of 24 random bytes)
// is generated here, stored sealed (webhookSecrets.ts) and returned in clear only by create and rotate; reads never
// include it.
import { randomBytes } from 'node:crypto';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db, Prisma } from '../db.js';
import { uuidv7 } from '../metering/uuidv7.js';
import { type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError } from '../resourceErrors.js';
import type { SecretKeyring } from '../secretsAtRest.js';
import { sealWebhookSecret } from './webhookSecrets.js';

type Tx = Prisma.TransactionClient;

export const generateWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

type EndpointRow = Awaited<ReturnType<Tx['webhookEndpoint']['create']>>;
/** What the audit log keeps: never the secret. */
const auditView = ({ secret: _secret, ...rest }: EndpointRow) => rest;

export interface EndpointFields {
  url: string;
  description?: string | null | undefined;
  eventTypes?: string[] | undefined;
  enabled?: boolean | undefined;
}

/** The new endpoint, with its secret in clear (the one response that shows it); the row holds it sealed. */
export async function createWebhookEndpoint(
  db: Db,
  secrets: SecretKeyring,
  actor: Actor,
  organizationId: string,
  input: EndpointFields,
) {
  const id = uuidv7();
  const secret = generateWebhookSecret();
  return db.$transaction(async (tx) => {
    const endpoint = await tx.webhookEndpoint.create({
      data: {
        id,
        organizationId,
        url: input.url,
        description: input.description ?? null,
        eventTypes: input.eventTypes ?? [],
        enabled: input.enabled ?? true,
        secret: sealWebhookSecret(secrets, id, secret),
      },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'webhook_endpoint.create',
      targetType: 'webhook_endpoint',
      targetId: endpoint.id,
      after: auditView(endpoint),
    });
    return { ...endpoint, secret };
  });
}

export async function listWebhookEndpoints(db: Db, organizationId: string, page: PageRequest) {
  const args = pageArgs(page);
  const rows = await db.webhookEndpoint.findMany({
    ...args,
    where: { AND: [args.where, { organizationId, deletedAt: null }] },
  });
  return toPage(rows, page);
}

export async function findWebhookEndpoint(db: Db | Tx, organizationId: string, id: string) {
  return db.webhookEndpoint.findFirst({ where: { id, organizationId, deletedAt: null } });
}

async function requireEndpoint(tx: Tx, organizationId: string, id: string) {
  const endpoint = await findWebhookEndpoint(tx, organizationId, id);
  if (!endpoint) throw new ResourceNotFoundError('webhook endpoint');
  return endpoint;
}

async function change(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  action: string,
  data: Prisma.WebhookEndpointUpdateInput,
) {
  return db.$transaction(async (tx) => {
    const before = await requireEndpoint(tx, organizationId, id);
    const after = await tx.webhookEndpoint.update({ where: { id }, data });
    await recordAudit(tx, actor, {
      organizationId,
      action,
      targetType: 'webhook_endpoint',
      targetId: id,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
}

export const updateWebhookEndpoint = (
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  patch: Partial<EndpointFields>,
) =>
  change(db, actor, organizationId, id, 'webhook_endpoint.update', {
    ...patch,
    // Re-enabling by hand clears the reason delivery disabled it for.
    ...(patch.enabled === true ? { disabledReason: null } : {}),
  });

/** The endpoint with its new secret in clear (the one response that shows it); the row holds it sealed. */
export async function rotateWebhookSecret(
  db: Db,
  secrets: SecretKeyring,
  actor: Actor,
  organizationId: string,
  id: string,
) {
  const secret = generateWebhookSecret();
  const endpoint = await change(db, actor, organizationId, id, 'webhook_endpoint.rotate_secret', {
    secret: sealWebhookSecret(secrets, id, secret),
  });
  return { ...endpoint, secret };
}

export const deleteWebhookEndpoint = (db: Db, actor: Actor, organizationId: string, id: string, now = new Date()) =>
  change(db, actor, organizationId, id, 'webhook_endpoint.delete', { deletedAt: now, enabled: false });

/**
 * A `webhook.test` event for one endpoint, with its delivery row, in one transaction. The row is marked dispatched
 * (its one delivery exists), so the outbox fan-out never sends the ping to the organization's other endpoints.
 */
export async function createTestPing(
  db: Db,
  actor: Actor,
  organizationId: string,
  endpointId: string,
  now = new Date(),
) {
  return db.$transaction(async (tx) => {
    const endpoint = await requireEndpoint(tx, organizationId, endpointId);
    const event = await tx.webhookEvent.create({
      data: {
        organizationId,
        type: 'webhook.test',
        payload: { endpointId, message: 'Test ping from the billing platform', sentAt: now.toISOString() },
        idempotencyKey: `webhook.test:${endpointId}:${now.getTime()}:${randomBytes(4).toString('hex')}`,
        dispatchedAt: now,
      },
    });
    const delivery = await tx.webhookDelivery.create({ data: { webhookEventId: event.id, endpointId: endpoint.id } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'webhook_endpoint.test',
      targetType: 'webhook_endpoint',
      targetId: endpointId,
      after: { webhookEventId: event.id, deliveryId: delivery.id },
    });
    return { event, delivery };
  });
}
