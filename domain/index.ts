/**
 * Public API of the billing domain: pure, deterministic billing math (no I/O, no clock, no randomness), safe to
 * import from activities, the API and Temporal workflow code alike.
 */

export * from './billingPeriods.js';
export * from './commissionPlans.js';
export * from './creditDrawdown.js';
export * from './currencies.js';
export * from './currencyConversion.js';
export * from './errors.js';
export * from './eventPricer.js';
export * from './invoiceComposition.js';
export * from './ledgerPostings.js';
export * from './meteringDecision.js';
export * from './money.js';
export * from './paymentFailures.js';
export * from './payoutTiming.js';
export * from './periodTiling.js';
export * from './proration.js';
export * from './recommendations.js';
export * from './refunds.js';
export * from './retentionPolicy.js';
export * from './revenueShare.js';
export * from './seatPricing.js';
export * from './subscriptionFee.js';
export * from './tieredPricing.js';
export * from './workPaymentAllocation.js';
export * from './zonedTime.js';
