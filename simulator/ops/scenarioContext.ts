// What every simulator operation works with: the platform's services, the reference model, the ids the set-up
// created, and the few ways of reaching the platform the operations share (the API as the organization's admin key,
// the outbox dispatch the API runs after a write, the grant expiry workflow, polling until the platform got there).
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../activities/db.js';
import type { IngestEventInput } from '../../activities/metering/ingestEvents.js';
import { dispatchWebhookEvents } from '../../activities/webhooks/dispatchWebhookEvents.js';
import { startCreditGrantWorkflow } from '../../temporal/workflowStarts.js';
import { Divergence } from '../checks.js';
import type { BillingModel } from '../model/billingModel.js';
import type { ModelEntity } from '../model/modelEntity.js';
import type { D } from '../model/pricing.js';
import type { ModelPlan } from '../model/subscriptionModel.js';
import type { SimulatorServices } from '../services.js';

export const DAY = 86_400_000;

const bodyKey = (body: unknown): string | undefined => {
  const key = (body as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
  return typeof key === 'string' ? key : undefined;
};

export interface PlatformIds {
  organizationId: string;
  adminKey: string;
  entityIds: string[];
  userIds: string[];
  priceBookId: string;
  flatPriceId: string;
  packageId: string;
  plans: ModelPlan[];
}

export interface SentEvent {
  entity: number;
  input: IngestEventInput;
  spec: { key: string; userIndex: number; type: string; quantity: number; occurredAt: number };
}

export class ScenarioContext {
  ids!: PlatformIds;
  /** Every distinct event sent so far (for repeats). */
  readonly sent: SentEvent[] = [];
  /** What each event was charged so far, across re-ratings (by key). */
  readonly charged = new Map<string, InstanceType<typeof D>>();

  constructor(
    readonly services: SimulatorServices,
    readonly model: BillingModel,
  ) {}

  get db(): Db {
    return this.services.db;
  }

  get env(): TestWorkflowEnvironment {
    return this.services.env;
  }

  now(): Promise<number> {
    return this.env.currentTimeMs();
  }

  /** The model's entity `i` (wrapping around, as scenario indexes may exceed the entity count). */
  entity(i: number): ModelEntity {
    return this.model.entities[i % this.model.entities.length] as ModelEntity;
  }

  async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await this.services.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${this.ids.adminKey}`,
        'content-type': 'application/json',
        // One key per request: a body that names its own (events, purchases, transfers) sends that one.
        ...(method === 'POST' ? { 'idempotency-key': bodyKey(body) ?? randomUUID() } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The API's answer, or a Divergence when it refused. */
  async apiOk(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.api(method, path, body);
    if (res.status >= 300) throw new Divergence(`${method} ${path} answered ${res.status}`, res.body);
    return res.body;
  }

  /** What the API does after a metering or credit transaction commits. */
  dispatch(webhookEventIds: string[]) {
    return dispatchWebhookEvents(
      { db: this.db, temporal: this.env.client, taskQueue: this.services.taskQueue, searchAttributes: false },
      webhookEventIds,
    );
  }

  /** What the API does after it created a grant with an expiry. */
  startGrantWorkflow(e: ModelEntity, grantId: string) {
    return startCreditGrantWorkflow(
      { temporal: this.env.client, taskQueue: this.services.taskQueue, searchAttributes: false },
      { id: grantId, organizationId: this.ids.organizationId, entityId: e.id },
    );
  }
}

/** Polls `probe` until it returns something (up to 60 s of wall time), else a Divergence. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Divergence(`timed out waiting for ${what}`, {});
    await new Promise((r) => setTimeout(r, 25));
  }
}
