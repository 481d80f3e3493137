// Every /api route module, mounted in one chain: createApp mounts it behind the API middleware (body limit, auth,
// rate limit, input guards, idempotency store), and its type is the typed client's (api/client.ts), so the app and
// the client can never list different routes.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AuthEnv } from '../auth.js';
import type { RouteDeps } from '../routeDeps.js';
import { analyticsRoutes } from './analytics.js';
import { apiKeyRoutes } from './apiKeys.js';
import { auditLogRoutes } from './auditLog.js';
import { billingEventReadRoutes } from './billingEventReads.js';
import { billingEventRoutes } from './billingEvents.js';
import { billingJobRoutes } from './billingJobs.js';
import { billingWorkflowRoutes } from './billingWorkflow.js';
import { commissionPlanRoutes } from './commissionPlans.js';
import { creditPackageRoutes } from './creditPackages.js';
import { creditRoutes } from './credits.js';
import { entityRoutes } from './entities.js';
import { entitlementRoutes } from './entitlements.js';
import { exchangeRateRoutes } from './exchangeRates.js';
import { invoiceDocumentLinkRoutes } from './invoiceDocuments.js';
import { invoiceRoutes } from './invoices.js';
import { legacyCustomerRoutes } from './legacyCustomers.js';
import { legacyInvoiceRoutes } from './legacyInvoices.js';
import { organizationRoutes } from './organizations.js';
import { outboxEventRoutes } from './outboxEvents.js';
import { payeeRoutes } from './payees.js';
import { paymentMethodRoutes } from './paymentMethods.js';
import { paymentSettingsRoutes } from './paymentSettings.js';
import { paymentRoutes } from './payments.js';
import { payoutRoutes } from './payouts.js';
import { portalRoutes } from './portal.js';
import { priceBookRoutes } from './priceBooks.js';
import { recommendationRoutes } from './recommendations.js';
import { refundRoutes } from './refunds.js';
import { retentionPolicyRoutes } from './retentionPolicy.js';
import { seatPlanRoutes } from './seatPlans.js';
import { splitRuleRoutes } from './splitRules.js';
import { subscriptionRoutes } from './subscriptions.js';
import { teamRoutes } from './teams.js';
import { testClockRoutes } from './testClocks.js';
import { userLimitRoutes } from './userLimits.js';
import { userRoutes } from './users.js';
import { webhookEndpointRoutes } from './webhookEndpoints.js';
import { workPaymentRoutes } from './workPayments.js';

export function apiRoutes(deps: RouteDeps) {
  return (
    new OpenAPIHono<AuthEnv>()
      // Platform resources.
      .route('/', organizationRoutes(deps))
      .route('/', apiKeyRoutes(deps))
      .route('/', testClockRoutes(deps))
      .route('/', entityRoutes(deps))
      .route('/', entitlementRoutes(deps))
      .route('/', billingWorkflowRoutes(deps))
      .route('/', billingJobRoutes(deps))
      .route('/', subscriptionRoutes(deps))
      .route('/', teamRoutes(deps))
      .route('/', userRoutes(deps))
      .route('/', priceBookRoutes(deps))
      .route('/', seatPlanRoutes(deps))
      .route('/', exchangeRateRoutes(deps))
      .route('/', invoiceRoutes(deps))
      .route('/', paymentMethodRoutes(deps))
      .route('/', paymentRoutes(deps))
      .route('/', paymentSettingsRoutes(deps))
      .route('/', refundRoutes(deps))
      .route('/', webhookEndpointRoutes(deps))
      .route('/', auditLogRoutes(deps))
      .route('/', retentionPolicyRoutes(deps))
      .route('/', legacyCustomerRoutes(deps))
      .route('/', legacyInvoiceRoutes(deps))
      // Metering and prepaid credits.
      .route('/', billingEventRoutes(deps))
      .route('/', billingEventReadRoutes(deps))
      .route('/', outboxEventRoutes(deps))
      .route('/', creditPackageRoutes(deps))
      .route('/', creditRoutes(deps))
      .route('/', userLimitRoutes(deps))
      .route('/', analyticsRoutes(deps))
      // Marketplace money flows: payees, commission plans, split rules, work payments on the double-entry ledger.
      .route('/', payeeRoutes(deps))
      .route('/', commissionPlanRoutes(deps))
      .route('/', splitRuleRoutes(deps))
      .route('/', workPaymentRoutes(deps))
      .route('/', payoutRoutes(deps))
      // The console: document links, recommendations, customer portal sessions.
      .route('/', invoiceDocumentLinkRoutes(deps))
      .route('/', recommendationRoutes(deps))
      .route('/', portalRoutes(deps))
  );
}
