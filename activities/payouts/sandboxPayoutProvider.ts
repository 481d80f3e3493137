// The built-in sandbox payout provider: outcomes chosen by the payee's payout token, so tests and demos walk every
// payout path without moving money.
//   acct_sandbox_ok              pays
//   acct_sandbox_fail_then_ok    refuses the first attempt of a payout (temporarily: retryable), pays from the second
//   acct_sandbox_closed          refuses every attempt for good (account_closed: the money returns to the balance)
// Any other token is refused for good (invalid_destination). Repeating a key returns its first outcome.
import { createHash } from 'node:crypto';
import { Money } from '../../domain/money.js';
import type { PayoutProvider, TransferRequest, TransferResult } from './payoutProvider.js';

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export function createSandboxPayoutProvider(): PayoutProvider {
  const outcomes = new Map<string, TransferResult>();
  return {
    name: 'sandbox',
    async transfer(request: TransferRequest): Promise<TransferResult> {
      Money.of(request.amount, request.currency).toMinorUnits();
      const previous = outcomes.get(request.idempotencyKey);
      if (previous) return previous;
      const paid: TransferResult = { status: 'paid', providerRef: `tr_sandbox_${digest(request.idempotencyKey)}` };
      let result: TransferResult;
      if (request.destination === 'acct_sandbox_ok') result = paid;
      else if (request.destination === 'acct_sandbox_fail_then_ok') {
        result =
          request.attempt <= 1
            ? {
                status: 'failed',
                errorCode: 'insufficient_platform_balance',
                errorMessage: 'Try again later.',
                retryable: true,
              }
            : paid;
      } else if (request.destination === 'acct_sandbox_closed') {
        result = {
          status: 'failed',
          errorCode: 'account_closed',
          errorMessage: 'The account is closed.',
          retryable: false,
        };
      } else {
        result = {
          status: 'failed',
          errorCode: 'invalid_destination',
          errorMessage: `Unknown sandbox payout account ${request.destination}.`,
          retryable: false,
        };
      }
      outcomes.set(request.idempotencyKey, result);
      return result;
    },
  };
}
