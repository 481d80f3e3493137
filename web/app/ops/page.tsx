// Organization overview: what needs attention today, from the public API only.
import Link from 'next/link';
import { TemporalLinks } from '../../components/TemporalLinks';
import { api, listAll } from '../../lib/api';
import { sumAmounts } from '../../lib/money';
import { requireOpsKey } from '../../lib/session';
import { workflowIds } from '../../lib/temporalLinks';
import type { BillingWorkflowStatus, Delivery, Entity, Invoice, RevenueReport, UsageReport } from '../../lib/types';

export const dynamic = 'force-dynamic';

function byCurrency<T>(items: T[], currency: (t: T) => string, amount: (t: T) => string) {
  const groups = new Map<string, string[]>();
  for (const i of items) groups.set(currency(i), [...(groups.get(currency(i)) ?? []), amount(i)]);
  return [...groups.entries()].map(([c, a]) => `${sumAmounts(a)} ${c}`).join(' · ') || '0';
}

/** This month's invoiced revenue in the organization's reporting currency, with the rates it was converted at. */
function revenueLine(report: RevenueReport | Error): { value: string; rates: string } {
  if (report instanceof Error) return { value: 'not available', rates: report.message };
  const rates = report.byCurrency
    .filter((c) => c.currency !== report.reportingCurrency)
    .map((c) => `1 ${c.currency} = ${c.exchangeRate.rate} ${report.reportingCurrency}`)
    .join(' · ');
  return { value: `${report.totals.invoiced} ${report.reportingCurrency}`, rates };
}

