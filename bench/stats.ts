export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: NaN, p99: NaN, max: NaN, n: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1)!, n: sorted.length };
}

export interface Drained {
  /** Tasks completed per second (a single cycle completes one). */
  perSecond: number;
  seconds: number;
  /** Tasks completed, as the agents counted them. */
  tasks: number;
  /** Task ids the agents completed more than once (must stay 0). */
  duplicates: number;
}

/**
 * Runs `agents` loops of `cycle` until every one of them finds the queue empty. A cycle returns
 * the ids it completed (empty: nothing left). Ids are tallied to check exactly-once on the
 * client side too.
 */
export async function drain(agents: number, cycle: (agent: string, index: number) => Promise<string[]>): Promise<Drained> {
  const seen = new Set<string>();
  let duplicates = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: agents }, async (_, i) => {
      for (;;) {
        const ids = await cycle(`agent-${i}`, i);
        if (ids.length === 0) return;
        for (const id of ids) {
          if (seen.has(id)) duplicates++;
          else seen.add(id);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: seen.size / seconds, seconds, tasks: seen.size, duplicates };
}
