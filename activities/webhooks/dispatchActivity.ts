// The activity workflows call after their writes commit: hand the outbox rows they produced to delivery.
import type { Client } from '@temporalio/client';
import { startInvoiceCollectionWorkflow } from '../../temporal/workflowStarts.js';
import type { Db } from '../db.js';
import { createTenantDescriber } from '../organizations/tenantDescription.js';
import { organizationDunningDays } from '../payments/paymentSettings.js';
import { tenantDb } from '../tenantDb.js';
import { dispatchWebhookEvents } from './dispatchWebhookEvents.js';

export function createWebhookDispatchActivities(
  db: Db,
  temporal: Client | undefined,
  taskQueue: string,
  searchAttributes = true,
) {
  const describeTenant = createTenantDescriber(db);
  return {
    /**
     * Starts invoice:<invoiceId> (fixed id; never a second run), on the dunning schedule given, else the
     * organization's (Organization.dunningDays, read now: a change applies to collections started after it).
     */
    async startInvoiceCollection(input: {
      invoiceId: string;
      organizationId: string;
      entityId: string;
      dunningDays?: number[];
    }): Promise<{ started: boolean }> {
      if (!temporal) throw new Error('starting collection needs a Temporal client');
      const started = await startInvoiceCollectionWorkflow(
        { temporal, taskQueue, searchAttributes, describeTenant },
        { id: input.invoiceId, organizationId: input.organizationId, entityId: input.entityId },
        input.dunningDays ?? (await organizationDunningDays(tenantDb(db, input.organizationId), input.organizationId)),
      );
      return { started };
    },

    async dispatchWebhookEvents(input: { webhookEventIds: string[] }): Promise<{ deliveryIds: string[] }> {
      if (input.webhookEventIds.length === 0) return { deliveryIds: [] };
      if (!temporal) throw new Error('webhook dispatch needs a Temporal client');
      return {
        deliveryIds: await dispatchWebhookEvents(
          { db, temporal, taskQueue, searchAttributes, describeTenant },
          input.webhookEventIds,
        ),
      };
    },
  };
}