export default async function OpsOverview() {
  const key = await requireOpsKey();
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [entities, open, uncollectible, failed, dead] = await Promise.all([
    listAll<Entity>(key, '/api/entities'),
    listAll<Invoice>(key, '/api/billing/invoices?status=open'),
    listAll<Invoice>(key, '/api/billing/invoices?status=uncollectible'),
    listAll<Delivery>(key, '/api/webhooks/deliveries?status=failed'),
    listAll<Delivery>(key, '/api/webhooks/deliveries?status=dead'),
  ]);
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const revenue = revenueLine(
    await api<RevenueReport>(
      key,
      `/api/analytics/revenue?from=${monthStart.toISOString()}&to=${nextMonth.toISOString()}`,
    ).catch((err: Error) => err),
  );
  const recent = await listAll<Invoice & { issuedAt: string | null }>(
    key,
    `/api/billing/invoices?periodStartFrom=${new Date(monthStart.getTime() - 62 * 86_400_000).toISOString()}`,
  );
  const perEntity = await Promise.all(
    entities.map(async (e) => {
      const [usage, workflow] = await Promise.all([
        api<UsageReport>(key, `/api/analytics/usage?entityId=${e.id}&groupBy=eventType`).catch(() => null),
        api<BillingWorkflowStatus>(key, `/api/entities/${e.id}/billing-workflow`, { timeoutMs: 3000 }).catch(
          (err: Error) => ({
            workflowId: workflowIds.billing(e.id),
            runId: '',
            status: err.name === 'TimeoutError' ? 'no answer (worker down?)' : `unreachable: ${err.message}`,
          }),
        ),
      ]);
      return { entity: e, usage, workflow };
    }),
  );
  const name = new Map(entities.map((e) => [e.id, e.name]));
  const pastDue = open.filter((i) => i.dueAt !== null && new Date(i.dueAt) < now);
  const invoicedThisMonth = recent.filter(
    (i) => i.issuedAt !== null && new Date(i.issuedAt) >= monthStart && i.status !== 'void' && i.status !== 'draft',
  );
  const troubled = perEntity.filter((p) => p.workflow.status !== 'RUNNING');
  const failing = [...failed, ...dead];
  const suspended = entities.filter((e) => e.status !== 'active');

  return (
    <main>
      <h1>Organization overview</h1>
      <section className="grid" aria-label="Key figures">
        <div className="stat">
          <div className="label">Usage rated this period</div>
          <div className="value" data-testid="usage-this-period">
            {byCurrency(
              perEntity.filter((p) => p.usage),
              (p) => p.usage?.currency ?? '',
              (p) => p.usage?.totals.ratedAmount ?? '0',
            )}
          </div>
        </div>
        <div className="stat">
          <div className="label">Invoiced this month</div>
          <div className="value">
            {byCurrency(
              invoicedThisMonth,
              (i) => i.currency,
              (i) => i.total,
            )}
          </div>
        </div>
        <div className="stat">
          <div className="label">Invoiced this month, in the reporting currency</div>
          <div className="value" data-testid="revenue-reported">
            {revenue.value}
          </div>
          <div className="muted">{revenue.rates}</div>
        </div>
        <div className="stat">
          <div className="label">Open invoices</div>
          <div className="value" data-testid="open-invoices">
            {open.length}
          </div>
        </div>
        <div className="stat">
          <div className="label">Past due</div>
          <div className={`value ${pastDue.length ? 'bad' : ''}`}>{pastDue.length}</div>
        </div>
        <div className="stat">
          <div className="label">Failed payments (uncollectible)</div>
          <div className={`value ${uncollectible.length ? 'bad' : ''}`}>{uncollectible.length}</div>
        </div>
        <div className="stat">
          <div className="label">Webhook deliveries failing</div>
          <div className={`value ${failing.length ? 'bad' : ''}`}>{failing.length}</div>
        </div>
        <div className="stat">
          <div className="label">Workflows in trouble</div>
          <div className={`value ${troubled.length ? 'bad' : ''}`}>{troubled.length}</div>
        </div>
      </section>

      <h2>Entities</h2>
      <table>
        <caption className="muted">Usage this billing period and the state of each entity's billing workflow</caption>
        <thead>
          <tr>
            <th scope="col">Entity</th>
            <th scope="col">Status</th>
            <th scope="col" className="n">
              Events
            </th>
            <th scope="col" className="n">
              Rated
            </th>
            <th scope="col" className="n">
              Billed beyond credits
            </th>
            <th scope="col">Billing workflow</th>
          </tr>
        </thead>
        <tbody>
          {perEntity.map(({ entity, usage, workflow }) => (
            <tr key={entity.id}>
              <td>
                <Link href={`/ops/entities/${entity.id}`}>{entity.name}</Link>
              </td>
              <td className={entity.status === 'active' ? '' : 'bad'}>{entity.status}</td>
              <td className="n">{usage?.totals.events ?? '—'}</td>
              <td className="n">{usage ? `${usage.totals.ratedAmount} ${usage.currency}` : '—'}</td>
              <td className="n">{usage ? `${usage.totals.billedLater} ${usage.currency}` : '—'}</td>
              <td>
                <span className={workflow.status === 'RUNNING' ? '' : 'bad'}>{workflow.status}</span>{' '}
                <TemporalLinks workflowId={workflowIds.billing(entity.id)} entityId={entity.id} label={entity.name} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Open and past-due invoices</h2>
      {open.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Entity</th>
              <th scope="col">Due</th>
              <th scope="col" className="n">
                Still owed
              </th>
              <th scope="col">Temporal</th>
            </tr>
          </thead>
          <tbody>
            {open.map((i) => (
              <tr key={i.id}>
                <td>
                  <a href={`/ops/invoices/${i.id}/document`}>{i.number ?? 'draft'}</a>
                </td>
                <td>{i.entityId ? (name.get(i.entityId) ?? i.entityId) : '—'}</td>
                <td className={pastDue.includes(i) ? 'bad' : ''}>
                  {i.dueAt?.slice(0, 10) ?? '—'}
                  {pastDue.includes(i) ? ' (past due)' : ''}
                </td>
                <td className="n">
                  {i.amountRemaining} {i.currency}
                </td>
                <td>
                  <TemporalLinks workflowId={workflowIds.invoice(i.id)} label={`invoice ${i.number ?? i.id}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Failed payments and suspended entities</h2>
      {uncollectible.length === 0 && suspended.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul>
          {uncollectible.map((i) => (
            <li key={i.id}>
              Invoice {i.number} of {i.entityId ? name.get(i.entityId) : '—'}: uncollectible, {i.total} {i.currency}{' '}
              <TemporalLinks workflowId={workflowIds.invoice(i.id)} label={`invoice ${i.number}`} />
            </li>
          ))}
          {suspended.map((e) => (
            <li key={e.id}>
              <Link href={`/ops/entities/${e.id}`}>{e.name}</Link> is {e.status}
            </li>
          ))}
        </ul>
      )}

      <h2>Failing webhook deliveries</h2>
      {failing.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Last error</th>
              <th scope="col">Temporal</th>
            </tr>
          </thead>
          <tbody>
            {failing.map((d) => (
              <tr key={d.id}>
                <td>{d.eventType}</td>
                <td className="bad">{d.status}</td>
                <td>{d.lastError ?? ''}</td>
                <td>
                  <TemporalLinks workflowId={workflowIds.delivery(d.id)} label={`delivery ${d.id}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
