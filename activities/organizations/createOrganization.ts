// A new tenant and its first admin API key, in one transaction (what the bootstrap admin key is for).

import { auditView, insertApiKey } from '../apiKeyLifecycle.js';
import type { ApiKeyScope } from '../apiKeys.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { uuidv7 } from '../metering/uuidv7.js';
import { tenantDb } from '../tenantDb.js';

export interface NewOrganization {
  name: string;
  billingEmail: string;
  domain?: string | null | undefined;
  /** Currency of cross-entity reports (default USD). */
  reportingCurrency?: string | undefined;
  apiKey: { name: string; scopes: ApiKeyScope[] };
}

/**
 * The caller (the bootstrap key) belongs to no organization; the new organization is its own tenant from its first row
 * (tenantDb.ts), so its id is chosen here, before the insert.
 */
export async function createOrganization(db: Db, actor: Actor, input: NewOrganization) {
  const id = uuidv7();
  return tenantDb(db, id).$transaction(async (tx) => {
    const organization = await tx.organization.create({
      data: {
        id,
        name: input.name,
        billingEmail: input.billingEmail,
        domain: input.domain ?? null,
        ...(input.reportingCurrency ? { reportingCurrency: input.reportingCurrency } : {}),
      },
    });
    const key = await insertApiKey(tx, actor, organization.id, input.apiKey, { audit: false });
    await recordAudit(tx, actor, {
      organizationId: organization.id,
      action: 'organization.create',
      targetType: 'organization',
      targetId: organization.id,
      after: { ...organization, apiKey: auditView(key.row) },
    });
    return { organization, apiKey: key.row, secret: key.secret };
  });
}
