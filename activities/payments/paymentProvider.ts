// The seam between the platform and whoever moves the money (activities/payments/providerSelection.ts picks one:
// the built-in sandbox or Stripe). Every call that moves money carries a deterministic idempotency key, and a provider
// must honour it: the same key returns the first outcome and never charges or refunds twice. A call whose outcome is
// unknown (a timeout, a 5xx) throws PaymentProviderTimeoutError and is repeated later with the same key, never a new
// one. Payment methods are provider tokens (PCI DSS SAQ-A: card numbers never reach the platform).

export interface ChargeRequest {
  /** payment:<invoiceId>:<attempt>: deterministic, so a retried activity cannot double-charge. */
  idempotencyKey: string;
  /** Decimal string in the currency's major unit, e.g. "49.00"; a whole number of minor units. */
  amount: string;
  currency: string;
  /** The provider's token of the payment method (a Stripe pm_..., a sandbox pm_card_...). */
  paymentMethod: string;
  /** The entity's customer at the provider (PaymentCustomer), when the provider has customers. */
  customerRef: string | null;
  /** 1-based attempt number of the dunning schedule. */
  attempt: number;
  description: string;
  /** Echoed back by the provider's webhooks (invoiceId, attempt, organizationId, entityId). */
  metadata: Record<string, string>;
}

/**
 * succeeded / failed: the provider decided. processing: it accepted the charge and tells the outcome later (a webhook:
 * payment_intent.succeeded or payment_intent.payment_failed); the attempt stays open until then.
 */
export type ChargeResult =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'processing'; providerRef: string }
  | { status: 'failed'; providerRef: string | null; errorCode: string; errorMessage: string };

/** The provider did not answer in time (or answered 5xx); the outcome is unknown, so the same key is retried. */
export class PaymentProviderTimeoutError extends Error {
  readonly code = 'PROVIDER_TIMEOUT';
}

/** The provider refused a payment method token: unknown to it (UNKNOWN_PAYMENT_METHOD) or unusable. */
export class PaymentMethodRefusedError extends Error {
  constructor(
    readonly code: 'UNKNOWN_PAYMENT_METHOD' | 'PAYMENT_METHOD_REFUSED',
    message: string,
  ) {
    super(message);
  }
}

export interface CustomerRequest {
  /** customer:<entityId>: one customer per entity, however often this is repeated. */
  idempotencyKey: string;
  entityId: string;
  organizationId: string;
  name: string;
}

/** What the provider says about an attached payment method (never the number itself). */
export interface AttachedPaymentMethod {
  providerRef: string;
  type: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
}

export interface AttachRequest {
  idempotencyKey: string;
  customerRef: string;
  token: string;
}

export interface RefundRequest {
  /** refund:<refundId>: the same on every repeat of one refund. */
  idempotencyKey: string;
  /** The providerRef of the charge attempt that took the money. */
  paymentRef: string;
  amount: string;
  currency: string;
  metadata: Record<string, string>;
}

/** pending: accepted, paid out later (a webhook says when). */
export type RefundResult =
  | { status: 'succeeded' | 'pending'; providerRef: string }
  | { status: 'failed'; providerRef: string | null; errorCode: string; errorMessage: string };

export interface PaymentProvider {
  readonly name: string;
  /** Charged when the entity has no default payment method (the sandbox's pm_card_ok); none for a real provider. */
  readonly fallbackPaymentMethod?: string;
  /** False for a currency the provider cannot charge in: charges fail with currency_not_supported, uncalled. */
  supportsCurrency(currency: string): boolean;
  createCustomer(request: CustomerRequest): Promise<{ customerRef: string }>;
  /** Throws PaymentMethodRefusedError for a token the provider does not know or cannot use. */
  attachPaymentMethod(request: AttachRequest): Promise<AttachedPaymentMethod>;
  /** Detaching one already detached (or unknown) is no error. */
  detachPaymentMethod(request: { customerRef: string; providerRef: string }): Promise<void>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** The current state of a charge the provider answered `processing` for (when its webhook is late). */
  chargeStatus(providerRef: string): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

/**
 * Currencies no card network settles in: funds codes and units of account (ISO 4217 lists them, and the platform can
 * invoice in them, but no payment provider here charges in them).
 */
export const NON_SETTLEMENT_CURRENCIES: ReadonlySet<string> = new Set([
  'BOV',
  'CHE',
  'CHW',
  'CLF',
  'COU',
  'MXV',
  'USN',
  'UYI',
  'UYW',
]);
