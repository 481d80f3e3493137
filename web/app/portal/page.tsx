// The customer portal: one entity's billing, for its admin, through the signed session the marketplace created.
import { randomUUID } from 'node:crypto';
import { redirect } from 'next/navigation';
import { Recommendations } from '../../components/Recommendations';
import { type Series, UsageChart } from '../../components/UsageChart';
import { ApiError, api } from '../../lib/api';
import { portalToken } from '../../lib/session';
import type { Recommendation } from '../../lib/types';

export const dynamic = 'force-dynamic';

interface Overview {
  entity: { id: string; name: string; currency: string; status: string; timeZone: string };
  sessionExpiresAt: string;
  balance: {
    balance: string;
    lowBalanceThreshold: string;
    grants: Array<{ id: string; source: string; original: string; remaining: string; expiresAt: string | null }>;
  };
  burn: {
    windowDays: number;
    consumed: string;
    burnRatePerDay: string;
    projectedDepletionAt: string | null;
    daysUntilDepletion: string | null;
    expiringBeforeDepletion: string;
  };
  usage: { days: string[]; byEventType: Series[]; byUser: Series[] };
  users: Array<{
    userId: string;
    name: string | null;
    spent: string;
    creditLimit: string | null;
    remaining: string | null;
    limitReached: boolean;
  }>;
  subscriptions: Array<{
    id: string;
    planName: string;
    status: string;
    seatsPurchased: number;
    seatsAssigned: number;
    pricePerSeat: string;
    interval: string;
  }>;
  invoices: Array<{
    id: string;
    number: number | null;
    status: string;
    periodStart: string;
    periodEnd: string;
    total: string;
    amountRemaining: string;
    htmlUrl: string;
    pdfUrl: string;
  }>;
  packages: Array<{ id: string; name: string; credits: string; price: string; validityDays: number }>;
  recommendations: Recommendation[];
}

async function buy(form: FormData) {
  'use server';
  const token = await portalToken();
  if (!token) redirect('/portal');
  let outcome = 'bought';
  try {
    await api(token, '/api/portal/credit-purchases', {
      method: 'POST',
      body: { packageId: String(form.get('packageId')), idempotencyKey: String(form.get('purchaseKey')) },
    });
  } catch (err) {
    outcome = err instanceof ApiError ? err.code : 'failed';
  }
  redirect(`/portal?purchase=${encodeURIComponent(outcome)}`);
}

/** The period's last day: invoices store the exclusive end, a reader expects the inclusive one. */
const lastDay = (periodEnd: string) => new Date(new Date(periodEnd).getTime() - 1).toISOString().slice(0, 10);

