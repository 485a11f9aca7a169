import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dequeueTasks } from '../src/queues/dequeue.js';
import { enqueueTask } from '../src/queues/enqueue.js';
import { completeTask, failTask } from '../src/queues/finish.js';
import { sweepOnce } from '../src/queues/sweeper.js';
import {
  CancelTaskDocument,
  CompleteTaskDocument,
  ControlQueueDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  DequeueTaskWaitingDocument,
  DispatchResultsDocument,
  DispatchToTeamDocument,
  EnqueueDependentDocument,
  EnqueueTasksDocument,
  FailTaskDocument,
  TaskDependenciesDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

// Dependencies: a task waits BLOCKED until every task it depends on COMPLETED, and is cancelled,
// naming the culprit, when one of them fails, expires or is cancelled. Dispatch completion FIRST.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: 'deps' } })).createWorkQueue.id;
const enqueue = async (queueId: string, name: string, dependsOn?: string[]) =>
  (await s.ok(EnqueueDependentDocument, { queueId, input: { name, dependsOn } })).enqueueTask;
const view = async (id: string) => (await s.ok(TaskDependenciesDocument, { id })).task;
/** Dequeues that very task (the queue may hold others) and completes it with `result`. */
async function run(queueId: string, id: string, result: Record<string, unknown> = {}) {
  await s.db.$executeRaw`UPDATE tasks SET priority = 5 WHERE id = ${id}`;
  const t = (await s.ok(DequeueTaskDocument, { queueId, agentId: `runner-${id}` })).dequeueTask!;
  expect(t.id).toBe(id);
  return s.ok(CompleteTaskDocument, { id, leaseToken: t.leaseToken, result });
}

describe('dependsOn', () => {
  it('blocks until every dependency completed, then unblocks (event) and wakes a long poll; results are readable', async () => {
    const queueId = await newQueue();
    const a = await enqueue(queueId, 'fetch data');
    const b = await enqueue(queueId, 'fetch more');
    const c = await enqueue(queueId, 'summarise', [a.id, b.id]);
    expect(c.status).toBe('BLOCKED');
    expect((await s.ok(ControlQueueDocument, { id: queueId })).workQueue.depth).toBe(2);

    await run(queueId, a.id, { rows: 10 });
    expect((await view(c.id)).status).toBe('BLOCKED');
    await s.db.$executeRaw`UPDATE tasks SET priority = 1 WHERE id = ${c.id}`;
    // Everything else is taken: a long poll now waits for c to unblock.
    const bTask = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'b-runner' })).dequeueTask!;
    expect(bTask.id).toBe(b.id);
    const waiting = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'summariser', waitSeconds: 20 });
    await new Promise((r) => setImmediate(r));
    await s.ok(CompleteTaskDocument, { id: b.id, leaseToken: bTask.leaseToken, result: { rows: 5 } });
    expect((await waiting).dequeueTask).toMatchObject({ id: c.id, assignedAgentId: 'summariser' });

    const seen = await view(c.id);
    expect(seen.dependencies.map((d) => [d.id, d.status, d.result])).toEqual(
      [
        [a.id, 'COMPLETED', { rows: 10 }],
        [b.id, 'COMPLETED', { rows: 5 }],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(seen.events.map((e) => e.type)).toEqual(['CREATED', 'BLOCKED', 'UNBLOCKED', 'ASSIGNED']);
    expect((await view(a.id)).dependents.map((d) => d.id)).toEqual([c.id]);
  });

  it('is PENDING at once when its dependencies already completed, CANCELLED when one already failed', async () => {
    const queueId = await newQueue();
    const done = await enqueue(queueId, 'done');
    await run(queueId, done.id);
    expect((await enqueue(queueId, 'after done', [done.id])).status).toBe('PENDING');
    const bad = await enqueue(queueId, 'bad');
    await s.db.$executeRaw`UPDATE tasks SET priority = 5 WHERE id = ${bad.id}`;
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'x' })).dequeueTask!;
    await s.ok(FailTaskDocument, { id: held.id, error: 'boom' });
    const doomed = await enqueue(queueId, 'after bad', [done.id, bad.id]);
    expect(doomed).toMatchObject({ status: 'CANCELLED', error: `dependency ${bad.id} ended FAILED` });
  });

  it('refuses a missing or foreign dependency, writing nothing of the batch', async () => {
    const queueId = await newQueue();
    const mine = await enqueue(queueId, 'mine');
    const otherQueue = (await s.ok(CreateWorkQueueDocument, { input: { name: 'theirs' } }, 'mallory')).createWorkQueue.id;
    const theirs = (await s.ok(EnqueueDependentDocument, { queueId: otherQueue, input: { name: 'theirs' } }, 'mallory')).enqueueTask;
    const res = await s.gql(EnqueueDependentDocument, { queueId, input: { name: 'x', dependsOn: [mine.id, theirs.id] } });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toBe(`input.dependsOn: no task ${theirs.id} (dependencies must exist)`);
    const batch = await s.gql(EnqueueTasksDocument, { queueId, tasks: [{ name: 'ok' }, { name: 'bad', dependsOn: ['wt_nope'] }] });
    expect(errorCode(batch)).toBe('BAD_USER_INPUT');
    expect((await s.ok(ControlQueueDocument, { id: queueId })).workQueue.counts.total).toBe(1);
  });

  it('cancels dependents, directly and through others, naming the dependency that ended them', async () => {
    const queueId = await newQueue();
    const root = await enqueue(queueId, 'root');
    const mid = await enqueue(queueId, 'mid', [root.id]);
    const leaf = await enqueue(queueId, 'leaf', [mid.id]);
    await s.db.$executeRaw`UPDATE tasks SET priority = 5 WHERE id = ${root.id}`;
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'x' })).dequeueTask!;
    await s.ok(FailTaskDocument, { id: held.id, error: 'upstream down' });
    expect(await view(mid.id)).toMatchObject({ status: 'CANCELLED', error: `dependency ${root.id} ended FAILED` });
    expect(await view(leaf.id)).toMatchObject({ status: 'CANCELLED', error: `dependency ${mid.id} was cancelled` });

    const expiring = await enqueue(queueId, 'expiring');
    const waiter = await enqueue(queueId, 'waiter', [expiring.id]);
    await s.db.$executeRaw`UPDATE tasks SET deadline = now() - interval '1 second' WHERE id = ${expiring.id}`;
    await sweepOnce(s.handle);
    expect(await view(waiter.id)).toMatchObject({ status: 'CANCELLED', error: `dependency ${expiring.id} ended EXPIRED` });
  });

  it('diamond: the join unblocks exactly when both branches completed, also when they complete at once', async () => {
    const queueId = await newQueue();
    const diamonds = [];
    for (let i = 0; i < 15; i++) {
      const top = await enqueue(queueId, `top-${i}`);
      const left = await enqueue(queueId, `left-${i}`, [top.id]);
      const right = await enqueue(queueId, `right-${i}`, [top.id]);
      const join = await enqueue(queueId, `join-${i}`, [left.id, right.id]);
      diamonds.push({ top, left, right, join });
    }
    for (const d of diamonds) await run(queueId, d.top.id);
    const held = [];
    for (const d of diamonds) {
      expect((await view(d.left.id)).status).toBe('PENDING');
      for (const id of [d.left.id, d.right.id]) {
        await s.db.$executeRaw`UPDATE tasks SET priority = 5 WHERE id = ${id}`;
        held.push((await s.ok(DequeueTaskDocument, { queueId, agentId: `w-${id}` })).dequeueTask!);
      }
    }
    // Both branches of every diamond complete concurrently: no join may stay BLOCKED.
    await Promise.all(held.map((t) => s.ok(CompleteTaskDocument, { id: t.id, leaseToken: t.leaseToken, result: {} })));
    for (const d of diamonds) expect((await view(d.join.id)).status).toBe('PENDING');
  });

  it('a dependency finishing while its dependent is cancelled: the dependent ends CANCELLED, never runs', async () => {
    const queueId = await newQueue();
    const pairs = [];
    for (let i = 0; i < 25; i++) {
      const dep = await enqueue(queueId, `dep-${i}`);
      await s.db.$executeRaw`UPDATE tasks SET priority = 5 WHERE id = ${dep.id}`;
      const t = (await s.ok(DequeueTaskDocument, { queueId, agentId: `d-${i}` })).dequeueTask!;
      expect(t.id).toBe(dep.id);
      const dependent = await enqueue(queueId, `dependent-${i}`, [dep.id]);
      pairs.push({ dep, t, dependent });
    }
    const outcomes = await Promise.all(
      pairs.map(({ t, dependent }) =>
        Promise.all([s.gql(CompleteTaskDocument, { id: t.id, leaseToken: t.leaseToken, result: {} }), s.gql(CancelTaskDocument, { id: dependent.id, reason: 'stop' })]),
      ),
    );
    for (const [completed, cancelled] of outcomes) {
      expect(completed.errors).toBeUndefined();
      expect(cancelled.errors).toBeUndefined();
    }
    for (const { dep, dependent } of pairs) {
      expect((await view(dep.id)).status).toBe('COMPLETED');
      const d = await view(dependent.id);
      expect(d).toMatchObject({ status: 'CANCELLED', error: 'stop' });
      expect(d.events.map((e) => e.type)).not.toContain('ASSIGNED');
    }
  });
});

