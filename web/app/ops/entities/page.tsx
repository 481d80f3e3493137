// Entities, searchable by name (case-insensitive substring; the API lists, the console filters).
import Link from 'next/link';
import { TemporalLinks } from '../../../components/TemporalLinks';
import { listAll } from '../../../lib/api';
import { requireOpsKey } from '../../../lib/session';
import { workflowIds } from '../../../lib/temporalLinks';
import type { Entity } from '../../../lib/types';

export const dynamic = 'force-dynamic';

export default async function EntitiesPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const key = await requireOpsKey();
  const q = ((await searchParams).q ?? '').trim();
  const all = await listAll<Entity>(key, '/api/entities');
  const shown = q ? all.filter((e) => e.name.toLowerCase().includes(q.toLowerCase())) : all;
  return (
    <main>
      <h1>Entities</h1>
      <search>
        <form method="get">
          <label htmlFor="q">Search by name</label> <input id="q" name="q" type="search" defaultValue={q} />{' '}
          <button type="submit">Search</button>
        </form>
      </search>
      <p className="muted">
        {shown.length} of {all.length} entities
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Currency</th>
            <th scope="col">Status</th>
            <th scope="col">Temporal</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.id}>
              <td>
                <Link href={`/ops/entities/${e.id}`}>{e.name}</Link>
              </td>
              <td>{e.currency}</td>
              <td>{e.status}</td>
              <td>
                <TemporalLinks workflowId={workflowIds.billing(e.id)} entityId={e.id} label={e.name} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