export default async function PortalPage({ searchParams }: { searchParams: Promise<{ purchase?: string }> }) {
  const token = await portalToken();
  const { purchase } = await searchParams;
  if (!token) {
    return (
      <main>
        <h1>Billing portal</h1>
        <p>Your portal session has ended. Ask the marketplace for a new link.</p>
      </main>
    );
  }
  let o: Overview;
  try {
    o = await api<Overview>(token, '/api/portal/overview');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      return (
        <main>
          <h1>Billing portal</h1>
          <p>Your portal session has expired. Ask the marketplace for a new link.</p>
        </main>
      );
    }
    throw err;
  }
  const c = o.entity.currency;
  return (
    <>
      <header className="top">
        <strong>{o.entity.name}: billing</strong>
        <span className="muted">Session until {o.sessionExpiresAt.slice(11, 16)} UTC</span>
      </header>
      <main>
        <h1>Billing for {o.entity.name}</h1>
        {purchase ? (
          <p role="status" className={purchase === 'bought' ? '' : 'bad'}>
            {purchase === 'bought'
              ? 'Credit package bought; it is billed on your next invoice.'
              : `Purchase failed (${purchase}).`}
          </p>
        ) : null}
        <div className="grid">
          <div className="stat">
            <div className="label">Credit balance</div>
            <div className="value" data-testid="portal-balance">
              {o.balance.balance} {c}
            </div>
          </div>
          <div className="stat">
            <div className="label">Burn rate ({o.burn.windowDays} days)</div>
            <div className="value">
              {o.burn.burnRatePerDay} {c}/day
            </div>
          </div>
          <div className="stat">
            <div className="label">Projected depletion</div>
            <div className="value">
              {o.burn.projectedDepletionAt
                ? `${o.burn.projectedDepletionAt.slice(0, 10)} (${o.burn.daysUntilDepletion} days)`
                : 'not at this pace'}
            </div>
          </div>
          <div className="stat">
            <div className="label">Expiring before then</div>
            <div className="value">
              {o.burn.expiringBeforeDepletion} {c}
            </div>
          </div>
        </div>

        <h2>Recommendations</h2>
        <section className="card">
          <Recommendations items={o.recommendations} />
        </section>

        <h2>Usage, last {o.usage.days.length} days, by event type</h2>
        <section className="card">
          <UsageChart
            title="Daily spend by event type"
            days={o.usage.days}
            series={o.usage.byEventType}
            currency={c}
            testId="chart-event-type"
          />
        </section>
        <h2>Usage by user</h2>
        <section className="card">
          <UsageChart
            title="Daily spend by user"
            days={o.usage.days}
            series={o.usage.byUser}
            currency={c}
            testId="chart-user"
          />
        </section>

        <h2>Credit grants</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col" className="n">
                Remaining
              </th>
              <th scope="col" className="n">
                Original
              </th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {o.balance.grants.map((g) => (
              <tr key={g.id}>
                <td>{g.source}</td>
                <td className="n">{g.remaining}</td>
                <td className="n">{g.original}</td>
                <td>{g.expiresAt?.slice(0, 10) ?? 'never'}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2>Spend per member this period</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col" className="n">
                Spent
              </th>
              <th scope="col" className="n">
                Limit
              </th>
              <th scope="col" className="n">
                Remaining
              </th>
            </tr>
          </thead>
          <tbody>
            {o.users.map((u) => (
              <tr key={u.userId}>
                <td>{u.name ?? u.userId}</td>
                <td className="n">{u.spent}</td>
                <td className="n">{u.creditLimit ?? 'none'}</td>
                <td className={`n ${u.limitReached ? 'bad' : ''}`}>
                  {u.remaining ?? '—'}
                  {u.limitReached ? ' (limit reached)' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>

        <h2>Subscription</h2>
        {o.subscriptions.length === 0 ? (
          <p className="muted">No seat subscription.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Status</th>
                <th scope="col" className="n">
                  Seats used / purchased
                </th>
                <th scope="col" className="n">
                  Per seat
                </th>
              </tr>
            </thead>
            <tbody>
              {o.subscriptions.map((s) => (
                <tr key={s.id}>
                  <td>{s.planName}</td>
                  <td>{s.status}</td>
                  <td className="n">
                    {s.seatsAssigned} / {s.seatsPurchased}
                  </td>
                  <td className="n">
                    {s.pricePerSeat} {c} / {s.interval}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <h2>Invoices</h2>
        {o.invoices.length === 0 ? (
          <p className="muted">No invoice yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col" className="n">
                  Total
                </th>
                <th scope="col" className="n">
                  Amount due
                </th>
                <th scope="col">Download</th>
              </tr>
            </thead>
            <tbody>
              {o.invoices.map((i) => (
                <tr key={i.id}>
                  <td>{i.number}</td>
                  <td>
                    {i.periodStart.slice(0, 10)} – {lastDay(i.periodEnd)}
                  </td>
                  <td>{i.status}</td>
                  <td className="n">
                    {i.total} {c}
                  </td>
                  <td className="n">{i.amountRemaining}</td>
                  <td>
                    <a href={i.htmlUrl} aria-label={`HTML of invoice ${i.number}`}>
                      HTML
                    </a>{' '}
                    ·{' '}
                    <a href={i.pdfUrl} aria-label={`PDF of invoice ${i.number}`}>
                      PDF
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <h2>Buy credits</h2>
        {o.packages.length === 0 ? (
          <p className="muted">No credit package is offered.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Package</th>
                <th scope="col" className="n">
                  Credits
                </th>
                <th scope="col" className="n">
                  Price
                </th>
                <th scope="col">Valid</th>
                <th scope="col">
                  <span className="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {o.packages.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td className="n">{p.credits}</td>
                  <td className="n">
                    {p.price} {c}
                  </td>
                  <td>{p.validityDays} days</td>
                  <td>
                    <form action={buy} className="inline">
                      <input type="hidden" name="packageId" value={p.id} />
                      {/* One key per rendering: a double submit buys once. */}
                      <input type="hidden" name="purchaseKey" value={randomUUID()} />
                      <button type="submit" aria-label={`Buy ${p.name}`}>
                        Buy
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </>
  );
}
