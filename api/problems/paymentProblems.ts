// Problems of payments, refunds, disputes and documents.
import { k, type ProblemKind } from './problemKind.js';

export const PAYMENT_PROBLEMS: Record<string, ProblemKind> = {
  // Payments, refunds and disputes.
  CARD_DATA_REFUSED: k(
    422,
    'Card data refused',
    'The body carries what looks like card data (a card number, CVC). The API takes provider tokens only (PCI DSS SAQ-A).',
    "Tokenise the card with your payment provider's client library and send its token.",
  ),
  UNKNOWN_PAYMENT_METHOD: k(
    422,
    'Unknown payment method',
    'The provider does not know the token, or the payment method is not one of this entity.',
    'Send a token from the configured provider, or a payment method id of the entity.',
  ),
  PAYMENT_METHOD_REFUSED: k(
    422,
    'Payment method refused',
    'The payment provider refused to attach the payment method (declined, expired, ...); `detail` says why.',
    'Ask the customer for another payment method.',
  ),
  PAYMENT_METHOD_WRONG_PROVIDER: k(
    422,
    'Payment method of another provider',
    'The payment method was attached through another payment provider than the one now configured.',
    'Attach the payment method again through the current provider.',
  ),
  CURRENCY_NOT_SUPPORTED: k(
    422,
    'Currency not supported by the provider',
    "The payment provider does not charge in the entity's currency.",
    'Collect this entity by invoice, or configure a provider that charges in its currency.',
  ),
  PAYMENT_IN_PROGRESS: k(
    409,
    'Payment in progress',
    'A charge attempt of this invoice is still running.',
    'Wait for its outcome (the payment webhooks, or GET the invoice payments), then retry if it failed.',
  ),
  COLLECTION_ENDED: k(
    409,
    'Collection ended',
    'The collection of this invoice has ended (paid, voided, or dunning exhausted) and is never rerun.',
    'Mark the invoice paid or void it; a new charge needs a new invoice.',
  ),
  PAYMENT_PROVIDER_UNAVAILABLE: k(
    503,
    'Payment provider unavailable',
    "The payment provider did not answer in time; the charge's outcome is not known yet.",
    'Retry the request with the same Idempotency-Key: the provider call repeats with the same provider key.',
  ),
  INVOICE_NOT_REFUNDABLE: k(
    409,
    'Invoice not refundable',
    'Only a paid invoice has something to refund.',
    'Read the invoice status; void an unpaid invoice instead.',
  ),
  REFUND_EXCEEDS_PAID: k(
    422,
    'Refund exceeds what was paid',
    'The amount is more than what is still refundable on the invoice (paid minus earlier refunds).',
    'Refund at most the refundable amount `detail` names.',
  ),
  REFUND_FAILED: k(
    402,
    'Refund failed',
    'The payment provider refused the refund; the refund is recorded as failed with its reason.',
    'Read the failure in `detail`; refund by other means and record a credit note if needed.',
  ),
  INVALID_SIGNATURE: k(
    401,
    'Invalid signature',
    'A payment provider webhook whose signature header does not verify with the configured secret. Nothing changed.',
    "Check the provider's webhook signing secret (STRIPE_WEBHOOK_SECRET).",
  ),
  WEBHOOKS_NOT_CONFIGURED: k(
    503,
    'Provider webhooks not configured',
    'The provider webhook endpoint has no signing secret configured, so it cannot verify any event.',
    'Set STRIPE_WEBHOOK_SECRET on the API.',
  ),

  // Documents.
  LINK_INVALID: k(
    404,
    'Link invalid',
    'The signed document link is unknown, tampered with or expired.',
    'Ask for a new link (the invoice response carries a fresh one).',
  ),
  PDF_RENDERER_UNAVAILABLE: k(
    503,
    'PDF unavailable',
    'This API process cannot render PDFs right now (no browser available).',
    'Use the HTML document, or retry later.',
  ),
};
