// Dequeue latency against queue depth: one agent, sequential dequeue + complete through the
// domain functions (no HTTP, no server running, so nothing dilutes the database's share), first
// with `shallow` pending tasks, then with `deep` pending tasks in the same queue.
import type { BenchContext } from '../context.js';
import { createQueue, fillQueue, OWNER, vacuumAnalyze } from '../database.js';
import { openDomain, type Domain } from '../domain.js';
import { fmt, ms, progress, type Result } from '../report.js';
import { percentiles } from '../stats.js';

async function measure(domain: Domain, queueId: string, samples: number) {
  const dequeue: number[] = [];
  const cycle: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const task = await domain.dequeue(OWNER, queueId, 'depth-agent');
    const t1 = performance.now();
    if (!task) throw new Error('the queue ran dry');
    await domain.complete(OWNER, task, { ok: true });
    dequeue.push(t1 - t0);
    cycle.push(performance.now() - t0);
  }
  return { dequeue: percentiles(dequeue), cycle: percentiles(cycle) };
}

export async function depth(ctx: BenchContext): Promise<Result[]> {
  await ctx.stopServer();
  const { shallow, deep, depthSamples: samples } = ctx.opts;
  const warm = Math.min(100, samples);
  const queueId = await createQueue(ctx.dbs.admin, 'depth');
  const domain = openDomain(ctx.dbs.url);
  try {
    const fill = async (count: number, from: number) => {
      const t0 = performance.now();
      const { triggers } = await fillQueue(ctx.dbs.url, queueId, count, {
        from,
        triggers: false,
        onChunk: (done) => count > 100_000 && progress(`   depth: inserted ${fmt(done)}/${fmt(count)} tasks`),
      });
      const inserted = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await vacuumAnalyze(ctx.dbs.admin);
      const vacuum = (performance.now() - t1) / 1000;
      return `fill ${fmt(count)} rows in ${inserted.toFixed(1)} s (INSERT … generate_series, ${triggers ? 'triggers on' : 'triggers off'}) + VACUUM ANALYZE ${vacuum.toFixed(1)} s`;
    };

    const row = (name: string, pending: number, m: Awaited<ReturnType<typeof measure>>, fillNote: string): Result => ({
      name,
      label: `g. dequeue, ${fmt(pending)} pending`,
      value: m.dequeue.p50,
      unit: 'ms',
      ...m.dequeue,
      detail: `1 agent, domain functions, no HTTP; dequeue + complete p50 ${ms(m.cycle.p50)}; ${fillNote}`,
    });

    const shallowFill = await fill(shallow + samples + warm, 0);
    await measure(domain, queueId, warm);
    progress(`   depth: ${fmt(shallow)} pending, measuring`);
    const atShallow = await measure(domain, queueId, samples);

    const deepFill = await fill(deep + samples + warm - shallow, shallow + samples + warm);
    await measure(domain, queueId, warm);
    progress(`   depth: ${fmt(deep)} pending, measuring`);
    const atDeep = await measure(domain, queueId, samples);

    const ratio = atDeep.dequeue.p50 / atShallow.dequeue.p50;
    return [
      row('depth-shallow', shallow, atShallow, shallowFill),
      row('depth-deep', deep, atDeep, deepFill),
      {
        name: 'depth-ratio',
        label: `   p50 ${fmt(deep)} ÷ p50 ${fmt(shallow)}`,
        value: ratio,
        unit: 'ratio',
        ratio,
        target: { text: '≤ 1.5', met: ratio <= 1.5 },
      },
    ];
  } finally {
    await domain.close();
  }
}
