// The seam between the platform and whoever pays payees out (a Stripe Connect transfer, a bank payout). Every call
// carries a deterministic idempotency key (payout:<payoutId>:<attempt>) and a provider must honour it: the same key
// returns the first outcome and never pays twice. Payout destinations are provider tokens only (a connected account),
// never bank details. A call whose outcome is unknown (a timeout, a 5xx) throws, and is repeated with the same key.

export interface TransferRequest {
  idempotencyKey: string;
  /** Decimal string in the currency's major unit, a whole number of minor units. */
  amount: string;
  currency: string;
  /** The payee's token at the provider. */
  destination: string;
  /** 1-based attempt of this payout. */
  attempt: number;
  metadata: Record<string, string>;
}

/**
 * paid: the provider took the transfer. failed: it refused; `retryable` says whether the same payout may be tried
 * again later (a temporary refusal) or not (a closed account: the money goes back to the payee's balance at once).
 */
export type TransferResult =
  | { status: 'paid'; providerRef: string }
  | { status: 'failed'; errorCode: string; errorMessage: string; retryable: boolean };

export interface PayoutProvider {
  readonly name: string;
  transfer(request: TransferRequest): Promise<TransferResult>;
}
