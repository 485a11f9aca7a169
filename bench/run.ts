// npm run bench: dequeue+complete cycles per second with 32 concurrent agents, through the GraphQL
// endpoint over HTTP, through the REST shim, and as the same SQL statements called directly, on the same database in the
// same run; then push latency (enqueue → websocket event, enqueue → long-poll answer) as
// p50/p99/max over --samples sequential samples. Uses the embedded PostgreSQL unless DATABASE_URL is set (then it creates and drops a
// scratch database there). Bounded: each scenario drains a fixed number of tasks.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Command } from 'commander';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { createTokenService } from '../src/auth/tokens.js';
import { createDb, type Db } from '../src/db/client.js';
import { startTemporaryPostgres, type EmbeddedDatabase } from '../src/db/embeddedPostgres.js';
import { migrate } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { enqueueTasks } from '../src/queues/enqueue.js';
import { claimTask } from '../src/queues/sql/claimTask.js';
import { completeTask } from '../src/queues/sql/finishTask.js';
import { createWorkQueue } from '../src/queues/workQueues.js';

const opts = new Command()
  .option('--tasks <n>', 'tasks drained per throughput scenario', '4000')
  .option('--agents <n>', 'concurrent agents', '32')
  .option('--samples <n>', 'samples per latency scenario', '1000')
  .parse()
  .opts<{ tasks: string; agents: string; samples: string }>();
const TASKS = Number(opts.tasks);
const AGENTS = Number(opts.agents);
const SAMPLES = Number(opts.samples);

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1)!, n: sorted.length };
}
const OWNER = 'bench';

async function setupDatabase(): Promise<{ url: string; cleanup(): Promise<void> }> {
  const name = `agent_teams_bench_${process.pid}`;
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startTemporaryPostgres('bench');
    adminUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async cleanup() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await embedded?.stop();
    },
  };
}

async function fillQueue(db: Db, queueId: string) {
  for (let i = 0; i < TASKS; i += 500) {
    const n = Math.min(500, TASKS - i);
    await enqueueTasks(db, OWNER, queueId, Array.from({ length: n }, (_, j) => ({ name: `bench-${i + j}`, priority: ((i + j) % 5) + 1, payload: { n: i + j } })));
  }
}

/** Runs `agents` loops of `cycle` until each returns false; returns cycles per second. */
async function drain(cycle: (agent: string) => Promise<boolean>): Promise<{ perSecond: number; seconds: number; cycles: number }> {
  let cycles = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: AGENTS }, async (_, i) => {
      while (await cycle(`agent-${i}`)) cycles++;
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: cycles / seconds, seconds, cycles };
}