describe('chains of 1,000', () => {
  it('unblocks link by link and cancels the rest of the chain in one statement when a link fails', async () => {
    const queueId = await newQueue();
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const { task } = await enqueueTask(s.handle, 'alice', queueId, { name: `link-${i}`, dependsOn: i ? [ids[i - 1]!] : [] });
      ids.push(task.id);
    }
    expect((await s.ok(ControlQueueDocument, { id: queueId })).workQueue.counts).toMatchObject({ pending: 1, total: 1000 });
    for (let i = 0; i < 300; i++) {
      const [t] = await dequeueTasks(s.handle, 'alice', { queueId, agentId: 'chain' });
      expect(t!.id).toBe(ids[i]);
      await completeTask(s.handle, 'alice', { id: t!.id, leaseToken: t!.leaseToken, result: { i } });
    }
    const [next] = await dequeueTasks(s.handle, 'alice', { queueId, agentId: 'chain' });
    expect(next!.id).toBe(ids[300]);
    await failTask(s.handle, 'alice', { id: next!.id, leaseToken: next!.leaseToken, error: 'broken link' });
    const counts = (await s.ok(ControlQueueDocument, { id: queueId })).workQueue.counts;
    expect(counts).toMatchObject({ pending: 0, failed: 1, total: 1000 });
    const cancelled = await s.db.task.count({ where: { queueId, status: 'CANCELLED' } });
    expect(cancelled).toBe(699);
    expect((await view(ids[301]!)).error).toBe(`dependency ${ids[300]} ended FAILED`);
    expect((await view(ids[999]!)).error).toBe(`dependency ${ids[998]} was cancelled`);
  });
});

