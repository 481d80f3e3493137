// One entity for ops: balance and grants, subscriptions, invoices, recommendations, each with its Temporal workflow;
// and a button that opens the entity's customer portal (a fresh signed session).
import { redirect } from 'next/navigation';
import { Recommendations } from '../../../../components/Recommendations';
import { TemporalLinks } from '../../../../components/TemporalLinks';
import { api, listAll } from '../../../../lib/api';
import { opsKey, requireOpsKey } from '../../../../lib/session';
import { workflowIds } from '../../../../lib/temporalLinks';
import type { Entity, Grant, Invoice, Recommendation, Subscription } from '../../../../lib/types';

export const dynamic = 'force-dynamic';

async function openPortal(form: FormData) {
  'use server';
  const key = await requireOpsKey();
  const entityId = String(form.get('entityId'));
  const session = await api<{ url: string }>(key, `/api/entities/${encodeURIComponent(entityId)}/portal-sessions`, {
    method: 'POST',
    body: { expiresInMinutes: 60 },
  });
  redirect(session.url);
}

export default async function EntityPage({ params }: { params: Promise<{ entityId: string }> }) {
  const key = await requireOpsKey();
  const { entityId } = await params;
  const id = encodeURIComponent(entityId);
  const [entity, balance, subs, invoices, recs] = await Promise.all([
    api<Entity>(key, `/api/entities/${id}`),
    api<{ balance: string; currency: string; grants: Grant[] }>(key, `/api/billing/credits/balances/${id}`),
    listAll<Subscription>(key, `/api/billing/subscriptions?entityId=${id}`),
    listAll<Invoice>(key, `/api/billing/invoices?entityId=${id}`),
    api<{ recommendations: Recommendation[] }>(key, `/api/entities/${id}/recommendations`),
  ]);
  return (
    <main>
      <h1>{entity.name}</h1>
      <p>
        {entity.currency} · {entity.timeZone} ·{' '}
        <span className={entity.status === 'active' ? '' : 'bad'}>{entity.status}</span> · billing{' '}
        <TemporalLinks workflowId={workflowIds.billing(entity.id)} entityId={entity.id} label={entity.name} />
      </p>
      <form action={openPortal}>
        <input type="hidden" name="entityId" value={entity.id} />
        <button type="submit">Open the customer portal</button>
      </form>

      <h2>Recommendations</h2>
      <section className="card">
        <Recommendations items={recs.recommendations} />
      </section>

      <h2>Credits</h2>
      <p>
        Balance <strong data-testid="ops-balance">{balance.balance}</strong> {balance.currency}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Grant</th>
            <th scope="col" className="n">
              Remaining
            </th>
            <th scope="col">Expires</th>
            <th scope="col">Temporal</th>
          </tr>
        </thead>
        <tbody>
          {balance.grants.map((g) => (
            <tr key={g.id}>
              <td>{g.source}</td>
              <td className="n">
                {g.remaining} of {g.original}
              </td>
              <td>{g.expiresAt?.slice(0, 10) ?? 'never'}</td>
              <td>
                {g.expiresAt ? <TemporalLinks workflowId={workflowIds.grant(g.id)} label={`grant ${g.id}`} /> : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Subscriptions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Plan</th>
            <th scope="col">Status</th>
            <th scope="col" className="n">
              Seats
            </th>
            <th scope="col" className="n">
              Per seat
            </th>
            <th scope="col">Temporal</th>
          </tr>
        </thead>
        <tbody>
          {subs.map((s) => (
            <tr key={s.id}>
              <td>{s.planName}</td>
              <td>{s.status}</td>
              <td className="n">{s.seats}</td>
              <td className="n">
                {s.pricePerSeat} {s.currency}
              </td>
              <td>
                <TemporalLinks workflowId={workflowIds.subscription(s.id)} label={`subscription ${s.planName}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Invoices</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">Status</th>
            <th scope="col">Period</th>
            <th scope="col" className="n">
              Total
            </th>
            <th scope="col" className="n">
              Still owed
            </th>
            <th scope="col">Documents</th>
            <th scope="col">Temporal</th>
          </tr>
        </thead>
        <tbody>
          {[...invoices].reverse().map((i) => (
            <tr key={i.id}>
              <td>{i.number ?? 'draft'}</td>
              <td>{i.status}</td>
              <td>
                {i.periodStart.slice(0, 10)} – {i.periodEnd.slice(0, 10)}
              </td>
              <td className="n">
                {i.total} {i.currency}
              </td>
              <td className="n">{i.amountRemaining}</td>
              <td>
                <a href={`/ops/invoices/${i.id}/document`}>HTML</a> ·{' '}
                <a href={`/ops/invoices/${i.id}/document?format=pdf`}>PDF</a>
              </td>
              <td>
                <TemporalLinks workflowId={workflowIds.invoice(i.id)} label={`invoice ${i.number ?? i.id}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
