// The seam between collection and whoever moves the money. A provider must honour the idempotency key: a repeated
// charge with the same key returns the first outcome and never charges twice.

export interface ChargeRequest {
  /** payment:<invoiceId>:<attempt>: deterministic, so a retried activity cannot double-charge. */
  idempotencyKey: string;
  /** Decimal string in the currency's major unit, e.g. "49.00". */
  amount: string;
  currency: string;
  paymentMethod: string;
  /** 1-based attempt number of the dunning schedule. */
  attempt: number;
  description: string;
}

export type ChargeResult =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'failed'; providerRef: string | null; errorCode: string; errorMessage: string };

/** The provider did not answer in time; the outcome is unknown, so the same key is retried (never a new key). */
export class PaymentProviderTimeoutError extends Error {
  readonly code = 'PROVIDER_TIMEOUT';
}

export interface PaymentProvider {
  readonly name: string;
  charge(request: ChargeRequest): Promise<ChargeResult>;
}
