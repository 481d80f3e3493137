// The webhook events of marketplace money: work payments (charged, failed, refunded) and payouts to payees
// (eventCatalog.ts).
import { z } from 'zod';
import { Currency, entry, Id, moneyAmount } from './catalogKit.js';
import { ENTITY, REFUND } from './examples.js';

const WorkPaymentEvent = z
  .object({
    workPaymentId: Id,
    entityId: Id.meta({ description: 'The paying client entity' }),
    payeeId: Id.meta({ description: 'The freelancer the work was done by' }),
    kind: z.enum(['contract', 'milestone', 'hourly']),
    reference: z.string().meta({ description: "The marketplace's own reference of the contract, milestone or period" }),
    amount: moneyAmount('What the client paid'),
    currency: Currency,
    commission: moneyAmount(
      "The marketplace's commission (before referral shares); null unless it succeeded",
    ).nullable(),
    lines: z
      .array(
        z.object({
          kind: z.enum(['marketplace_revenue', 'payee_earnings', 'referral_share']),
          payeeId: Id.nullable().meta({ description: "null for the marketplace's own revenue" }),
          amount: moneyAmount(),
        }),
      )
      .meta({ description: 'Where the payment went, summing to `amount` exactly (empty unless it succeeded)' }),
    errorCode: z.string().nullable(),
  })
  .meta({ id: 'WorkPaymentEventData' });

const WorkPaymentRefunded = z
  .object({
    workPaymentId: Id,
    refundId: Id,
    entityId: Id,
    amount: moneyAmount('Returned to the client by this refund'),
    amountRefunded: moneyAmount('Everything refunded on the work payment so far'),
    currency: Currency,
    clawedBack: z
      .array(
        z.object({
          kind: z.enum(['marketplace_revenue', 'payee_earnings', 'referral_share']),
          payeeId: Id.nullable(),
          amount: moneyAmount('Taken back from this line (a payee balance may go negative)'),
        }),
      )
      .meta({ description: "Each line's share of the refund, summing to `amount` exactly" }),
  })
  .meta({ id: 'WorkPaymentRefundedData' });

const PayoutEvent = z
  .object({
    payoutId: Id,
    payeeId: Id,
    amount: moneyAmount('What is (or was to be) paid out'),
    currency: Currency,
    status: z.enum(['in_transit', 'paid', 'failed']),
    attempts: z.number().int().meta({ description: 'Provider calls so far' }),
    errorCode: z.string().nullable().meta({ description: "The provider's refusal (failed payouts)" }),
  })
  .meta({ id: 'PayoutEventData' });

const WORK_PAYMENT = '0193b0ae-eeee-7aaa-8bbb-000000000901';
const FREELANCER = '0193b0ae-ffff-7aaa-8bbb-000000000a01';
const REFERRER = '0193b0ae-ffff-7aaa-8bbb-000000000a02';
const PAYOUT = '0193b0af-0000-7aaa-8bbb-000000000b01';
const workPayment = {
  workPaymentId: WORK_PAYMENT,
  entityId: ENTITY,
  payeeId: FREELANCER,
  kind: 'milestone' as const,
  reference: 'milestone-3',
  amount: '1200.00',
  currency: 'USD',
};

export const marketplaceEvents = {
  'work_payment.succeeded': entry(
    "A client's payment for work was charged: the commission, referral shares and payee earnings are on the ledger.",
    WorkPaymentEvent,
    {
      ...workPayment,
      commission: '170.00',
      lines: [
        { kind: 'marketplace_revenue', payeeId: null, amount: '153.00' },
        { kind: 'payee_earnings', payeeId: FREELANCER, amount: '1030.00' },
        { kind: 'referral_share', payeeId: REFERRER, amount: '17.00' },
      ],
      errorCode: null,
    },
  ),
  'work_payment.failed': entry(
    "The provider refused a client's payment for work: nothing was posted to the ledger.",
    WorkPaymentEvent,
    { ...workPayment, commission: null, lines: [], errorCode: 'card_declined' },
  ),
  'work_payment.refunded': entry(
    'Money of a work payment was returned to the client: each line of it clawed back in proportion.',
    WorkPaymentRefunded,
    {
      workPaymentId: WORK_PAYMENT,
      refundId: REFUND,
      entityId: ENTITY,
      amount: '100.00',
      amountRefunded: '100.00',
      currency: 'USD',
      clawedBack: [
        { kind: 'marketplace_revenue', payeeId: null, amount: '12.75' },
        { kind: 'payee_earnings', payeeId: FREELANCER, amount: '85.83' },
        { kind: 'referral_share', payeeId: REFERRER, amount: '1.42' },
      ],
    },
  ),
  'payout.created': entry(
    "A payout of a payee's available balance was made (its money is in transit to the payout provider).",
    PayoutEvent,
    {
      payoutId: PAYOUT,
      payeeId: FREELANCER,
      amount: '1030.00',
      currency: 'USD',
      status: 'in_transit',
      attempts: 0,
      errorCode: null,
    },
  ),
  'payout.paid': entry('The payout provider paid a payout out to the payee.', PayoutEvent, {
    payoutId: PAYOUT,
    payeeId: FREELANCER,
    amount: '1030.00',
    currency: 'USD',
    status: 'paid',
    attempts: 2,
    errorCode: null,
  }),
  'payout.failed': entry(
    "The payout provider refused a payout for good: its money is back on the payee's balance for the next payout.",
    PayoutEvent,
    {
      payoutId: PAYOUT,
      payeeId: FREELANCER,
      amount: '1030.00',
      currency: 'USD',
      status: 'failed',
      attempts: 1,
      errorCode: 'account_closed',
    },
  ),
} as const;
