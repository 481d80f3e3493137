// Entity lookups shared by the API and activities. Every read is scoped by organization: an entity of another
// organization is indistinguishable from one that does not exist.
import type { Db } from './db.js';

export async function findEntityInOrganization(db: Db, organizationId: string, entityId: string) {
  return db.entity.findFirst({ where: { id: entityId, organizationId, deletedAt: null } });
}

export async function listActiveEntityRefs(db: Db) {
  return db.entity.findMany({ where: { deletedAt: null }, select: { id: true, organizationId: true } });
}
