import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../src/queues/sweeper.js';
import {
  ControlQueueDocument,
  ControlTaskHistoryDocument,
  CreateControlQueueDocument,
  CreateWorkQueueDocument,
  DeleteWorkQueueDocument,
  DequeueTaskDocument,
  DequeueTaskWaitingDocument,
  EnqueueControlDocument,
  FailControlDocument,
  RetryTaskDocument,
  RetryTasksDocument,
  StealTaskDocument,
  type RetryBackoffInput,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

// Retries with backoff and dead letters: a retried failure or a lost lease comes back PENDING but
// not before its backoff; attempts running out leave an exhausted FAILED task that can be redriven.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const newQueue = async (input: { maxAttempts?: number; retryBackoff?: RetryBackoffInput; teamId?: string } = {}) =>
  (await s.ok(CreateControlQueueDocument, { input: { name: 'retries', ...input } })).createWorkQueue;
const enqueue = async (queueId: string, input: { retryBackoff?: RetryBackoffInput; maxAttempts?: number } = {}) =>
  (await s.ok(EnqueueControlDocument, { queueId, input: { name: 'job', ...input } })).enqueueTask;
const dequeue = async (queueId: string, agentId = 'worker') => (await s.ok(DequeueTaskDocument, { queueId, agentId })).dequeueTask;
const failRetry = async (id: string, error = 'flaky') => (await s.ok(FailControlDocument, { id, error, retry: true })).failTask;
const history = async (id: string) => (await s.ok(ControlTaskHistoryDocument, { id })).task;
/** Makes a delayed task due now, as time passing would. */
const makeDue = (id: string) => s.db.$executeRaw`UPDATE tasks SET run_at = now() - interval '1 millisecond' WHERE id = ${id}`;
/** Seconds from now until `at`. */
const secondsUntil = (at: string | null) => (new Date(at!).getTime() - Date.now()) / 1000;

describe('queue retry settings', () => {
  it('defaults to 10 s × 2 up to an hour with jitter, and merges what is given', async () => {
    expect((await newQueue()).retryBackoff).toEqual({ initialSeconds: 10, factor: 2, maxSeconds: 3600, jitter: 0.2 });
    expect((await newQueue({ retryBackoff: { initialSeconds: 1, jitter: 0 } })).retryBackoff).toEqual({
      initialSeconds: 1,
      factor: 2,
      maxSeconds: 3600,
      jitter: 0,
    });
  });

  it.each([
    [{ factor: 0.5 }, 'input.retryBackoff.factor'],
    [{ jitter: 2 }, 'input.retryBackoff.jitter'],
    [{ initialSeconds: -1 }, 'input.retryBackoff.initialSeconds'],
  ])('refuses %o naming the field', async (retryBackoff, field) => {
    const res = await s.gql(CreateWorkQueueDocument, { input: { name: 'bad', retryBackoff } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe(field);
  });

  it('computes the delay in the database: initial × factor^(n−1), capped, less jitter', async () => {
    const delays = await s.db.$queryRaw<{ n: number; secs: number }[]>`
      SELECT n, extract(epoch FROM retry_delay(n, '{"initialSeconds": 10, "factor": 2, "maxSeconds": 100, "jitter": 0}'))::float8 AS secs
      FROM generate_series(1, 6) n ORDER BY n`;
    expect(delays.map((d) => d.secs)).toEqual([10, 20, 40, 80, 100, 100]);
    const jittered = await s.db.$queryRaw<{ secs: number }[]>`
      SELECT extract(epoch FROM retry_delay(1, '{"initialSeconds": 100, "factor": 2, "maxSeconds": 100, "jitter": 0.5}'))::float8 AS secs
      FROM generate_series(1, 50)`;
    for (const { secs } of jittered) expect(secs).toBeGreaterThanOrEqual(50), expect(secs).toBeLessThanOrEqual(100);
    expect(new Set(jittered.map((j) => j.secs)).size).toBeGreaterThan(1);
  });
});

describe('backoff', () => {
  it('puts a retried failure back PENDING with runAt = now + backoff: not claimable, stealable or ready before then', async () => {
    const group = `g-${Date.now()}`;
    const queue = await newQueue({ retryBackoff: { initialSeconds: 30, factor: 3, jitter: 0 }, teamId: group });
    const thief = await newQueue({ teamId: group });
    await enqueue(queue.id);
    const held = (await dequeue(queue.id))!;
    const requeued = await failRetry(held.id, 'timeout talking to the API');
    expect(requeued).toMatchObject({ status: 'PENDING', attempts: 1, error: 'timeout talking to the API', exhausted: false });
    expect(secondsUntil(requeued.runAt)).toBeGreaterThan(28);
    expect(secondsUntil(requeued.runAt)).toBeLessThanOrEqual(30);

    expect(await dequeue(queue.id)).toBeNull();
    expect((await s.ok(StealTaskDocument, { queueId: thief.id, agentId: 'thief' })).stealTask).toBeNull();
    const view = (await s.ok(ControlQueueDocument, { id: queue.id })).workQueue;
    expect(view.depth).toBe(0);
    expect(view.counts).toMatchObject({ pending: 1, delayed: 1, total: 1 });

    await makeDue(held.id);
    const again = (await dequeue(queue.id))!;
    expect(again).toMatchObject({ id: held.id, attempts: 2 });
    // The second retry waits initial × factor.
    const second = await failRetry(held.id);
    expect(secondsUntil(second.runAt)).toBeGreaterThan(88);
    expect(secondsUntil(second.runAt)).toBeLessThanOrEqual(90);
    const events = (await history(held.id)).events.filter((e) => e.type === 'REQUEUED');
    expect(events.map((e) => (e.detail as { runAt?: string }).runAt)).toEqual([expect.any(String), expect.any(String)]);
  });

  it('applies the backoff to a lost lease, with per-task overrides from enqueue', async () => {
    const queue = await newQueue({ retryBackoff: { initialSeconds: 10, jitter: 0 } });
    const task = await enqueue(queue.id, { retryBackoff: { initialSeconds: 120 } });
    expect(task.retryBackoff).toEqual({ initialSeconds: 120, factor: null, maxSeconds: null, jitter: null });
    await dequeue(queue.id, 'crashed');
    await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${task.id}`;
    await sweepOnce(s.handle);
    const after = await history(task.id);
    expect(after).toMatchObject({ status: 'PENDING', error: 'lease expired', attempts: 1 });
    expect(secondsUntil(after.runAt)).toBeGreaterThan(118);
    expect(secondsUntil(after.runAt)).toBeLessThanOrEqual(120);
    expect(await dequeue(queue.id)).toBeNull();
  });

  it('retries at once with initialSeconds 0', async () => {
    const queue = await newQueue({ retryBackoff: { initialSeconds: 0 } });
    await enqueue(queue.id);
    const held = (await dequeue(queue.id))!;
    await failRetry(held.id);
    expect(await dequeue(queue.id)).toMatchObject({ id: held.id, attempts: 2 });
  });
});

describe('dead letters', () => {
  it('fails the task exhausted once attempts run out, keeps every error, and lists it per queue', async () => {
    const queue = await newQueue({ maxAttempts: 2, retryBackoff: { initialSeconds: 0 } });
    const task = await enqueue(queue.id);
    await dequeue(queue.id, 'a1');
    await failRetry(task.id, 'first error');
    await dequeue(queue.id, 'a2');
    const final = await failRetry(task.id, 'second error');
    expect(final).toMatchObject({ status: 'FAILED', exhausted: true, attempts: 2, error: 'second error' });
    const { errors } = await history(task.id);
    expect(errors.map((e) => [e.type, e.error, e.attempt, e.agentId])).toEqual([
      ['REQUEUED', 'first error', 1, 'a1'],
      ['FAILED', 'second error', 2, 'a2'],
    ]);

    // A deliberate, final failure is not a dead letter of exhaustion.
    const other = await enqueue(queue.id);
    await dequeue(queue.id);
    expect((await s.ok(FailControlDocument, { id: other.id, error: 'bad input' })).failTask).toMatchObject({ status: 'FAILED', exhausted: false });

    const dead = (await s.ok(ControlQueueDocument, { id: queue.id, status: 'FAILED', exhausted: true })).workQueue.tasks;
    expect(dead.edges.map((e) => e.node.id)).toEqual([task.id]);
    expect((await s.ok(ControlQueueDocument, { id: queue.id, status: 'FAILED' })).workQueue.tasks.totalCount).toBe(2);
  });

  it('marks a lease lost on the last attempt exhausted', async () => {
    const queue = await newQueue({ maxAttempts: 1 });
    const task = await enqueue(queue.id);
    await dequeue(queue.id);
    await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${task.id}`;
    await sweepOnce(s.handle);
    expect(await history(task.id)).toMatchObject({ status: 'FAILED', exhausted: true, error: 'lease expired after 1 attempt(s)' });
  });
});

describe('redrive', () => {
  async function deadLetter(maxAttempts = 1) {
    const queue = await newQueue({ maxAttempts });
    const task = await enqueue(queue.id);
    await dequeue(queue.id);
    await failRetry(task.id, 'gave up');
    return { queue, task };
  }

  it('retryTask sends a dead letter back PENDING, due at once, with one more attempt and its history', async () => {
    const { queue, task } = await deadLetter();
    const retried = (await s.ok(RetryTaskDocument, { id: task.id })).retryTask;
    expect(retried).toMatchObject({ status: 'PENDING', exhausted: false, attempts: 1, maxAttempts: 2, runAt: null, error: 'gave up' });
    const again = (await dequeue(queue.id))!;
    expect(again).toMatchObject({ id: task.id, attempts: 2 });
    const h = await history(task.id);
    expect(h.events.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNED', 'FAILED', 'RETRIED', 'ASSIGNED']);
    expect(h.errors.map((e) => e.error)).toEqual(['gave up']);
  });

  it('retryTask with resetAttempts starts from 0; CONFLICT for a task that has not finished or a closed queue', async () => {
    const { queue, task } = await deadLetter();
    expect((await s.ok(RetryTaskDocument, { id: task.id, resetAttempts: true })).retryTask).toMatchObject({ attempts: 0, maxAttempts: 1 });
    const twice = await s.gql(RetryTaskDocument, { id: task.id });
    expect(errorCode(twice)).toBe('CONFLICT');
    expect(twice.errors![0]!.message).toMatch(/is PENDING/);
    expect(errorCode(await s.gql(RetryTaskDocument, { id: 'wt_missing' }))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(RetryTaskDocument, { id: task.id }, 'mallory'))).toBe('NOT_FOUND');

    const closed = await deadLetter();
    await s.ok(DeleteWorkQueueDocument, { id: closed.queue.id });
    const refused = await s.gql(RetryTaskDocument, { id: closed.task.id });
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(refused.errors![0]!.message).toMatch(/queue deleted/);
    expect(queue.id).toBeTruthy();
  });

  it('wakes a long-polling agent when a task is redriven', async () => {
    const { queue, task } = await deadLetter();
    const waiting = s.ok(DequeueTaskWaitingDocument, { queueId: queue.id, agentId: 'patient', waitSeconds: 20 });
    await new Promise((r) => setImmediate(r));
    await s.ok(RetryTaskDocument, { id: task.id });
    expect((await waiting).dequeueTask).toMatchObject({ id: task.id, assignedAgentId: 'patient' });
  });

  it('retryTasks redrives every task of a queue with the status', async () => {
    const queue = await newQueue({ maxAttempts: 1 });
    for (let i = 0; i < 3; i++) {
      const t = await enqueue(queue.id);
      await dequeue(queue.id);
      await failRetry(t.id);
    }
    expect((await s.ok(RetryTasksDocument, { queueId: queue.id })).retryTasks).toEqual({ queueId: queue.id, retried: 3 });
    expect((await s.ok(ControlQueueDocument, { id: queue.id })).workQueue.counts).toMatchObject({ pending: 3, failed: 0 });
    expect(errorCode(await s.gql(RetryTasksDocument, { queueId: queue.id, status: 'ASSIGNED' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await s.gql(RetryTasksDocument, { queueId: 'wq_missing' }))).toBe('NOT_FOUND');
  });

  it('REST: retry routes, dead-letter listing and the error history', async () => {
    const { queue, task } = await deadLetter();
    const listed = await rest(s, 'GET', `/work-queues/${queue.id}/tasks?status=failed&exhausted=true`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: { id: string; exhausted: boolean }) => [t.id, t.exhausted])).toEqual([[task.id, true]]);
    const got = await rest(s, 'GET', `/work-queue-tasks/${task.id}`);
    expect(got.body.errors).toEqual([expect.objectContaining({ type: 'FAILED', error: 'gave up', attempt: 1 })]);

    const one = await rest(s, 'POST', `/work-queue-tasks/${task.id}/retry`, { body: { resetAttempts: true } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: task.id, status: 'pending', attempts: 0 });
    expect((await rest(s, 'POST', `/work-queue-tasks/${task.id}/retry`, { body: {} })).status).toBe(409);

    const env = await deadLetter();
    const v1 = await rest(s, 'POST', `/api/v1/tasks/${env.task.id}/retry`, { body: { reset_attempts: false } });
    expect(v1.body).toMatchObject({ ok: true, data: { status: 'pending', attempts: 1, max_attempts: 2 } });

    const bulk = await deadLetter();
    const all = await rest(s, 'POST', `/work-queues/${bulk.queue.id}/retry`, { body: { status: 'failed' } });
    expect(all.body).toEqual({ queueId: bulk.queue.id, retried: 1 });
    const bad = await rest(s, 'POST', `/work-queues/${bulk.queue.id}/retry`, { body: { status: 'assigned' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('status: must be FAILED, CANCELLED or EXPIRED');
  });
});
