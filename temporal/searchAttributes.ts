// Custom search attributes set on every workflow so ops can filter runs by tenant in the Temporal UI, e.g.
//   EntityId = "0193..." or OrganizationId = "0193..." AND ExecutionStatus = "Running"
// `npm start` and the test setup register them on the server.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  OrganizationId: 'Keyword',
  EntityId: 'Keyword',
  PayeeId: 'Keyword',
} as const;

export const OrganizationIdKey = defineSearchAttributeKey('OrganizationId', SearchAttributeType.KEYWORD);
export const EntityIdKey = defineSearchAttributeKey('EntityId', SearchAttributeType.KEYWORD);
/** Set on payout:<payeeId> runs: `PayeeId = "0193..."` finds a payee's payouts. */
export const PayeeIdKey = defineSearchAttributeKey('PayeeId', SearchAttributeType.KEYWORD);

/** Whom a workflow works for: an organization, and the entity where there is one. */
export interface Tenant {
  organizationId: string;
  entityId?: string | null | undefined;
}

export function tenantSearchAttributes(tenant: Tenant) {
  return [
    { key: OrganizationIdKey, value: tenant.organizationId },
    ...(tenant.entityId ? [{ key: EntityIdKey, value: tenant.entityId }] : []),
  ];
}