const database = await setupDatabase();
try {
  await migrate(database.url);
  const db = createDb(database.url);
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret: randomUUID() + randomUUID() }, dataDir: '.data' });
  const app = buildApp({ config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 1000 }, databaseUrl: database.url, db, tokens, log: createLogger('silent') });
  const baseUrl = await app.start();
  const token = await tokens.mint(OWNER, '1h');

  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Record<string, { id: string; leaseToken: string } | null>; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  };
  const DEQUEUE = 'mutation($q: ID!, $a: String!) { dequeueTask(queueId: $q, agentId: $a) { id leaseToken payload } }';
  const COMPLETE = 'mutation($id: ID!, $t: String) { completeTask(id: $id, leaseToken: $t, result: {ok: true}) { id status } }';

  // Warm-up: JIT, connection pools, plan caches.
  const warm = await createWorkQueue(db, OWNER, { name: 'warmup' });
  await enqueueTasks(db, OWNER, warm.id, Array.from({ length: 200 }, (_, i) => ({ name: `w${i}` })));
  await drain(async (agent) => {
    const t = (await gql(DEQUEUE, { q: warm.id, a: agent })).dequeueTask;
    if (t) await gql(COMPLETE, { id: t.id, t: t.leaseToken });
    return !!t;
  });

  const gqlQueue = await createWorkQueue(db, OWNER, { name: 'graphql' });
  await fillQueue(db, gqlQueue.id);
  const viaGraphQL = await drain(async (agent) => {
    const t = (await gql(DEQUEUE, { q: gqlQueue.id, a: agent })).dequeueTask;
    if (t) await gql(COMPLETE, { id: t.id, t: t.leaseToken });
    return !!t;
  });

  const restQueue = await createWorkQueue(db, OWNER, { name: 'rest' });
  await fillQueue(db, restQueue.id);
  const restCall = async (path: string, body: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (res.status === 204) return null;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; leaseToken: string };
  };
  const viaRest = await drain(async (agent) => {
    const t = await restCall(`/work-queues/${restQueue.id}/dequeue`, { agentId: agent });
    if (t) await restCall(`/work-queue-tasks/${t.id}/complete`, { leaseToken: t.leaseToken, result: { ok: true } });
    return !!t;
  });

  const sqlQueue = await createWorkQueue(db, OWNER, { name: 'sql' });
  await fillQueue(db, sqlQueue.id);
  const viaSql = await drain(async (agent) => {
    const t = await claimTask(db, { ownerId: OWNER, queueId: sqlQueue.id, agentId: agent, leaseToken: randomUUID(), asMember: false });
    if (t) await completeTask(db, { ownerId: OWNER, taskId: t.id, leaseToken: t.leaseToken, agentId: null }, { ok: true });
    return !!t;
  });

  // Latency: enqueue (a GraphQL mutation over HTTP) → the event reaches a websocket subscriber.
  const latencyQueue = await createWorkQueue(db, OWNER, { name: 'latency' });
  const ws = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const arrivals = new Map<string, (at: number) => void>();
  const unsubscribe = ws.subscribe<{ taskEvents: { task: { name: string } } }>(
    { query: `subscription($q: ID!) { taskEvents(queueId: $q) { type task { name } } }`, variables: { q: latencyQueue.id } },
    { next: (r) => arrivals.get(r.data!.taskEvents.task.name)?.(performance.now()), error: (e) => console.error(e), complete: () => {} },
  );
  await new Promise((r) => setTimeout(r, 300));
  const ENQUEUE = 'mutation($q: ID!, $n: String!) { enqueueTask(queueId: $q, input: {name: $n}) { id } }';
  const pushLatency: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const name = `push-${i}`;
    const arrived = new Promise<number>((resolve) => arrivals.set(name, resolve));
    const sent = performance.now();
    await gql(ENQUEUE, { q: latencyQueue.id, n: name });
    pushLatency.push((await arrived) - sent);
    arrivals.delete(name);
  }
  unsubscribe();
  await ws.dispose();

  // Latency: enqueue → a long-polling dequeue (waitSeconds) returns the task.
  const pollQueue = await createWorkQueue(db, OWNER, { name: 'long-poll' });
  const POLL = 'mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "poller", waitSeconds: 10) { id leaseToken } }';
  const wakeLatency: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const polled = gql(POLL, { q: pollQueue.id }).then((d) => ({ at: performance.now(), task: d.dequeueTask }));
    await new Promise((r) => setTimeout(r, 10)); // the poll is waiting
    const sent = performance.now();
    await gql(ENQUEUE, { q: pollQueue.id, n: `poll-${i}` });
    const { at, task } = await polled;
    if (!task) throw new Error('long poll returned no task');
    wakeLatency.push(at - sent);
    await gql(COMPLETE, { id: task.id, t: task.leaseToken });
  }

  const counts = await db.task.groupBy({ by: ['status'], _count: { _all: true } });
  const completed = counts.find((c) => c.status === 'COMPLETED')?._count._all ?? 0;
  const expected = TASKS * 3 + 200 + SAMPLES;
  if (completed !== expected) throw new Error(`expected ${expected} completed tasks, found ${completed}`);

  const cpu = os.cpus();
  console.log(`\nAgent Teams benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  console.log(`database: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}; ${AGENTS} concurrent agents; ${TASKS} tasks per scenario\n`);
  const row = (label: string, r: { perSecond: number; seconds: number; cycles: number }) =>
    console.log(`${label.padEnd(44)} ${r.perSecond.toFixed(0).padStart(7)} cycles/s  (${r.cycles} in ${r.seconds.toFixed(2)} s)`);
  row('dequeue+complete via GraphQL over HTTP', viaGraphQL);
  row('dequeue+complete via the REST shim', viaRest);
  row('dequeue+complete as SQL statements (no HTTP)', viaSql);
  console.log(`\nGraphQL/SQL ratio: ${(viaGraphQL.perSecond / viaSql.perSecond).toFixed(2)}\n`);
  const lat = (label: string, samples: number[]) => {
    const p = percentiles(samples);
    console.log(`${label.padEnd(44)} p50 ${p.p50.toFixed(1).padStart(6)} ms  p99 ${p.p99.toFixed(1).padStart(6)} ms  max ${p.max.toFixed(1).padStart(6)} ms  (n=${p.n})`);
  };
  lat('enqueue → websocket subscriber event', pushLatency);
  lat('enqueue → long-polling dequeue answered', wakeLatency);
  console.log(`server RSS after run: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);

  await app.stop();
  await db.$disconnect();
} finally {
  await database.cleanup();
}
