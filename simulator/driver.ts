// Runs a scenario's operations against the platform and the reference model side by side. Each operation is applied
// to both, then checks.ts compares them; the first difference is a Divergence naming the operation.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../activities/apiKeys.js';
import { grantPromotionalCredits } from '../activities/credits/grantPromotionalCredits.js';
import { purchaseCreditPackage } from '../activities/credits/purchaseCreditPackage.js';
import { transferCredits } from '../activities/credits/transferCredits.js';
import type { Db } from '../activities/db.js';
import { type EventOutcome, type IngestEventInput, ingestEvents } from '../activities/metering/ingestEvents.js';
import { clearMeteringCache } from '../activities/metering/meteringContext.js';
import { dispatchWebhookEvents } from '../activities/webhooks/dispatchWebhookEvents.js';
import { startCreditGrantWorkflow, startEntityBillingWorkflow } from '../temporal/workflowStarts.js';
import { compareOutcome, Divergence } from './checks.js';
import { BillingModel, type ExpectedOutcome, type ModelEntity } from './model/billingModel.js';
import { D } from './model/pricing.js';
import type { ModelPlan, ModelSubscription, SubscriptionChangeSpec } from './model/subscriptionModel.js';
import type { EventSpec, Op, Scenario } from './scenario.js';
import type { SimulatorServices } from './services.js';

const DAY = 86_400_000;
const PACKAGE = { credits: '20', price: '18.00', validityDays: 30 };

/** Seat plans of every simulated organization: two monthly (0, 1), one yearly (2). */
const PLANS = [
  { name: 'Team', interval: 'month', price: '12.00' },
  { name: 'Pro', interval: 'month', price: '20.00' },
  { name: 'Annual', interval: 'year', price: '100.00' },
] as const;

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

interface SentEvent {
  entity: number;
  input: IngestEventInput;
  spec: { key: string; userIndex: number; type: string; quantity: number; occurredAt: number };
}

