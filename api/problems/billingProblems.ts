// Problems of credits, seat subscriptions, invoices, billing jobs and workflows, webhook URLs and API keys.
import { k, type ProblemKind } from './problemKind.js';

export const BILLING_PROBLEMS: Record<string, ProblemKind> = {
  // Credits.
  INVALID_EXPIRY: k(422, 'Invalid expiry', 'expiresAt is not in the future.', 'Send a future instant or null.'),
  SAME_ENTITY: k(422, 'Same entity', 'A transfer from an entity to itself.', 'Name two different entities.'),
  INVALID_RANGE: k(422, 'Invalid range', '`to` is not after `from`.', 'Send from < to.'),
  PACKAGE_INACTIVE: k(422, 'Package inactive', 'The credit package is not for sale.', 'Activate it or buy another.'),
  PAYMENT_UNAVAILABLE: k(
    422,
    'Payment unavailable',
    'Immediate payment was asked for but no payment provider is configured.',
    "Use payment 'invoice'.",
  ),
  PAYMENT_FAILED: k(
    402,
    'Payment failed',
    'The payment provider declined the charge. Nothing was created and nothing is stored for the Idempotency-Key.',
    "Update the entity's payment method and retry.",
  ),

  // Subscriptions.
  PLAN_NOT_FOUND: k(
    422,
    'Plan not found',
    'The seat plan does not exist, is deleted or inactive.',
    'Use an active plan.',
  ),
  PLAN_NOT_COMPATIBLE: k(
    422,
    'Plan not compatible',
    "The plan's currency is not the entity's, or a plan change switches currency or interval.",
    'Pick a plan in the same currency and interval, or cancel and subscribe anew.',
  ),
  INVALID_SEATS: k(422, 'Invalid seats', 'seats must be a whole number from 1 to 1,000,000.', 'Send a whole number.'),
  INVALID_RESUME_AT: k(422, 'Invalid resumeAt', 'resumeAt is not in the future.', 'Send a future instant or null.'),
  SUBSCRIPTION_CANCELED: k(409, 'Subscription canceled', 'The subscription has ended.', 'Create a new subscription.'),
  SUBSCRIPTION_PAUSED: k(409, 'Subscription paused', 'The change needs an active subscription.', 'Resume it first.'),
  SUBSCRIPTION_NOT_PAUSED: k(409, 'Subscription not paused', 'Only a paused subscription resumes.', 'Nothing to do.'),
  SUBSCRIPTION_NOT_FOUND: k(
    404,
    'Subscription not found',
    'No such subscription in your organization.',
    'Check the id.',
  ),
  INVALID_SUBSCRIPTION_CHANGE: k(
    409,
    'Subscription change rejected',
    "The change is not possible in the subscription's current state.",
    'Read the subscription and retry a change that applies.',
  ),
  SEAT_PLAN_IN_USE: k(409, 'Seat plan in use', 'A live subscription uses the plan.', 'Deactivate the plan instead.'),

  // Invoices, jobs, workflows, webhooks, keys.
  INVOICE_NOT_VOIDABLE: k(
    409,
    'Invoice not voidable',
    'Only draft, open or uncollectible invoices can be voided.',
    'Read the invoice status: a paid invoice is refunded instead.',
  ),
  INVOICE_NOT_PAYABLE: k(
    409,
    'Invoice not payable',
    'Only open or uncollectible invoices can be marked paid.',
    'Read the invoice status: it is already paid or void.',
  ),
  JOB_FINISHED: k(409, 'Job already finished', 'The billing job is no longer running.', 'Nothing to cancel.'),
  BILLING_WORKFLOW_NOT_RUNNING: k(
    409,
    'Billing workflow not running',
    "The entity's billing workflow is not running, or is between two runs.",
    'Start it (POST /api/entities/{entityId}/billing-workflow) or retry shortly.',
  ),
  WEBHOOK_URL_NOT_ALLOWED: k(
    422,
    'Webhook URL not allowed',
    'The URL is not http(s), does not resolve, or resolves to a loopback, private or link-local address.',
    'Use a public URL (internal ones only with WEBHOOK_ALLOW_INTERNAL_URLS in development).',
  ),
  API_KEY_REVOKED: k(409, 'API key revoked', 'The key is already revoked.', 'Create a new key.'),
  ORGANIZATION_HAS_KEYS: k(
    409,
    'Organization has keys',
    'The bootstrap key may only mint a key for an organization without an active one.',
    'Use an admin key of the organization.',
  ),
};
