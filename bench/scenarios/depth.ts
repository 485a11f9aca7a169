// Dequeue latency against queue depth: one agent, sequential dequeue + complete through the
// domain functions (no HTTP and no server running, so nothing dilutes the database's share).
// A shallow queue is measured alone first; then a deep queue is filled and the two are sampled
// alternately, so that other work on the machine weighs on both figures alike.
import type { BenchContext } from '../context.js';
import { createQueue, fillQueue, OWNER, vacuumAnalyze } from '../database.js';
import { openDomain, type Domain } from '../domain.js';
import { fmt, ms, progress, type Result } from '../report.js';
import { percentiles } from '../stats.js';

async function sample(domain: Domain, queueId: string, into: { dequeue: number[]; cycle: number[] }) {
  const t0 = performance.now();
  const task = await domain.dequeue(OWNER, queueId, 'depth-agent');
  const t1 = performance.now();
  if (!task) throw new Error('the queue ran dry');
  await domain.complete(OWNER, task, { ok: true });
  into.dequeue.push(t1 - t0);
  into.cycle.push(performance.now() - t0);
}

const samples = () => ({ dequeue: [] as number[], cycle: [] as number[] });

export async function depth(ctx: BenchContext): Promise<Result[]> {
  await ctx.stopServer();
  const { shallow, deep, depthSamples: n } = ctx.opts;
  const warm = Math.min(100, n);
  const domain = openDomain(ctx.dbs.url);
  try {
    const fill = async (queueId: string, count: number) => {
      const t0 = performance.now();
      const { triggers } = await fillQueue(ctx.dbs.url, queueId, count, {
        triggers: false,
        onChunk: (done) => count > 100_000 && progress(`   depth: inserted ${fmt(done)}/${fmt(count)} tasks`),
      });
      const inserted = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await vacuumAnalyze(ctx.dbs.admin);
      const vacuum = (performance.now() - t1) / 1000;
      return `filled with ${fmt(count)} rows in ${inserted.toFixed(1)} s (INSERT … generate_series, ${triggers ? 'triggers on' : 'triggers off'}) + VACUUM ANALYZE ${vacuum.toFixed(1)} s`;
    };
    const row = (name: string, label: string, m: ReturnType<typeof samples>, note: string): Result => {
      const d = percentiles(m.dequeue);
      return {
        name,
        label,
        value: d.p50,
        unit: 'ms',
        ...d,
        detail: `dequeue + complete p50 ${ms(percentiles(m.cycle).p50)}; ${note}`,
      };
    };

    // Shallow, alone: the table holds no deep queue yet.
    const shallowQueue = await createQueue(ctx.dbs.admin, 'depth-shallow');
    const shallowFill = await fill(shallowQueue, shallow + 2 * (n + warm));
    for (let i = 0; i < warm; i++) await sample(domain, shallowQueue, samples());
    progress(`   depth: ${fmt(shallow)} pending, measuring alone`);
    const alone = samples();
    for (let i = 0; i < n; i++) await sample(domain, shallowQueue, alone);

    // Deep, then both alternately.
    const deepQueue = await createQueue(ctx.dbs.admin, 'depth-deep');
    const deepFill = await fill(deepQueue, deep + n + warm);
    for (let i = 0; i < warm; i++) {
      await sample(domain, shallowQueue, samples());
      await sample(domain, deepQueue, samples());
    }
    progress(`   depth: ${fmt(shallow)} and ${fmt(deep)} pending, measuring alternately`);
    const atShallow = samples();
    const atDeep = samples();
    for (let i = 0; i < n; i++) {
      await sample(domain, shallowQueue, atShallow);
      await sample(domain, deepQueue, atDeep);
    }

    const ratio = percentiles(atDeep.dequeue).p50 / percentiles(atShallow.dequeue).p50;
    const how = '1 agent, domain functions, no HTTP';
    return [
      row('depth-before', `g. dequeue, ${fmt(shallow)} pending, before the deep fill`, alone, `${how}; queue ${shallowFill}`),
      row('depth-shallow', `g. dequeue, ${fmt(shallow)} pending`, atShallow, `${how}; sampled alternately with the deep queue`),
      row('depth-deep', `g. dequeue, ${fmt(deep)} pending`, atDeep, `${how}; queue ${deepFill}`),
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
