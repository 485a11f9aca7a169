import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import {
  ControlQueueDocument,
  CreateControlQueueDocument,
  DequeueControlDocument,
  EnqueueControlDocument,
  StealTaskDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

// Delayed tasks: PENDING but not claimable, stealable or ready before runAt; a long poll wakes
// when one becomes due, on any instance, without polling the table.
let s: TestServer;
let second: App;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  // A second instance on the same database, as another server process would be.
  second = buildApp({
    config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 },
    databaseUrl: s.url,
    db: s.handle,
    tokens: s.tokens,
    log: createLogger('silent'),
  });
  await second.start();
});
afterAll(async () => {
  await second.stop();
  await s.stop();
});

const newQueue = async (teamId?: string) => (await s.ok(CreateControlQueueDocument, { input: { name: 'delayed', teamId } })).createWorkQueue.id;
const enqueue = async (queueId: string, input: { delaySeconds?: number; runAt?: string; name?: string }) =>
  (await s.ok(EnqueueControlDocument, { queueId, input: { name: 'later', ...input } })).enqueueTask;
const dequeue = async (queueId: string, agentId = 'worker') => (await s.ok(DequeueControlDocument, { queueId, agentId })).dequeueTask;
const makeDue = (id: string) => s.db.$executeRaw`UPDATE tasks SET run_at = now() - interval '1 millisecond' WHERE id = ${id}`;

/** A long-polling dequeue through one instance's Yoga (in-process), as `agentId`. */
async function longPoll(app: App, queueId: string, agentId: string, waitSeconds: number) {
  const res = await app.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.tokenFor('alice')}` },
    body: JSON.stringify({
      query: 'mutation($q: ID!, $a: String!, $w: Int) { dequeueTask(queueId: $q, agentId: $a, waitSeconds: $w) { id runAt } }',
      variables: { q: queueId, a: agentId, w: waitSeconds },
    }),
  });
  const body = (await res.json()) as { data?: { dequeueTask: { id: string; runAt: string } | null }; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return { task: body.data!.dequeueTask, at: Date.now() };
}

describe('delayed enqueue', () => {
  it('keeps a task with delaySeconds out of dequeue, steal and depth until it is due', async () => {
    const group = `delay-${Date.now()}`;
    const queueId = await newQueue(group);
    const thief = await newQueue(group);
    const task = await enqueue(queueId, { delaySeconds: 600 });
    expect(task.status).toBe('PENDING');
    const wait = (new Date(task.runAt!).getTime() - Date.now()) / 1000;
    expect(wait).toBeGreaterThan(590);
    expect(wait).toBeLessThanOrEqual(600);
    expect(await dequeue(queueId)).toBeNull();
    expect((await s.ok(StealTaskDocument, { queueId: thief, agentId: 'thief' })).stealTask).toBeNull();
    expect((await s.ok(ControlQueueDocument, { id: queueId })).workQueue).toMatchObject({ depth: 0, counts: { pending: 1, delayed: 1 } });
    await makeDue(task.id);
    expect((await s.ok(ControlQueueDocument, { id: queueId })).workQueue).toMatchObject({ depth: 1, counts: { pending: 1, delayed: 0 } });
    expect(await dequeue(queueId)).toMatchObject({ id: task.id, status: 'ASSIGNED' });
  });

  it('takes runAt as given; refuses both runAt and delaySeconds', async () => {
    const queueId = await newQueue();
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    expect((await enqueue(queueId, { runAt })).runAt).toBe(runAt);
    const res = await s.gql(EnqueueControlDocument, { queueId, input: { name: 'x', runAt, delaySeconds: 5 } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toBe('input.delaySeconds: pass runAt or delaySeconds, not both');
    expect(errorCode(await s.gql(EnqueueControlDocument, { queueId, input: { name: 'x', delaySeconds: -1 } }))).toBe('BAD_USER_INPUT');
  });

  it('REST: delaySeconds and runAt on POST /work-queues/{id}/tasks', async () => {
    const queueId = await newQueue();
    const res = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'later', delaySeconds: 120 } });
    expect(res.status).toBe(201);
    // Times are ISO strings on REST (the in-process operation answers Date objects).
    expect(res.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(new Date(res.body.runAt).getTime()).toBeGreaterThan(Date.now() + 110_000);
    expect((await rest(s, 'POST', `/work-queues/${queueId}/dequeue`, { body: { agentId: 'a' } })).status).toBe(204);
  });
});

describe('long polls and due tasks', () => {
  it('wakes a long poll when a delayed task becomes due, and not before', async () => {
    const queueId = await newQueue();
    const poll = longPoll(s.app, queueId, 'patient', 20);
    const task = await enqueue(queueId, { delaySeconds: 1 });
    const { task: got, at } = await poll;
    expect(got!.id).toBe(task.id);
    expect(at).toBeGreaterThanOrEqual(new Date(task.runAt!).getTime());
  });

  it('waits for a due time without polling the table: a handful of statements per wait', async () => {
    const queueId = await newQueue();
    const counted = new Map<string, number>();
    const pool = s.handle.pool;
    const query = pool.query.bind(pool);
    pool.query = ((config: unknown, ...rest: unknown[]) => {
      const name = (config as { name?: string } | undefined)?.name;
      const key = name?.startsWith('queues_claim_tasks') ? 'queues_claim_tasks' : name;
      if (key === 'queues_claim_tasks' || key === 'queues_next_due_at') counted.set(key, (counted.get(key) ?? 0) + 1);
      return (query as (...a: unknown[]) => unknown)(config, ...rest);
    }) as typeof pool.query;
    try {
      const task = await enqueue(queueId, { delaySeconds: 2 });
      const { task: got } = await longPoll(s.app, queueId, 'patient', 10);
      expect(got!.id).toBe(task.id);
    } finally {
      pool.query = query;
    }
    // One claim and one due-time lookup before sleeping, one claim when due (a ring may add one round).
    expect(counted.get('queues_claim_tasks')).toBeLessThanOrEqual(3);
    expect(counted.get('queues_next_due_at')).toBeLessThanOrEqual(2);
  });

  it('hands each due task to exactly one of the long polls on two instances', async () => {
    const queueId = await newQueue();
    const polls = [s.app, second, s.app, second, s.app, second].map((app, i) => longPoll(app, queueId, `p${i}`, 6));
    const first = await enqueue(queueId, { delaySeconds: 1, name: 'due-1' });
    const other = await enqueue(queueId, { delaySeconds: 2, name: 'due-2' });
    const results = await Promise.all(polls);
    const got = results.filter((r) => r.task).map((r) => r.task!.id);
    expect(got.sort()).toEqual([first.id, other.id].sort());
    for (const r of results.filter((r) => r.task)) expect(r.at).toBeGreaterThanOrEqual(new Date(r.task!.runAt).getTime());
  });
});
