// Runs a scenario's operations against the platform and the reference model side by side. Each operation is applied
// to both, then checks.ts compares them; the first difference is a Divergence naming the operation. The operations
// live by area in ops/ (set-up, metering, credits, periods, subscriptions, collection), all working on one
// ScenarioContext (services, model, the ids the set-up created).
import { BillingModel } from './model/billingModel.js';
import * as collectionOps from './ops/collectionOps.js';
import * as creditOps from './ops/creditOps.js';
import * as meteringOps from './ops/meteringOps.js';
import * as periodOps from './ops/periodOps.js';
import { type PlatformIds, ScenarioContext } from './ops/scenarioContext.js';
import { setUpOrganization, simulatedCatalog, tearDownOrganization } from './ops/setUp.js';
import * as subscriptionOps from './ops/subscriptionOps.js';
import type { Op, Scenario } from './scenario.js';
import type { SimulatorServices } from './services.js';

export class ScenarioDriver {
  readonly model = new BillingModel(simulatedCatalog());
  private readonly ctx: ScenarioContext;

  constructor(
    services: SimulatorServices,
    readonly scenario: Scenario,
  ) {
    this.ctx = new ScenarioContext(services, this.model);
  }

  get ids(): PlatformIds {
    return this.ctx.ids;
  }

  scenarioDb() {
    return this.ctx.db;
  }

  setUp(): Promise<void> {
    return setUpOrganization(this.ctx, this.scenario);
  }

  /**
   * Ends the scenario's workflows: billing cycles, grant expiries, collections and jobs would otherwise go on firing
   * timers (and closing periods) every time a later scenario moves the clock.
   */
  async tearDown(): Promise<void> {
    if (this.ctx.ids) await tearDownOrganization(this.ctx);
  }

  /** Every outbox row of the organization reached the sink exactly once (waiting for deliveries in flight). */
  webhooksDelivered(): Promise<void> {
    return collectionOps.webhooksDelivered(this.ctx);
  }

  /** Applies one operation to the platform and the model; returns a short description for the log. */
  apply(op: Op): Promise<string> {
    const { ctx } = this;
    switch (op.kind) {
      case 'advance':
        return periodOps.advance(ctx, op.ms);
      case 'closeNow':
        return periodOps.closeNow(ctx, op.entity);
      case 'anchor':
        return periodOps.anchor(ctx, op.entity, op.anchorDay);
      case 'event':
        return meteringOps.meter(ctx, [op]);
      case 'batch':
        return meteringOps.meter(ctx, op.events);
      case 'late':
        return meteringOps.late(ctx, op);
      case 'repeat':
        return meteringOps.repeat(ctx, op.which, op.conflict);
      case 'overage':
        return meteringOps.overage(ctx, op.entity, op.policy);
      case 'price':
        return meteringOps.price(ctx, op.unitPrice);
      case 'replay':
        return meteringOps.replay(ctx, op.entity, op.back);
      case 'grant':
        return creditOps.grant(ctx, op);
      case 'purchase':
        return creditOps.purchase(ctx, op.entity);
      case 'limit':
        return creditOps.limit(ctx, op);
      case 'transfer':
        return creditOps.transfer(ctx, op);
      case 'subscribe':
        return subscriptionOps.subscribe(ctx, op);
      case 'subChange':
        return subscriptionOps.changeSubscription(ctx, op);
      case 'payment':
        return collectionOps.paymentMethod(ctx, op.entity, op.method);
      case 'markPaid':
        return collectionOps.markPaid(ctx, op.entity, op.which);
    }
  }
}
