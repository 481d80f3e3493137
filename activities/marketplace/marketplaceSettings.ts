// The organization's marketplace settings: the security hold of payees' earnings (days before they can be paid out).
// Without a row the default applies (DEFAULT_PAYOUT_HOLD_DAYS); a change applies to every payout decided after it.
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { DEFAULT_PAYOUT_HOLD_DAYS } from './payouts.js';

export interface MarketplaceSettingsView {
  payoutHoldDays: number;
}

export async function readMarketplaceSettings(db: Db, organizationId: string): Promise<MarketplaceSettingsView> {
  const row = await db.marketplaceSettings.findUnique({ where: { organizationId } });
  return { payoutHoldDays: row?.payoutHoldDays ?? DEFAULT_PAYOUT_HOLD_DAYS };
}

export async function updateMarketplaceSettings(
  db: Db,
  actor: Actor,
  organizationId: string,
  patch: { payoutHoldDays?: number | undefined },
): Promise<MarketplaceSettingsView> {
  return db.$transaction(async (tx) => {
    const before = await tx.marketplaceSettings.findUnique({ where: { organizationId } });
    const row = await tx.marketplaceSettings.upsert({
      where: { organizationId },
      create: { organizationId, payoutHoldDays: patch.payoutHoldDays ?? DEFAULT_PAYOUT_HOLD_DAYS },
      update: patch.payoutHoldDays === undefined ? {} : { payoutHoldDays: patch.payoutHoldDays },
    });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'marketplace_settings.update',
      targetType: 'organization',
      targetId: organizationId,
      before: { payoutHoldDays: before?.payoutHoldDays ?? DEFAULT_PAYOUT_HOLD_DAYS },
      after: { payoutHoldDays: row.payoutHoldDays },
    });
    return { payoutHoldDays: row.payoutHoldDays };
  });
}
