// A stacked bar chart of daily spend, rendered on the server as SVG (no client script). Each series keeps one
// colour; the table below it carries the same numbers for screen readers and copying.
import { currencyDigits } from '../lib/money';

const COLORS = ['#0b57d0', '#b3261e', '#146c2e', '#8a4b00', '#6750a4', '#006a6a', '#5c5f62'];

export interface Series {
  key: string;
  label: string;
  amounts: string[];
  total: string;
}

export function UsageChart({
  title,
  days,
  series,
  currency,
  testId,
}: {
  title: string;
  days: string[];
  series: Series[];
  currency: string;
  testId: string;
}) {
  const width = 720;
  const height = 220;
  const pad = { left: 56, bottom: 28, top: 10, right: 10 };
  const totals = days.map((_, i) => series.reduce((s, x) => s + Number(x.amounts[i] ?? 0), 0));
  const max = Math.max(...totals, 0) || 1;
  const barW = (width - pad.left - pad.right) / Math.max(days.length, 1);
  const y = (v: number) => ((height - pad.top - pad.bottom) * v) / max;
  return (
    <figure data-testid={testId} style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={`${title}: ${series.map((s) => `${s.label} ${s.total} ${currency}`).join(', ') || 'no usage'}`}
      >
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} stroke="#8a939f" />
        <text x={pad.left - 6} y={pad.top + 10} textAnchor="end" fontSize="11" fill="#4a5360">
          {max.toFixed(currencyDigits(currency))}
        </text>
        <text x={pad.left - 6} y={height - pad.bottom} textAnchor="end" fontSize="11" fill="#4a5360">
          0
        </text>
        {days.map((day, i) => {
          let base = height - pad.bottom;
          return (
            <g key={day}>
              {series.map((s, k) => {
                const v = Number(s.amounts[i] ?? 0);
                if (v <= 0) return null;
                const h = y(v);
                base -= h;
                return (
                  <rect
                    key={s.key}
                    data-series={s.key}
                    x={pad.left + i * barW + 2}
                    y={base}
                    width={Math.max(barW - 4, 1)}
                    height={h}
                    fill={COLORS[k % COLORS.length]}
                  >
                    <title>{`${day} ${s.label}: ${s.amounts[i]} ${currency}`}</title>
                  </rect>
                );
              })}
              {i % 2 === 0 ? (
                <text
                  x={pad.left + i * barW + barW / 2}
                  y={height - 10}
                  textAnchor="middle"
                  fontSize="10"
                  fill="#4a5360"
                >
                  {day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((s, k) => (
          <span key={s.key}>
            <i style={{ background: COLORS[k % COLORS.length] }} aria-hidden="true" />
            {s.label}: {s.total} {currency}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
