import { useNow } from './live.js';

export interface MinuteCounts {
  completed: number;
  failed: number;
}

const MINUTE = 60_000;

/**
 * Tasks finished per minute over the last `minutes` minutes as stacked bars (completed, failed),
 * the current minute on the right. The window slides with the clock.
 */
export function ThroughputChart({ buckets, minutes = 15 }: { buckets: Map<number, MinuteCounts>; minutes?: number }) {
  const now = useNow(5000);
  const current = Math.floor(now / MINUTE) * MINUTE;
  const series = Array.from({ length: minutes }, (_, i) => {
    const start = current - (minutes - 1 - i) * MINUTE;
    return { start, ...(buckets.get(start) ?? { completed: 0, failed: 0 }) };
  });
  const max = Math.max(1, ...series.map((m) => m.completed + m.failed));
  const total = series.reduce((n, m) => n + m.completed + m.failed, 0);
  const [w, h, gap] = [minutes * 20, 80, 4];
  const scale = (n: number) => (n / max) * (h - 14);
  return (
    <figure class="chart" data-finished={total}>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${total} tasks finished in the last ${minutes} minutes`}>
        {series.map((m, i) => {
          const x = i * 20 + gap / 2;
          const c = scale(m.completed);
          const f = scale(m.failed);
          return (
            <g key={m.start}>
              <title>{`${new Date(m.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${m.completed} completed, ${m.failed} failed`}</title>
              <rect class="bg" x={x} y={0} width={20 - gap} height={h} />
              <rect class="completed" x={x} y={h - c} width={20 - gap} height={c} />
              <rect class="failed" x={x} y={h - c - f} width={20 - gap} height={f} />
              {m.completed + m.failed > 0 && (
                <text x={x + (20 - gap) / 2} y={h - c - f - 3} text-anchor="middle">
                  {m.completed + m.failed}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="small muted">
        Finished per minute, last {minutes} min: {total} (<i class="dot s-completed" /> completed, <i class="dot s-failed" /> failed)
      </figcaption>
    </figure>
  );
}
