import { useNow } from './live.js';
import type { MinuteCounts } from './throughput.js';

const MINUTE = 60_000;

/**
 * Tasks finished per minute over the last `minutes` minutes as stacked bars (completed, failed),
 * the current minute on the right; the window slides with the clock. `compact`: a sparkline for
 * a table row, without labels.
 */
export function ThroughputChart({ buckets, minutes = 15, compact = false }: { buckets: Map<number, MinuteCounts>; minutes?: number; compact?: boolean }) {
  const now = useNow(5000);
  const current = Math.floor(now / MINUTE) * MINUTE;
  const series = Array.from({ length: minutes }, (_, i) => {
    const start = current - (minutes - 1 - i) * MINUTE;
    return { start, ...(buckets.get(start) ?? { completed: 0, failed: 0 }) };
  });
  const max = Math.max(1, ...series.map((m) => m.completed + m.failed));
  const total = series.reduce((n, m) => n + m.completed + m.failed, 0);
  const [bar, h, gap] = compact ? [8, 24, 2] : [20, 80, 4];
  const scale = (n: number) => (n / max) * (h - (compact ? 2 : 14));
  const label = `${total} tasks finished in the last ${minutes} minutes`;
  return (
    <figure class={compact ? 'chart compact' : 'chart'} data-finished={total} title={compact ? label : undefined}>
      <svg viewBox={`0 0 ${minutes * bar} ${h}`} role="img" aria-label={label}>
        {series.map((m, i) => {
          const x = i * bar + gap / 2;
          const c = scale(m.completed);
          const f = scale(m.failed);
          return (
            <g key={m.start}>
              <title>{`${new Date(m.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${m.completed} completed, ${m.failed} failed`}</title>
              <rect class="bg" x={x} y={0} width={bar - gap} height={h} />
              <rect class="completed" x={x} y={h - c} width={bar - gap} height={c} />
              <rect class="failed" x={x} y={h - c - f} width={bar - gap} height={f} />
              {!compact && m.completed + m.failed > 0 && (
                <text x={x + (bar - gap) / 2} y={h - c - f - 3} text-anchor="middle">
                  {m.completed + m.failed}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {compact ? (
        <figcaption class="small muted">{total}</figcaption>
      ) : (
        <figcaption class="small muted">
          Finished per minute, last {minutes} min: {total} (<i class="dot s-completed" /> completed, <i class="dot s-failed" /> failed)
        </figcaption>
      )}
    </figure>
  );
}