describe('dispatch completion', () => {
  const newTeam = async (size = 3) => (await s.ok(CreateTeamDocument, { input: { name: `disp-${Date.now()}-${Math.random()}`, size } })).createTeam;

  it('FIRST completes the dispatch with the first completed task and cancels the rest', async () => {
    const team = await newTeam();
    const d = (await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'find the bug', parallel: true, completion: 'FIRST' } })).dispatchToTeam;
    const one = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' })).dequeueTask!;
    const two = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-2' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: two.id, leaseToken: two.leaseToken, result: { found: 'off by one' } });
    const after = (await s.ok(DispatchResultsDocument, { id: d.id })).dispatch;
    expect(after).toMatchObject({ completion: 'FIRST', status: 'COMPLETED', results: [{ taskId: two.id, agentId: 'agent-2', reservedFor: 'agent-2', result: { found: 'off by one' } }] });
    expect(after.decidedAt).not.toBeNull();
    expect(after.tasks.filter((t) => t.id !== two.id).map((t) => [t.status, t.error])).toEqual([
      ['CANCELLED', `dispatch completed by task ${two.id}`],
      ['CANCELLED', `dispatch completed by task ${two.id}`],
    ]);
    expect(errorCode(await s.gql(CompleteTaskDocument, { id: one.id, leaseToken: one.leaseToken, result: {} }))).toBe('CONFLICT');
  });

  it('FIRST with members completing at once: no deadlock, nothing left running after the sweep', async () => {
    for (let round = 0; round < 5; round++) {
      const team = await newTeam(4);
      const d = (await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'race', parallel: true, completion: 'FIRST' } })).dispatchToTeam;
      const held = [];
      for (const agent of ['agent-1', 'agent-2', 'agent-3', 'agent-4']) held.push((await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: agent })).dequeueTask!);
      const answers = await Promise.all(held.map((t) => s.gql(CompleteTaskDocument, { id: t.id, leaseToken: t.leaseToken, result: { by: t.assignedAgentId } })));
      expect(answers.filter((a) => !a.errors).length).toBeGreaterThanOrEqual(1);
      for (const a of answers.filter((x) => x.errors)) expect(errorCode(a)).toBe('CONFLICT');
      await sweepOnce(s.handle);
      const after = (await s.ok(DispatchResultsDocument, { id: d.id })).dispatch;
      expect(after.status).toBe('COMPLETED');
      expect(after.tasks.every((t) => t.status === 'COMPLETED' || t.status === 'CANCELLED')).toBe(true);
      expect(after.results.length).toBe(answers.filter((a) => !a.errors).length);
    }
  });

  it('ALL (default) aggregates the results in task order once every task completed', async () => {
    const team = await newTeam(2);
    const d = (await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'split work', parallel: true } })).dispatchToTeam;
    const [first, second] = d.tasks;
    for (const t of [second!, first!]) {
      const held = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: t.reservedFor! })).dequeueTask!;
      await s.ok(CompleteTaskDocument, { id: held.id, leaseToken: held.leaseToken, result: { part: t.reservedFor } });
    }
    const after = (await s.ok(DispatchResultsDocument, { id: d.id })).dispatch;
    expect(after).toMatchObject({ completion: 'ALL', status: 'COMPLETED', decidedAt: null });
    expect(after.results.map((r) => r.result)).toEqual([{ part: 'agent-1' }, { part: 'agent-2' }]);
  });
});

