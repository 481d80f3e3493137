// The simulated organization: its catalog (three event prices, one credit package, three seat plans), an admin API
// key, the scenario's entities (each with its billing workflow and its first period in the model) and users (members
// of every entity); every webhook goes to the simulator's sink. And the end of a scenario: its workflows terminated.
import { randomUUID } from 'node:crypto';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../../activities/apiKeys.js';
import {
  billingWorkflowId,
  creditGrantWorkflowId,
  invoiceWorkflowId,
  subscriptionWorkflowId,
} from '../../temporal/workflowIds.js';
import { startEntityBillingWorkflow } from '../../temporal/workflowStarts.js';
import type { Catalog } from '../model/modelEntity.js';
import { D } from '../model/pricing.js';
import type { Scenario } from '../scenario.js';
import type { ScenarioContext } from './scenarioContext.js';

export const PACKAGE = { credits: '20', price: '18.00', validityDays: 30 };

/** Seat plans of every simulated organization: two monthly (0, 1), one yearly (2). */
const PLANS = [
  { name: 'Team', interval: 'month', price: '12.00' },
  { name: 'Pro', interval: 'month', price: '20.00' },
  { name: 'Annual', interval: 'year', price: '100.00' },
] as const;

/** The prices the set-up creates, as the model sees them. */
export function simulatedCatalog(): Catalog {
  return {
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
  };
}

export async function setUpOrganization(ctx: ScenarioContext, scenario: Scenario): Promise<void> {
  const { db, model } = ctx;
  const suffix = `${scenario.seed}-${randomUUID().slice(0, 6)}`;
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
  ctx.ids = {
    organizationId: org.id,
    adminKey,
    entityIds: [],
    userIds: [],
    priceBookId: '',
    flatPriceId: '',
    packageId: '',
    plans: [],
  };
  const { ids } = ctx;
  const book = await ctx.apiOk('POST', '/api/billing/price-books', {
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
  ids.priceBookId = book.id as string;
  const prices = book.prices as Array<{ id: string; eventType: string }>;
  ids.flatPriceId = prices.find((p) => p.eventType === 'flat.a')?.id as string;
  const pkg = await ctx.apiOk('POST', '/api/billing/credits/packages', {
    name: 'Twenty',
    credits: PACKAGE.credits,
    price: PACKAGE.price,
    currency: 'USD',
    validityDays: PACKAGE.validityDays,
  });
  ids.packageId = pkg.id as string;
  // Every webhook of the organization goes to the simulator's sink (checked at the end: each row exactly once).
  await ctx.apiOk('POST', '/api/webhooks/endpoints', { url: `${ctx.services.sinkUrl}/hooks/${org.id}` });
  for (const plan of PLANS) {
    const created = await ctx.apiOk('POST', '/api/billing/seat-plans', {
      name: plan.name,
      interval: plan.interval,
      pricePerSeat: plan.price,
      currency: 'USD',
    });
    ids.plans.push({ id: created.id as string, name: plan.name, interval: plan.interval, price: plan.price });
  }

  for (const [index, setup] of scenario.entities.entries()) {
    const now = await ctx.now();
    const entity = await ctx.apiOk('POST', '/api/entities', {
      name: `Entity ${index}`,
      currency: 'USD',
      timeZone: setup.timeZone,
      billingAnchorDay: setup.anchorDay,
      overagePolicy: setup.overagePolicy,
      lowBalanceThreshold: setup.threshold,
    });
    ids.entityIds.push(entity.id as string);
    // Creating the entity started its billing workflow; starting it again is a no-op (a fixed id, USE_EXISTING).
    await startEntityBillingWorkflow(
      { temporal: ctx.env.client, taskQueue: ctx.services.taskQueue, searchAttributes: false },
      { id: entity.id as string, organizationId: ids.organizationId },
    );
    const modelEntity = model.addEntity({
      index,
      id: entity.id as string,
      anchorDay: setup.anchorDay,
      timeZone: setup.timeZone,
      overagePolicy: setup.overagePolicy,
      threshold: new D(setup.threshold),
      members: [],
    });
    // The billing workflow (started with the entity) opens the period holding its start instant.
    model.openFirstPeriod(modelEntity, now);
  }
  for (let u = 0; u < scenario.users; u++) {
    const user = await ctx.apiOk('POST', '/api/users', {
      email: `u${u}-${suffix}@sim.example`,
      name: `User ${u}`,
      membership: { entityId: ids.entityIds[0] },
    });
    ids.userIds.push(user.id as string);
    for (const [i, entityId] of ids.entityIds.entries()) {
      if (i > 0) await ctx.apiOk('POST', `/api/entities/${entityId}/members`, { userId: user.id });
      model.entities[i]?.members.push({
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
export async function tearDownOrganization(ctx: ScenarioContext): Promise<void> {
  const { ids } = ctx;
  const invoices = await ctx.db.invoice.findMany({
    where: { organizationId: ids.organizationId },
    select: { id: true },
  });
  const jobs = await ctx.db.billingJob.findMany({
    where: { organizationId: ids.organizationId },
    select: { workflowId: true },
  });
  const workflowIds = [
    ...ids.entityIds.map(billingWorkflowId),
    ...ctx.model.entities.flatMap((e) => e.grants.filter((g) => g.id !== '').map((g) => creditGrantWorkflowId(g.id))),
    ...invoices.map((i) => invoiceWorkflowId(i.id)),
    ...jobs.map((j) => j.workflowId),
    ...ctx.model.subscriptions.map((sub) => subscriptionWorkflowId(sub.id)),
  ];
  await Promise.all(
    workflowIds.map((id) =>
      ctx.env.client.workflow
        .getHandle(id)
        .terminate('simulation scenario done')
        .catch(() => {}),
    ),
  );
}
