// Single-cycle throughput: 32 agents doing dequeue + complete until their queue is empty,
// through the domain functions (no HTTP), our GraphQL endpoint, the REST shim, and the bare
// graphql-yoga server running the same statements.
import { ratioToFloor, type BenchContext } from '../context.js';
import { OWNER, verifyQueue } from '../database.js';
import { openDomain } from '../domain.js';
import { graphqlCycle, httpClient, restCycle, type HttpClient } from '../http.js';
import type { Result } from '../report.js';
import { drain } from '../stats.js';

const target = (ctx: BenchContext, perSecond: number, min: number) => {
  const ratio = ratioToFloor(ctx, perSecond);
  return { text: `≥ ${min} × floor`, met: ratio !== null && ratio >= min };
};

async function measured(
  ctx: BenchContext,
  name: string,
  label: string,
  queue: string,
  cycle: (queueId: string, agent: string) => Promise<string[]>,
  how: string,
  minRatio: number | null,
): Promise<Result> {
  const warm = ctx.queues[`${queue}-warmup`];
  if (warm && ctx.opts.warmup > 0) await drain(ctx.opts.agents, (agent) => cycle(warm, agent));
  const queueId = ctx.queues[queue]!;
  const drained = await drain(ctx.opts.agents, (agent) => cycle(queueId, agent));
  const verified = await verifyQueue(ctx.dbs.admin, queueId, ctx.opts.tasks, drained);
  return {
    name,
    label,
    value: drained.perSecond,
    unit: 'cycles/s',
    ratio: ratioToFloor(ctx, drained.perSecond),
    n: drained.tasks,
    seconds: drained.seconds,
    verified: verified.text,
    ...(verified.ok ? {} : { failed: verified.text }),
    detail: how,
    ...(minRatio !== null ? { target: target(ctx, drained.perSecond, minRatio) } : {}),
  };
}

export async function sqlPath(ctx: BenchContext): Promise<Result> {
  const domain = openDomain(ctx.dbs.url);
  try {
    return await measured(
      ctx,
      'sql',
      `a. SQL path (domain functions), ${ctx.opts.agents} agents`,
      'sql',
      async (queueId, agent) => {
        const t = await domain.dequeue(OWNER, queueId, agent);
        if (!t) return [];
        await domain.complete(OWNER, t, { ok: true });
        return [t.id];
      },
      'domain dequeue + complete (bench/domain.ts) in the bench process, no HTTP',
      0.8,
    );
  } finally {
    await domain.close();
  }
}

async function overHttp(
  ctx: BenchContext,
  kind: 'app' | 'bare',
  run: (http: HttpClient) => Promise<Result>,
): Promise<Result> {
  const server = await ctx.server(kind);
  const http = httpClient(server.url, { token: ctx.token, connections: ctx.opts.agents });
  try {
    return { ...(await run(http)), extra: { server: server.where } };
  } finally {
    await http.close();
  }
}

export const graphql = (ctx: BenchContext) =>
  overHttp(ctx, 'app', (http) =>
    measured(ctx, 'graphql', `b. GraphQL over HTTP, ${ctx.opts.agents} agents`, 'graphql', (q, a) => graphqlCycle(http, q, a), 'dequeueTask { id leaseToken payload } + completeTask { id status }', 0.4),
  );

export const rest = (ctx: BenchContext) =>
  overHttp(ctx, 'app', (http) =>
    measured(ctx, 'rest', `c. REST shim, ${ctx.opts.agents} agents`, 'rest', (q, a) => restCycle(http, q, a), 'POST …/dequeue + …/complete (answers the whole task)', 0.35),
  );

export const bareYoga = (ctx: BenchContext) =>
  overHttp(ctx, 'bare', (http) =>
    measured(ctx, 'bare-yoga', `d. bare yoga + pg, same SQL, ${ctx.opts.agents} agents`, 'bare-yoga', (q, a) => graphqlCycle(http, q, a), 'bench/bareYoga.ts, bareStatements.ts, named prepared statements', null),
  );

/** GraphQL ÷ bare yoga and REST ÷ GraphQL, from the rows above. */
export function derivedRatios(results: Result[]): Result[] {
  const value = (name: string) => {
    const r = results.find((x) => x.name === name);
    return r && !r.failed && !r.skipped ? r.value : null;
  };
  const out: Result[] = [];
  const g = value('graphql');
  const b = value('bare-yoga');
  const r = value('rest');
  if (g && b) {
    out.push({ name: 'graphql/bare-yoga', label: '   GraphQL ÷ bare yoga', value: g / b, unit: 'ratio', ratio: g / b, target: { text: '≥ 0.8', met: g / b >= 0.8 } });
  }
  if (g && r) {
    out.push({ name: 'rest/graphql', label: '   REST ÷ GraphQL', value: r / g, unit: 'ratio', ratio: r / g, target: { text: '≥ 0.9', met: r / g >= 0.9 } });
  }
  return out;
}