const bodyKey = (body: unknown): string | undefined => {
  const key = (body as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
  return typeof key === 'string' ? key : undefined;
};

export class ScenarioDriver {
  readonly model: BillingModel;
  ids!: PlatformIds;
  private readonly sent: SentEvent[] = [];
  /** What each event was charged so far, across re-ratings (by key). */
  private readonly charged = new Map<string, InstanceType<typeof D>>();

  constructor(
    private readonly services: SimulatorServices,
    readonly scenario: Scenario,
  ) {
    this.model = new BillingModel({
      prices: new Map([
        ['flat.a', { model: 'flat', unitPrice: '1.25' }],
        [
          'grad.b',
          {
            model: 'graduated',
            tiers: [
              { upTo: 5, unitPrice: '2.00' },
              { upTo: null, unitPrice: '0.75' },
            ],
          },
        ],
        [
          'vol.c',
          {
            model: 'volume',
            tiers: [
              { upTo: 10, unitPrice: '1.00' },
              { upTo: null, unitPrice: '0.60' },
            ],
          },
        ],
      ]),
      package: PACKAGE,
    });
  }

  private get db(): Db {
    return this.services.db;
  }

  scenarioDb(): Db {
    return this.services.db;
  }

  private get env(): TestWorkflowEnvironment {
    return this.services.env;
  }

  now(): Promise<number> {
    return this.env.currentTimeMs();
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

  private async apiOk(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.api(method, path, body);
    if (res.status >= 300) throw new Divergence(`${method} ${path} answered ${res.status}`, res.body);
    return res.body;
  }

  // ───────────── set-up ─────────────

  async setUp(): Promise<void> {
    const { db } = this;
    const suffix = `${this.scenario.seed}-${randomUUID().slice(0, 6)}`;
    const org = await db.organization.create({
      data: { name: `Sim ${suffix}`, billingEmail: `sim-${suffix}@test.example` },
    });
    const adminKey = generateApiKey();
    await db.apiKey.create({
      data: {
        organizationId: org.id,
        name: 'simulator',
        prefix: apiKeyDisplayPrefix(adminKey),
        hash: hashApiKey(adminKey),
        scopes: ['admin'],
      },
    });
    this.ids = {
      organizationId: org.id,
      adminKey,
      entityIds: [],
      userIds: [],
      priceBookId: '',
      flatPriceId: '',
      packageId: '',
      plans: [],
    };
    const book = await this.apiOk('POST', '/api/billing/price-books', {
      name: 'Simulated prices',
      currency: 'USD',
      prices: [
        { eventType: 'flat.a', model: 'flat', unitPrice: '1.25' },
        {
          eventType: 'grad.b',
          model: 'graduated',
          tiers: [
            { upTo: '5', unitPrice: '2.00' },
            { upTo: null, unitPrice: '0.75' },
          ],
        },
        {
          eventType: 'vol.c',
          model: 'volume',
          tiers: [
            { upTo: '10', unitPrice: '1.00' },
            { upTo: null, unitPrice: '0.60' },
          ],
        },
      ],
    });
    this.ids.priceBookId = book.id as string;
    const prices = book.prices as Array<{ id: string; eventType: string }>;
    this.ids.flatPriceId = prices.find((p) => p.eventType === 'flat.a')?.id as string;
    const pkg = await this.apiOk('POST', '/api/billing/credits/packages', {
      name: 'Twenty',
      credits: PACKAGE.credits,
      price: PACKAGE.price,
      currency: 'USD',
      validityDays: PACKAGE.validityDays,
    });
    this.ids.packageId = pkg.id as string;
    // Every webhook of the organization goes to the simulator's sink (checked at the end: each row exactly once).
    await this.apiOk('POST', '/api/webhooks/endpoints', { url: `${this.services.sinkUrl}/hooks/${org.id}` });
    for (const plan of PLANS) {
      const created = await this.apiOk('POST', '/api/billing/seat-plans', {
        name: plan.name,
        interval: plan.interval,
        pricePerSeat: plan.price,
        currency: 'USD',
      });
      this.ids.plans.push({ id: created.id as string, name: plan.name, interval: plan.interval, price: plan.price });
    }

    for (const [index, setup] of this.scenario.entities.entries()) {
      const now = await this.now();
      const entity = await this.apiOk('POST', '/api/entities', {
        name: `Entity ${index}`,
        currency: 'USD',
        timeZone: setup.timeZone,
        billingAnchorDay: setup.anchorDay,
        overagePolicy: setup.overagePolicy,
        lowBalanceThreshold: setup.threshold,
      });
      this.ids.entityIds.push(entity.id as string);
      // Creating the entity started its billing workflow; starting it again is a no-op (a fixed id, USE_EXISTING).
      await startEntityBillingWorkflow(
        { temporal: this.env.client, taskQueue: this.services.taskQueue, searchAttributes: false },
        { id: entity.id as string, organizationId: this.ids.organizationId },
      );
      const modelEntity = this.model.addEntity({
        index,
        id: entity.id as string,
        anchorDay: setup.anchorDay,
        timeZone: setup.timeZone,
        overagePolicy: setup.overagePolicy,
        threshold: new D(setup.threshold),
        members: [],
      });
      // The billing workflow (started with the entity) opens the period holding its start instant.
      this.model.openFirstPeriod(modelEntity, now);
    }
    for (let u = 0; u < this.scenario.users; u++) {
      const user = await this.apiOk('POST', '/api/users', {
        email: `u${u}-${suffix}@sim.example`,
        name: `User ${u}`,
        membership: { entityId: this.ids.entityIds[0] },
      });
      this.ids.userIds.push(user.id as string);
      for (const [i, entityId] of this.ids.entityIds.entries()) {
        if (i > 0) await this.apiOk('POST', `/api/entities/${entityId}/members`, { userId: user.id });
        this.model.entities[i]?.members.push({
          userId: user.id as string,
          limit: null,
          spend: new Map(),
          limitReached: new Set(),
        });
      }
    }
  }

  /**
   * Ends the scenario's workflows: billing cycles, grant expiries, collections and jobs would otherwise go on firing
   * timers (and closing periods) every time a later scenario moves the clock.
   */
  async tearDown(): Promise<void> {
    if (!this.ids) return;
    const invoices = await this.db.invoice.findMany({
      where: { organizationId: this.ids.organizationId },
      select: { id: true },
    });
    const jobs = await this.db.billingJob.findMany({
      where: { organizationId: this.ids.organizationId },
      select: { workflowId: true },
    });
    const ids = [
      ...this.ids.entityIds.map((id) => `billing:${id}`),
      ...this.model.entities.flatMap((e) => e.grants.filter((g) => g.id !== '').map((g) => `credit-grant:${g.id}`)),
      ...invoices.map((i) => `invoice:${i.id}`),
      ...jobs.map((j) => j.workflowId),
      ...this.model.subscriptions.map((sub) => `subscription:${sub.id}`),
    ];
    await Promise.all(
      ids.map((id) =>
        this.env.client.workflow
          .getHandle(id)
          .terminate('simulation scenario done')
          .catch(() => {}),
      ),
    );
  }

  // ───────────── operations ─────────────

  /** Applies one operation to the platform and the model; returns a short description for the log. */
  async apply(op: Op): Promise<string> {
    switch (op.kind) {
      case 'advance':
        return this.advance(op.ms);
      case 'event':
        return this.meter([op]);
      case 'batch':
        return this.meter(op.events);
      case 'late':
        return this.late(op);
      case 'repeat':
        return this.repeat(op.which, op.conflict);
      case 'closeNow':
        return this.closeNow(op.entity);
      case 'anchor':
        return this.anchor(op.entity, op.anchorDay);
      case 'grant':
        return this.grant(op);
      case 'purchase':
        return this.purchase(op.entity);
      case 'limit':
        return this.limit(op);
      case 'overage':
        return this.overage(op.entity, op.policy);
      case 'price':
        return this.price(op.unitPrice);
      case 'transfer':
        return this.transfer(op);
      case 'replay':
        return this.replay(op.entity, op.back);
      case 'subscribe':
        return this.subscribe(op);
      case 'subChange':
        return this.changeSubscription(op);
      case 'payment':
        return this.paymentMethod(op.entity, op.method);
      case 'markPaid':
        return this.markPaid(op.entity, op.which);
    }
  }

  private entity(i: number): ModelEntity {
    return this.model.entities[i % this.model.entities.length] as ModelEntity;
  }

  private async advance(ms: number): Promise<string> {
    const target = (await this.now()) + ms;
    await this.env.sleep(ms);
    this.model.advanceTo(target);
    return `advance ${Math.round(ms / 60_000)} min to ${new Date(target).toISOString()}`;
  }

  private async meter(specs: EventSpec[]): Promise<string> {
    const now = await this.now();
    return this.send(
      specs.map((s) => ({
        entity: s.entity % this.model.entities.length,
        key: s.key,
        userIndex: s.user,
        type: s.type,
        quantity: s.quantity,
        occurredAt: now - s.offsetMs,
      })),
      now,
    );
  }

  private async late(op: Extract<Op, { kind: 'late' }>): Promise<string> {
    const e = this.entity(op.entity);
    const closed = e.periods.filter((p) => p.closed);
    const now = await this.now();
    const period = closed[Math.max(0, closed.length - op.back)];
    const occurredAt = period ? period.start + Math.floor(op.at * (period.end - period.start)) : now - DAY;
    return this.send(
      [{ entity: e.index, key: op.key, userIndex: op.user, type: op.type, quantity: op.quantity, occurredAt }],
      now,
      'late ',
    );
  }

  private async repeat(which: number, conflict: boolean): Promise<string> {
    if (this.sent.length === 0) return 'repeat (nothing sent yet)';
    const original = this.sent[which % this.sent.length] as SentEvent;
    const now = await this.now();
    const spec = { ...original.spec, quantity: conflict ? original.spec.quantity + 1 : original.spec.quantity };
    return this.send([{ entity: original.entity, ...spec }], now, conflict ? 'conflicting repeat ' : 'repeat ');
  }

  private async send(
    events: Array<{
      entity: number;
      key: string;
      userIndex: number;
      type: string;
      quantity: number;
      occurredAt: number;
    }>,
    now: number,
    label = '',
  ): Promise<string> {
    const inputs: IngestEventInput[] = events.map((e) => ({
      entityId: this.ids.entityIds[e.entity] as string,
      userId: this.ids.userIds[e.userIndex] as string,
      eventType: e.type,
      quantity: e.quantity,
      occurredAt: new Date(e.occurredAt).toISOString(),
      idempotencyKey: e.key,
      properties: {},
    }));
    const { outcomes, webhookEventIds } = await ingestEvents(this.db, this.ids.organizationId, inputs, {
      now: new Date(now),
    });
    // What the API does after its metering transaction commits.
    await this.dispatch(webhookEventIds);
    events.forEach((e, i) => {
      const expected: ExpectedOutcome = this.model.meter(this.entity(e.entity), e, now);
      compareOutcome(`event ${e.key}`, expected, outcomes[i] as EventOutcome);
      if (!this.sent.some((s) => s.spec.key === e.key && s.entity === e.entity) && expected.status !== 'invalid') {
        this.sent.push({ entity: e.entity, input: inputs[i] as IngestEventInput, spec: e });
      }
    });
    const first = events[0];
    return `${label}${events.length === 1 && first ? `event ${first.type} x${first.quantity} at ${new Date(first.occurredAt).toISOString()} on entity ${first.entity}` : `batch of ${events.length}`}`;
  }

  private async closeNow(i: number): Promise<string> {
    const e = this.entity(i);
    const before = await this.now();
    const open = e.periods.find((p) => !p.closed);
    await this.apiOk('POST', `/api/entities/${e.id}/billing-workflow/close-now`);
    // The platform picks the instant (its clock when the workflow handles the signal): wait for that row to close.
    const row = await waitFor(`the close-now of entity ${i}`, async () => {
      const r = await this.db.billingPeriod.findFirst({
        where: { entityId: e.id, periodStart: new Date(open?.start ?? 0) },
      });
      return r?.status === 'closed' ? r : null;
    });
    const after = await this.now();
    const window = this.model.closeNowWindow(e, before, after);
    const end = row.periodEnd.getTime();
    if (end < window.min || end > window.max) {
      throw new Divergence(`close-now ended the period at ${row.periodEnd.toISOString()}`, {
        expectedBetween: [new Date(window.min).toISOString(), new Date(window.max).toISOString()],
      });
    }
    this.model.closeNow(e, end);
    return `close-now of entity ${i} at ${row.periodEnd.toISOString()}`;
  }

  private async anchor(i: number, anchorDay: number): Promise<string> {
    const e = this.entity(i);
    const now = await this.now();
    await this.apiOk('POST', `/api/entities/${e.id}/billing-workflow/anchor-day`, { anchorDay });
    this.model.changeAnchor(e, anchorDay, now);
    return `anchor day of entity ${i} to ${anchorDay}`;
  }

  private async grant(op: Extract<Op, { kind: 'grant' }>): Promise<string> {
    const e = this.entity(op.entity);
    const now = await this.now();
    const expiresAt = op.expiresInDays === null ? null : now + op.expiresInDays * DAY;
    const { grant } = await grantPromotionalCredits(
      this.db,
      this.ids.organizationId,
      {
        entityId: e.id,
        amount: op.amount,
        expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
        priority: op.priority,
        idempotencyKey: randomUUID(),
      },
      new Date(now),
    );
    this.model.addGrant(e, grant.id, new D(op.amount), expiresAt, op.priority, now);
    await this.startGrantWorkflow(e, grant.id);
    return `grant ${op.amount} to entity ${e.index}${expiresAt ? ` expiring ${new Date(expiresAt).toISOString()}` : ''}`;
  }

  private dispatch(webhookEventIds: string[]) {
    return dispatchWebhookEvents(
      { db: this.db, temporal: this.env.client, taskQueue: this.services.taskQueue, searchAttributes: false },
      webhookEventIds,
    );
  }

  /** Every outbox row of the organization reached the sink exactly once (waiting for deliveries in flight). */
  async webhooksDelivered(): Promise<void> {
    const rows = await this.db.webhookEvent.findMany({
      where: { organizationId: this.ids.organizationId },
      select: { id: true, type: true },
    });
    await waitFor('every webhook delivered', async () => rows.every((r) => this.services.sink.received.has(r.id)));
    const twice = rows.filter((r) => (this.services.sink.received.get(r.id) ?? 0) !== 1);
    if (twice.length > 0) {
      throw new Divergence(
        'webhooks delivered more than once',
        twice.map((r) => [r.type, this.services.sink.received.get(r.id)]),
      );
    }
  }

  private startGrantWorkflow(e: ModelEntity, grantId: string) {
    return startCreditGrantWorkflow(
      { temporal: this.env.client, taskQueue: this.services.taskQueue, searchAttributes: false },
      { id: grantId, organizationId: this.ids.organizationId, entityId: e.id },
    );
  }

  private async purchase(i: number): Promise<string> {
    const e = this.entity(i);
    const now = await this.now();
    const result = await purchaseCreditPackage(
      this.db,
      this.ids.organizationId,
      { entityId: e.id, packageId: this.ids.packageId, idempotencyKey: randomUUID(), payment: 'invoice' },
      { now: new Date(now) },
    );
    this.model.addGrant(e, result.grant.id, new D(PACKAGE.credits), now + PACKAGE.validityDays * DAY, 0, now);
    e.pending.push({ kind: 'credit_purchase', amount: new D(PACKAGE.price) });
    await this.startGrantWorkflow(e, result.grant.id);
    return `purchase of a package by entity ${i}`;
  }

  private async limit(op: Extract<Op, { kind: 'limit' }>): Promise<string> {
    const e = this.entity(op.entity);
    const member = e.members[op.user % e.members.length];
    if (!member) return 'limit (no member)';
    await this.apiOk('PUT', `/api/entities/${e.id}/user-limits/${member.userId}`, { creditLimit: op.limit });
    this.model.setLimit(member, op.limit === null ? null : new D(op.limit));
    return `limit of user ${op.user} in entity ${e.index} to ${op.limit}`;
  }

  private async overage(i: number, policy: 'reject' | 'bill'): Promise<string> {
    const e = this.entity(i);
    await this.apiOk('PATCH', `/api/entities/${e.id}`, { overagePolicy: policy });
    e.overagePolicy = policy;
    return `overage policy of entity ${i} to ${policy}`;
  }

  private async price(unitPrice: string): Promise<string> {
    await this.apiOk('PUT', `/api/billing/price-books/${this.ids.priceBookId}/prices/${this.ids.flatPriceId}`, {
      model: 'flat',
      unitPrice,
    });
    // Prices are cached per process for a few seconds (README): the simulated clock does not move the wall clock.
    clearMeteringCache();
    this.model.catalog.prices.set('flat.a', { model: 'flat', unitPrice });
    return `price of flat.a to ${unitPrice}`;
  }

  private async transfer(op: Extract<Op, { kind: 'transfer' }>): Promise<string> {
    const from = this.entity(op.from);
    const to = this.entity(op.to);
    if (from === to) return 'transfer (one entity)';
    const now = await this.now();
    const expected = this.model.balance(from, now).greaterThanOrEqualTo(op.amount) ? 'ok' : 'INSUFFICIENT_CREDITS';
    let actual: string;
    let legs: Array<{ targetGrantId: string }> = [];
    try {
      const result = await transferCredits(
        this.db,
        this.ids.organizationId,
        { fromEntityId: from.id, toEntityId: to.id, amount: op.amount, idempotencyKey: randomUUID() },
        { now: new Date(now) },
      );
      actual = 'ok';
      legs = result.result.legs;
      await this.dispatch(result.webhookEventIds);
    } catch (error) {
      actual = (error as { code?: string }).code ?? String(error);
    }
    if (actual !== expected) throw new Divergence(`transfer of ${op.amount}: ${actual}`, { expected });
    if (expected === 'ok') {
      const before = to.grants.length;
      this.model.transfer(from, to, new D(op.amount), now);
      const created = to.grants.slice(before);
      if (created.length !== legs.length)
        throw new Divergence('transfer legs', { expected: created.length, actual: legs.length });
      created.forEach((g, k) => {
        g.id = legs[k]?.targetGrantId as string;
      });
      for (const g of created) if (g.expiresAt !== null) await this.startGrantWorkflow(to, g.id);
    }
    return `transfer of ${op.amount} from entity ${from.index} to ${to.index}: ${actual}`;
  }

  private async paymentMethod(i: number, method: 'ok' | 'declined'): Promise<string> {
    const e = this.entity(i);
    // The sandbox provider's test payment methods (README): pm_card_declined fails every attempt.
    await this.db.entity.update({
      where: { id: e.id },
      data: { defaultPaymentMethod: method === 'declined' ? 'pm_card_declined' : 'pm_card_ok' },
    });
    e.paymentMethod = method;
    return `payment method of entity ${i}: ${method}`;
  }

  private async markPaid(i: number, which: number): Promise<string> {
    const e = this.entity(i);
    const unpaid = e.collections.filter((c) => c.status !== 'paid');
    if (unpaid.length === 0) return `mark-paid (nothing unpaid in entity ${i})`;
    const collection = unpaid[which % unpaid.length] as (typeof unpaid)[number];
    const [kind, key] = collection.ref.split(':') as ['period' | 'one_off', string];
    const invoice =
      kind === 'period'
        ? await this.db.invoice.findFirst({
            where: { entityId: e.id, kind: 'period', periodStart: new Date(Number(key)) },
          })
        : (
            await this.db.invoice.findMany({
              where: { entityId: e.id, kind: 'one_off' },
              orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            })
          )[Number(key)];
    if (!invoice) throw new Divergence(`no invoice for ${collection.ref} of entity ${i}`, {});
    await this.apiOk('POST', `/api/billing/invoices/${invoice.id}/mark-paid`, {});
    this.model.markPaid(e, collection);
    return `mark-paid of ${collection.ref} (${collection.status === 'paid' ? 'was ' : ''}${collection.amountDue.toFixed(2)}) of entity ${i}`;
  }

  private async subscribe(op: Extract<Op, { kind: 'subscribe' }>): Promise<string> {
    const e = this.entity(op.entity);
    const plan = this.ids.plans[op.plan % this.ids.plans.length] as ModelPlan;
    const before = await this.now();
    const created = await this.apiOk('POST', '/api/billing/subscriptions', {
      entityId: e.id,
      planId: plan.id,
      seats: op.seats,
    });
    const at = await effectiveAt(this.db, created.id as string, 'create', before, await this.now());
    this.model.subscribe(e, created.id as string, plan, op.seats, at);
    return `subscribe entity ${e.index} to ${op.seats} × ${plan.name}`;
  }

  private async changeSubscription(op: Extract<Op, { kind: 'subChange' }>): Promise<string> {
    const subs = this.model.subscriptions;
    if (subs.length === 0) return 'subscription change (none yet)';
    const sub = subs[op.which % subs.length] as ModelSubscription;
    const monthly = this.ids.plans.filter((p) => p.interval === sub.plan.interval && p.id !== sub.plan.id);
    const plan = monthly[op.plan % Math.max(1, monthly.length)] ?? sub.plan;
    const [path, body, spec]: [string, unknown, SubscriptionChangeSpec] =
      op.change === 'seats'
        ? ['seats', { seats: op.seats }, { kind: 'seats', seats: op.seats }]
        : op.change === 'plan'
          ? ['plan', { planId: plan.id }, { kind: 'plan', plan }]
          : op.change === 'pause'
            ? ['pause', {}, { kind: 'pause' }]
            : op.change === 'resume'
              ? ['resume', {}, { kind: 'resume' }]
              : [
                  'cancel',
                  { atPeriodEnd: op.change === 'cancelAtEnd' },
                  { kind: 'cancel', atPeriodEnd: op.change === 'cancelAtEnd' },
                ];
    const before = await this.now();
    const res = await this.api('POST', `/api/billing/subscriptions/${sub.id}/${path}`, body);
    const after = await this.now();
    const label = `${op.change} of subscription ${subs.indexOf(sub)} (${sub.seats} × ${sub.plan.name}, ${sub.status})`;
    if (res.status !== 200) {
      const expected = this.model.changeSubscription(sub, spec, before);
      const code = res.body.code;
      if (!('error' in expected) || expected.error !== code) {
        throw new Divergence(`${label}: answered ${res.status} ${String(code)}`, { expected, body: res.body });
      }
      return `${label}: refused ${String(code)}`;
    }
    const at = await effectiveAt(this.db, sub.id, res.body.changeId as string, before, after);
    const expected = this.model.changeSubscription(sub, spec, at);
    if ('error' in expected) throw new Divergence(`${label}: accepted`, { expected });
    if (!expected.net.equals(String(res.body.net)) || expected.settlement !== res.body.settlement) {
      throw new Divergence(`${label}: net ${String(res.body.net)} (${String(res.body.settlement)})`, {
        expected: { net: expected.net.toFixed(), settlement: expected.settlement },
        lines: res.body.lines,
      });
    }
    return `${label}: net ${expected.net.toFixed()}`;
  }

  private async replay(i: number, back: number): Promise<string> {
    const e = this.entity(i);
    const now = await this.now();
    const closed = e.periods.filter((p) => p.closed);
    const from = (closed[Math.max(0, closed.length - back)] ?? e.periods[0])?.start ?? now - DAY;
    const to = now + 1;
    if (from >= to) return 'replay (empty range)';
    const job = await this.apiOk('POST', '/api/billing/jobs/replays', {
      entityId: e.id,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    await waitFor(`replay job ${String(job.id)}`, async () => {
      const row = await this.db.billingJob.findUnique({ where: { id: job.id as string } });
      if (row?.status === 'failed') throw new Divergence('the replay job failed', { error: row.error });
      return row?.status === 'completed' ? row : null;
    });
    this.model.replay(e, job.id as string, from, to, this.charged);
    return `replay of entity ${i} from ${new Date(from).toISOString()}`;
  }
}

/** The instant the platform applied a subscription change at: its workflow's clock, checked against the window. */
async function effectiveAt(db: Db, subscriptionId: string, changeId: string, before: number, after: number) {
  const row = await db.subscriptionChange.findUnique({
    where: { subscriptionId_changeId: { subscriptionId, changeId } },
  });
  if (!row) throw new Divergence(`no change ${changeId} recorded for subscription ${subscriptionId}`, {});
  const at = row.effectiveAt.getTime();
  if (at < before || at > after) {
    throw new Divergence(`subscription change ${changeId} took effect at ${row.effectiveAt.toISOString()}`, {
      expectedBetween: [new Date(before).toISOString(), new Date(after).toISOString()],
    });
  }
  return at;
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
