// tenant_column: every row's organizationId is its parent's. Row-level security reads a table's own organizationId
// (prisma/migrations/*_row_level_security), filled from the writing transaction's tenant; a row written by one
// organization under another's parent (a foreign key checks existence, not tenancy) would be invisible to the parent's
// organization and yet hold its key. The pairs come from the catalog: every single-column foreign key between two
// tables that both carry organizationId, plus MarketplaceEvent.entityId, which has no foreign key on purpose.
import type { Db } from '../db.js';

interface Reference {
  child: string;
  column: string;
  parent: string;
}

const EVENT_ENTITY: Reference = { child: 'MarketplaceEvent', column: 'entityId', parent: 'Entity' };
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** In the shape of checkInvariants' violations (declared here: checkInvariants imports this module). */
export interface TenantViolation {
  rule: 'tenant_column';
  ids: string[];
  detail: string;
}

export async function checkTenantInvariants(db: Db, organizationId: string | null): Promise<TenantViolation[]> {
  const references = await db.$queryRaw<Reference[]>`
    SELECT c.relname AS child, a.attname AS "column", p.relname AS parent
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_class p ON p.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
    WHERE n.nspname = 'public' AND k.contype = 'f' AND cardinality(k.conkey) = 1 AND c.oid <> p.oid
      AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = c.oid AND x.attname = 'organizationId' AND NOT x.attisdropped)
      AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = c.oid AND x.attname = 'id' AND NOT x.attisdropped)
      AND EXISTS (SELECT 1 FROM pg_attribute x WHERE x.attrelid = p.oid AND x.attname = 'organizationId' AND NOT x.attisdropped)
    ORDER BY 1, 2`;
  const violations: TenantViolation[] = [];
  for (const ref of [...references, EVENT_ENTITY]) {
    // Identifiers from the catalog, quoted; the organization is a parameter.
    const rows = await db.$queryRawUnsafe<Array<{ id: string; organizationId: string; parentOrganizationId: string }>>(
      `SELECT c."id"::text AS id, c."organizationId"::text AS "organizationId",
         p."organizationId"::text AS "parentOrganizationId"
       FROM ${quote(ref.child)} c JOIN ${quote(ref.parent)} p ON p."id" = c.${quote(ref.column)}
       WHERE c."organizationId" IS DISTINCT FROM p."organizationId"
         AND ($1::uuid IS NULL OR c."organizationId" = $1::uuid OR p."organizationId" = $1::uuid)`,
      organizationId,
    );
    for (const r of rows) {
      violations.push({
        rule: 'tenant_column',
        ids: [r.id],
        detail: `${ref.child} of organization ${r.organizationId} names ${ref.parent} (${ref.column}) of organization ${r.parentOrganizationId}`,
      });
    }
  }
  return violations;
}
