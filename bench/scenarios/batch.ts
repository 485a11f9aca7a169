// Batch: dequeueTasks(limit: 100) + completeTasks(items) over GraphQL, counted in tasks per second.
// Skipped (not failed) while the server has no such mutations.
import { ratioToFloor, type BenchContext } from '../context.js';
import { verifyQueue } from '../database.js';
import { GraphQLErrors, httpClient, type HttpClient } from '../http.js';
import type { Result } from '../report.js';
import { drain } from '../stats.js';

const DEQUEUE_MANY = 'mutation DequeueMany($q: ID!, $a: String!, $n: Int!) { dequeueTasks(queueId: $q, agentId: $a, limit: $n) { id leaseToken payload } }';
const COMPLETE_MANY = 'mutation CompleteMany($items: [CompleteTaskItem!]!) { completeTasks(items: $items) { id ok code message } }';

type Claimed = { id: string; leaseToken: string | null };
type Outcome = { id: string; ok: boolean; code: string | null; message: string | null };

/** True unless the schema lacks the batch mutations (validation errors naming them). */
async function available(http: HttpClient, queueId: string): Promise<boolean> {
  const missing = (err: unknown) =>
    err instanceof GraphQLErrors && err.errors.some((e) => /Cannot query field "(dequeueTasks|completeTasks)"|Unknown type "CompleteTaskItem"/.test(e.message));
  try {
    await http.gql(DEQUEUE_MANY, { q: queueId, a: 'probe', n: 1 });
    await http.gql(COMPLETE_MANY, { items: [] });
  } catch (err) {
    if (missing(err)) return false;
    // Another error (e.g. an empty item list refused) means the field exists.
  }
  return true;
}

async function batchCycle(http: HttpClient, queueId: string, agent: string, limit: number): Promise<string[]> {
  const { dequeueTasks: tasks } = await http.gql<{ dequeueTasks: Claimed[] }>(DEQUEUE_MANY, { q: queueId, a: agent, n: limit });
  if (tasks.length === 0) return [];
  const { completeTasks: outcomes } = await http.gql<{ completeTasks: Outcome[] }>(COMPLETE_MANY, {
    items: tasks.map((t) => ({ id: t.id, leaseToken: t.leaseToken, result: { ok: true } })),
  });
  const refused = outcomes.filter((o) => !o.ok);
  if (refused.length) throw new Error(`completeTasks refused ${refused.length} items, e.g. ${refused[0]!.id}: ${refused[0]!.code} ${refused[0]!.message}`);
  return outcomes.map((o) => o.id);
}

export async function batch(ctx: BenchContext): Promise<Result> {
  const { batchSize, batchAgents, batchTasks } = ctx.opts;
  const label = `e. batch GraphQL (${batchSize} per call), ${batchAgents} agents`;
  const server = await ctx.server('app');
  const http = httpClient(server.url, { token: ctx.token, connections: batchAgents });
  try {
    if (!(await available(http, ctx.queues.probe!))) {
      return { name: 'batch', label, value: null, unit: 'tasks/s', skipped: 'not available (no dequeueTasks/completeTasks on this server)' };
    }
    const cycle = (queueId: string) => (agent: string) => batchCycle(http, queueId, agent, batchSize);
    if (ctx.opts.warmup > 0) await drain(batchAgents, cycle(ctx.queues['batch-warmup']!));
    const queueId = ctx.queues.batch!;
    const drained = await drain(batchAgents, cycle(queueId));
    const verified = await verifyQueue(ctx.dbs.admin, queueId, batchTasks, drained);
    const ratio = ratioToFloor(ctx, drained.perSecond);
    return {
      name: 'batch',
      label,
      value: drained.perSecond,
      unit: 'tasks/s',
      ratio,
      n: drained.tasks,
      seconds: drained.seconds,
      verified: verified.text,
      ...(verified.ok ? {} : { failed: verified.text }),
      detail: 'dequeueTasks + completeTasks',
      extra: { server: server.where },
      target: { text: '≥ 5 × floor', met: ratio !== null && ratio >= 5 },
    };
  } finally {
    await http.close();
  }
}
