// The chaos run's marketplace, set up through the API before the workload starts: two organizations, each with a
// signed webhook endpoint (registered with the receiver), a price book, a seat plan, a credit package and two
// entities (one billing overage later, one rejecting it) of three users, a payment method (the provider's good test
// card) and a seat subscription of two seats; for work payments, a freelancer and a referral partner as payees, the
// sliding 20/10/5 commission plan and a 10 % referral share of the commission.
import type { MarketplaceClient } from './marketplaceClient.js';
import type { PlatformPayments } from './platform.js';
import type { WebhookReceiver } from './webhookReceiver.js';

export interface EntityRef {
  id: string;
  organizationId: string;
  userIds: string[];
  subscriptionId: string;
  paused: boolean;
}

export interface OrgRef {
  id: string;
  client: MarketplaceClient;
  packageId: string;
  entities: EntityRef[];
  /** What a work payment names: the freelancer paid, the commission plan and the referral split rule. */
  work: { freelancerId: string; commissionPlanId: string; commissionSplitRuleId: string };
}

/** The body of an answer with one of the `ok` statuses; anything else throws. */
export function expectStatus(res: { status: number; body: unknown }, ok: number[], what: string) {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The provider's test card that always pays. */
const goodCard = (payments: PlatformPayments) => (payments.provider === 'stripe' ? 'pm_card_visa' : 'pm_card_ok');

export async function setUpMarketplace(
  bootstrap: MarketplaceClient,
  receiver: WebhookReceiver,
  receiverUrl: string,
  seed: number,
  payments: PlatformPayments,
): Promise<OrgRef[]> {
  const orgs: OrgRef[] = [];
  const key = (what: string) => `chaos-${seed}-setup-${what}`;
  for (let o = 0; o < 2; o++) {
    const created = expectStatus(
      await bootstrap.request(
        'POST',
        '/api/organizations',
        { name: `Chaos Marketplace ${o}`, billingEmail: `billing-${o}@chaos.example` },
        key(`org-${o}`),
      ),
      [201],
      'organization',
    ) as { organization: { id: string }; apiKey: { secret: string } };
    const client = bootstrap.withKey(created.apiKey.secret);
    const endpoint = expectStatus(
      await client.request(
        'POST',
        '/api/webhooks/endpoints',
        { url: `${receiverUrl}/hooks/org${o}` },
        key(`hook-${o}`),
      ),
      [201],
      'webhook endpoint',
    ) as { secret: string };
    receiver.register(`org${o}`, endpoint.secret);
    expectStatus(
      await client.request(
        'POST',
        '/api/billing/price-books',
        {
          name: 'Chaos prices',
          currency: 'USD',
          prices: [
            { eventType: 'project.posted', model: 'flat', unitPrice: '1.25' },
            { eventType: 'freelancer.hired', model: 'flat', unitPrice: '4.00' },
          ],
        },
        key(`prices-${o}`),
      ),
      [201],
      'price book',
    );
    const plan = expectStatus(
      await client.request(
        'POST',
        '/api/billing/seat-plans',
        { name: 'Chaos seat', interval: 'month', pricePerSeat: '10.00', currency: 'USD' },
        key(`plan-${o}`),
      ),
      [201],
      'seat plan',
    ) as { id: string };
    const pkg = expectStatus(
      await client.request(
        'POST',
        '/api/billing/credits/packages',
        { name: '20 credits', credits: '20.00', price: '15.00', currency: 'USD', validityDays: 30 },
        key(`package-${o}`),
      ),
      [201],
      'credit package',
    ) as { id: string };
    const payee = async (kind: string, name: string) =>
      (
        expectStatus(
          await client.request('POST', '/api/marketplace/payees', { kind, name }, key(`payee-${kind}-${o}`)),
          [201],
          'payee',
        ) as { id: string }
      ).id;
    const freelancerId = await payee('freelancer', 'Chaos freelancer');
    const referrerId = await payee('referral_partner', 'Chaos referrer');
    const commissionPlan = expectStatus(
      await client.request(
        'POST',
        '/api/marketplace/commission-plans',
        {
          name: 'Sliding 20/10/5',
          definition: {
            kind: 'sliding',
            currency: 'USD',
            tiers: [
              { upTo: '500', percent: '20' },
              { upTo: '10000', percent: '10' },
              { upTo: null, percent: '5' },
            ],
          },
        },
        key(`commission-plan-${o}`),
      ),
      [201],
      'commission plan',
    ) as { id: string };
    const referral = expectStatus(
      await client.request(
        'POST',
        '/api/marketplace/split-rules',
        {
          name: 'Referral 10 %',
          appliesTo: 'commission',
          shares: [
            { party: 'marketplace', percent: '90' },
            { party: referrerId, percent: '10' },
          ],
        },
        key(`split-rule-${o}`),
      ),
      [201],
      'split rule',
    ) as { id: string };
    const org: OrgRef = {
      id: created.organization.id,
      client,
      packageId: pkg.id,
      entities: [],
      work: { freelancerId, commissionPlanId: commissionPlan.id, commissionSplitRuleId: referral.id },
    };
    for (let e = 0; e < 2; e++) {
      const entity = expectStatus(
        await client.request(
          'POST',
          '/api/entities',
          {
            name: `Chaos ${o}-${e}`,
            currency: 'USD',
            timeZone: 'UTC',
            overagePolicy: e === 0 ? 'bill' : 'reject',
            lowBalanceThreshold: '5.00',
          },
          key(`entity-${o}-${e}`),
        ),
        [201],
        'entity',
      ) as { id: string };
      const userIds: string[] = [];
      for (let u = 0; u < 3; u++) {
        const user = expectStatus(
          await client.request(
            'POST',
            '/api/users',
            {
              email: `u${u}-${o}-${e}-${seed}@chaos.example`,
              name: `User ${u}`,
              membership: { entityId: entity.id, creditLimit: u === 0 ? '40.00' : null, seatAssigned: u < 2 },
            },
            key(`user-${o}-${e}-${u}`),
          ),
          [201],
          'user',
        ) as { id: string };
        userIds.push(user.id);
      }
      expectStatus(
        await client.request(
          'POST',
          `/api/entities/${entity.id}/payment-methods`,
          { token: goodCard(payments) },
          key(`card-${o}-${e}`),
        ),
        [200, 201],
        'payment method',
      );
      const sub = expectStatus(
        await client.request(
          'POST',
          '/api/billing/subscriptions',
          { entityId: entity.id, planId: plan.id, seats: 2 },
          key(`sub-${o}-${e}`),
        ),
        [201],
        'subscription',
      ) as { id: string };
      org.entities.push({ id: entity.id, organizationId: org.id, userIds, subscriptionId: sub.id, paused: false });
    }
    orgs.push(org);
  }
  return orgs;
}
