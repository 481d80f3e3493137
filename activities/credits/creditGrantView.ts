// The API shape of a credit grant, shared by purchases, promotional grants, transfers and balances.
import { Money } from '../../domain/money.js';

export interface CreditGrantView {
  id: string;
  entityId: string;
  source: 'purchase' | 'promo' | 'transfer' | 'refund';
  packageId: string | null;
  sourceGrantId: string | null;
  original: string;
  remaining: string;
  currency: string;
  expiresAt: string | null;
  priority: number;
  createdAt: string;
}

export function creditGrantView(g: {
  id: string;
  entityId: string;
  source: CreditGrantView['source'];
  packageId: string | null;
  sourceGrantId: string | null;
  original: { toString(): string };
  remaining: { toString(): string };
  currency: string;
  expiresAt: Date | null;
  priority: number;
  createdAt: Date;
}): CreditGrantView {
  return {
    id: g.id,
    entityId: g.entityId,
    source: g.source,
    packageId: g.packageId,
    sourceGrantId: g.sourceGrantId,
    original: Money.of(g.original.toString(), g.currency).toString(),
    remaining: Money.of(g.remaining.toString(), g.currency).toString(),
    currency: g.currency,
    expiresAt: g.expiresAt?.toISOString() ?? null,
    priority: g.priority,
    createdAt: g.createdAt.toISOString(),
  };
}
