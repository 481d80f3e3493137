// Ids, instants and shared objects of the catalog's examples (UUIDv7, as the platform makes them), so the examples of
// related events name the same entity, invoice and payment.
export const ORG = '0193b0a4-0000-7000-8000-000000000001';
export const ENTITY = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70';
export const ENTITY_2 = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f71';
export const USER = '0193b0a5-1111-7aaa-8bbb-0000000000a1';
export const EVENT = '0193b0a6-2222-7ccc-8ddd-0000000000e1';
export const GRANT = '0193b0a7-3333-7eee-8fff-0000000000c1';
export const GRANT_2 = '0193b0a7-3333-7eee-8fff-0000000000c2';
export const PACKAGE = '0193b0a7-4444-7eee-8fff-0000000000d1';
export const TRANSFER = '0193b0a7-5555-7eee-8fff-0000000000f1';
export const INVOICE = '0193b0a8-6666-7aaa-8bbb-000000000101';
export const PAYMENT = '0193b0a8-7777-7aaa-8bbb-000000000201';
export const SUBSCRIPTION = '0193b0a9-8888-7aaa-8bbb-000000000301';
export const PLAN = '0193b0a9-9999-7aaa-8bbb-000000000401';
export const PLAN_2 = '0193b0a9-9999-7aaa-8bbb-000000000402';
export const ENDPOINT = '0193b0aa-aaaa-7aaa-8bbb-000000000501';
export const DISPUTE = '0193b0ab-bbbb-7aaa-8bbb-000000000601';
export const REFUND = '0193b0ac-cccc-7aaa-8bbb-000000000701';
export const CREDIT_NOTE = '0193b0ad-dddd-7aaa-8bbb-000000000801';
export const PERIOD = { periodStart: '2026-12-01T00:00:00.000Z', periodEnd: '2027-01-01T00:00:00.000Z' };
export const AT = '2026-12-16T10:00:00.000Z';

export const entitySnapshot = {
  entityId: ENTITY,
  name: 'Acme US',
  status: 'active' as const,
  currency: 'USD',
  timeZone: 'America/New_York',
  billingAnchorDay: 1,
  overagePolicy: 'bill' as const,
  lowBalanceThreshold: '50.00',
};

export const subscription = {
  subscriptionId: SUBSCRIPTION,
  entityId: ENTITY,
  planId: PLAN,
  planName: 'Pro',
  interval: 'month' as const,
  pricePerSeat: '10.00',
  currency: 'USD',
  seats: 8,
  status: 'active' as const,
  currentPeriodStart: PERIOD.periodStart,
  currentPeriodEnd: PERIOD.periodEnd,
  cancelAtPeriodEnd: false,
  canceledAt: null,
  pausedAt: null,
  resumeAt: null,
  previous: { status: 'active' as const, seats: 5, planId: PLAN, cancelAtPeriodEnd: false },
  reason: 'api',
  changeId: 'idem:seats-8',
  proration: { settlement: 'charge_now' as const, net: '15.48', invoiceId: INVOICE },
  invoiceId: null,
  occurredAt: AT,
};

export const invoice = { invoiceId: INVOICE, entityId: ENTITY, number: 42, currency: 'USD' };

export const payment = {
  paymentId: PAYMENT,
  entityId: ENTITY,
  invoiceId: INVOICE,
  amount: '137.10',
  currency: 'USD',
  provider: 'sandbox',
  purpose: 'invoice' as const,
  occurredAt: AT,
};