describe('REST', () => {
  it('dependsOn at enqueue, dependencies on GET, completion and results on dispatches', async () => {
    const queueId = await newQueue();
    const a = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'a' } });
    const b = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'b', dependsOn: [a.body.id] } });
    expect(b.body.status).toBe('blocked');
    expect((await rest(s, 'GET', `/work-queues/${queueId}/tasks?status=blocked`)).body.total).toBe(1);
    const got = await rest(s, 'GET', `/work-queue-tasks/${b.body.id}`);
    expect(got.body.dependencies).toEqual([{ id: a.body.id, status: 'pending', result: null }]);
    const bad = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'c', dependsOn: 'nope' } });
    expect(bad.status).toBe(400);

    const team = (await s.ok(CreateTeamDocument, { input: { name: `rest-disp-${Date.now()}`, size: 2 } })).createTeam;
    const d = await rest(s, 'POST', `/api/v1/teams/${team.id}/dispatch`, { body: { task: 'race', parallel: true, completion: 'first' } });
    expect(d.status).toBe(201);
    expect(d.body.data).toMatchObject({ completion: 'first', status: 'running', results: [] });
    const held = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: held.id, leaseToken: held.leaseToken, result: { Answer: 42 } });
    const after = await rest(s, 'GET', `/api/v1/teams/${team.id}/dispatches/${d.body.data.id}`);
    expect(after.body.data).toMatchObject({ status: 'completed', results: [{ task_id: held.id, agent_id: 'agent-1', result: { Answer: 42 } }] });
  });
});
