import type { Recommendation } from '../lib/types';

const TITLES: Record<string, string> = {
  reduce_seats: 'Unused seats',
  buy_credit_package: 'A credit package would cost less',
  user_near_limit: 'Member near their limit',
  credits_expiring_unused: 'Credits expiring unused',
};

export function Recommendations({ items }: { items: Recommendation[] }) {
  if (items.length === 0) return <p className="muted">Nothing to recommend right now.</p>;
  return (
    <ul className="recs">
      {items.map((r) => (
        <li key={`${r.kind}:${r.subjectId}`}>
          <strong>{TITLES[r.kind] ?? r.kind}:</strong> {r.summary}
          <br />
          <small className="muted">
            {Object.entries(r.numbers)
              .map(([k, v]) => `${k} ${v}`)
              .join(' · ')}
          </small>
        </li>
      ))}
    </ul>
  );
}
