// Push latency, sequential samples: from sending an enqueueTask mutation (HTTP) to
// (1) a graphql-ws subscriber of taskEvents(queueId) receiving its CREATED event, and
// (2) a long-polling dequeueTask(waitSeconds: 10) answering with the task.
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { BenchContext } from '../context.js';
import { COMPLETE, ENQUEUE, httpClient } from '../http.js';
import { progress, type Result } from '../report.js';
import { percentiles } from '../stats.js';

const TARGET = (p50: number, p99: number) => ({ text: 'p50 ≤ 3 ms, p99 ≤ 10 ms', met: p50 <= 3 && p99 <= 10 });
const wsUrl = (url: string) => `${url.replace(/^http/, 'ws')}/graphql`;

export async function push(ctx: BenchContext): Promise<Result> {
  const server = await ctx.server('app');
  const http = httpClient(server.url, { token: ctx.token, connections: 2 });
  const queueId = ctx.queues.push!;
  const ws = createClient({
    url: wsUrl(server.url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ctx.token}` },
    retryAttempts: 0,
    lazy: false,
  });
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  let streamError: unknown;
  const unsubscribe = ws.subscribe<{ taskEvents: { type: string; taskId: string } }>(
    { query: 'subscription Events($q: ID!) { taskEvents(queueId: $q) { id type taskId } }', variables: { q: queueId } },
    {
      next: (r) => {
        const at = performance.now();
        const e = r.data?.taskEvents;
        if (e?.type !== 'CREATED') return;
        const resolve = waiting.get(e.taskId);
        if (resolve) resolve(at);
        else arrived.set(e.taskId, at);
      },
      error: (err) => (streamError = err),
      complete: () => {},
    },
  );
  /** Time the event for `taskId` arrived (it may have come before the mutation's answer). */
  const arrival = (taskId: string, timeoutMs: number) =>
    new Promise<number | null>((resolve) => {
      const at = arrived.get(taskId);
      if (at !== undefined) return resolve(at);
      const timer = setTimeout(() => resolve(null), timeoutMs);
      waiting.set(taskId, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    }).finally(() => {
      arrived.delete(taskId);
      waiting.delete(taskId);
    });
  const sample = async (name: string, timeoutMs = 5000) => {
    const sent = performance.now();
    const { enqueueTask } = await http.gql<{ enqueueTask: { id: string } }>(ENQUEUE, { q: queueId, n: name });
    const at = await arrival(enqueueTask.id, timeoutMs);
    return at === null ? null : at - sent;
  };

  try {
    // Live once an event gets through (no fixed sleep), then a few unmeasured samples.
    let live = false;
    for (let i = 0; i < 50 && !live; i++) live = (await sample(`push-probe-${i}`, 200)) !== null;
    if (!live) throw new Error(`the subscription delivered nothing${streamError ? `: ${String(streamError)}` : ''}`);
    for (let i = 0; i < Math.min(100, ctx.opts.samples); i++) await sample(`push-warm-${i}`);
    const latencies: number[] = [];
    let lost = 0;
    for (let i = 0; i < ctx.opts.samples; i++) {
      const l = await sample(`push-${i}`);
      if (l === null) lost++;
      else latencies.push(l);
      if ((i + 1) % 250 === 0) progress(`   push: ${i + 1}/${ctx.opts.samples}`);
    }
    const p = percentiles(latencies);
    return {
      name: 'push',
      label: 'f. enqueue → websocket event',
      value: p.p50,
      unit: 'ms',
      ...p,
      target: TARGET(p.p50, p.p99),
      ...(lost ? { failed: `${lost} events never arrived (5 s)` } : {}),
      detail: 'enqueueTask over HTTP → graphql-ws taskEvents',
      extra: { server: server.where },
    };
  } finally {
    unsubscribe();
    await ws.dispose();
    await http.close();
  }
}

export async function longPoll(ctx: BenchContext): Promise<Result> {
  const server = await ctx.server('app');
  const http = httpClient(server.url, { token: ctx.token, connections: 4 });
  const queueId = ctx.queues['long-poll']!;
  const POLL = 'mutation Poll($q: ID!) { dequeueTask(queueId: $q, agentId: "poller", waitSeconds: 10) { id leaseToken } }';
  const how = { signal: 0, timeout: 0, unsupported: 0 };
  const sample = async (name: string) => {
    const polled = http
      .gql<{ dequeueTask: { id: string; leaseToken: string } | null }>(POLL, { q: queueId })
      .then((d) => ({ at: performance.now(), task: d.dequeueTask }));
    polled.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    // Send the enqueue only once the poll waits: the server says so when it can, else 10 ms.
    const ready = await server.awaitWaiter(queueId, 2000);
    how[ready]++;
    if (ready === 'unsupported') await sleep(10);
    const sent = performance.now();
    await http.gql(ENQUEUE, { q: queueId, n: name });
    const { at, task } = await polled;
    if (!task) throw new Error('the long poll answered without a task');
    await http.gql(COMPLETE, { id: task.id, t: task.leaseToken });
    return at - sent;
  };
  try {
    for (let i = 0; i < Math.min(100, ctx.opts.samples); i++) await sample(`poll-warm-${i}`);
    how.signal = how.timeout = how.unsupported = 0;
    const latencies: number[] = [];
    for (let i = 0; i < ctx.opts.samples; i++) {
      latencies.push(await sample(`poll-${i}`));
      if ((i + 1) % 250 === 0) progress(`   long-poll: ${i + 1}/${ctx.opts.samples}`);
    }
    const p = percentiles(latencies);
    const waited =
      how.unsupported > 0
        ? `enqueue sent 10 ms after the poll (the server cannot tell when it waits)`
        : `enqueue sent once the server reported the poll waiting${how.timeout ? ` (${how.timeout} times it did not within 2 s)` : ''}`;
    return {
      name: 'long-poll',
      label: 'f. enqueue → long-poll answer',
      value: p.p50,
      unit: 'ms',
      ...p,
      target: TARGET(p.p50, p.p99),
      detail: `enqueueTask over HTTP → dequeueTask(waitSeconds: 10) over HTTP; ${waited}`,
      extra: { server: server.where },
    };
  } finally {
    await http.close();
  }
}
