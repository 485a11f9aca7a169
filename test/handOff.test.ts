// An enqueue hands its task straight to a long poll waiting on the same instance (handOff.ts):
// the task is created ASSIGNED to that agent, in the enqueue's one statement, with the events a
// claim would have written; what cannot be handed over (a delayed task, a team's task, a
// repeated key) goes the usual way, and a poll that leaves meanwhile gives its task back.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '../src/events/bus.js';
import { enqueueTask } from '../src/queues/enqueue.js';
import { createHandOff } from '../src/queues/handOff.js';
import { dequeueWithWait } from '../src/queues/waitForTask.js';
import {
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskWaitingDocument,
  EnqueueTaskDocument,
} from './generated/graphql.js';
import { eventually, waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { countStatements } from './helpers/statements.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

let seq = 0;
const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: `hand-off-${++seq}` } })).createWorkQueue.id;
const offered = (queueId: string, count = 1) =>
  waitFor(() => s.app.handOff.waiting(queueId) === count, { what: `${count} poll(s) offered to the enqueues of ${queueId}` });

describe('an enqueue with a long poll waiting on this instance', () => {
  it('creates the task ASSIGNED to the polling agent in its one statement; the poll answers without a claim', async () => {
    const queueId = await newQueue();
    const poll = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller', waitSeconds: 20 });
    await offered(queueId);
    const { result, sent } = await countStatements(['queues_insert_tasks', 'queues_claim'], async () => {
      const { enqueueTask: task } = await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'handed' } });
      return { task, answer: (await poll).dequeueTask };
    });
    expect(Object.fromEntries(sent)).toEqual({ queues_insert_tasks_handed: 1 });
    expect(result.task).toMatchObject({ status: 'ASSIGNED', assignedAgentId: 'poller', attempts: 1 });
    expect(result.task.leaseToken).toBeTruthy();
    expect(new Date(result.task.leaseExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    expect(result.answer).toMatchObject({ id: result.task.id, name: 'handed', assignedAgentId: 'poller' });
    expect(s.app.handOff.waiting(queueId)).toBe(0);
    // The log reads as a claim's would: created, then assigned to the agent (attempt 1).
    const events = await eventually(async () => {
      const rows = await s.db.taskEvent.findMany({ where: { taskId: result.task.id }, orderBy: { id: 'asc' } });
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(events.map((e) => [e.type, e.agentId, e.detail])).toEqual([
      ['CREATED', null, { priority: 3 }],
      ['ASSIGNED', 'poller', { attempt: 1 }],
    ]);
    // The lease is a real one.
    const done = await s.ok(CompleteTaskDocument, { id: result.task.id, leaseToken: result.task.leaseToken, result: { ok: true } });
    expect(done.completeTask.status).toBe('COMPLETED');
  });

  it('hands to the poll that has waited longest; the next task goes to the next one', async () => {
    const queueId = await newQueue();
    const first = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'first', waitSeconds: 20 });
    await offered(queueId);
    const second = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'second', waitSeconds: 20 });
    await offered(queueId, 2);
    const a = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'a' } })).enqueueTask;
    expect((await first).dequeueTask).toMatchObject({ id: a.id, assignedAgentId: 'first' });
    await offered(queueId); // the second poll, woken by a's creation, found nothing and waits again
    const b = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'b' } })).enqueueTask;
    expect((await second).dequeueTask).toMatchObject({ id: b.id, assignedAgentId: 'second' });
    expect(b.status).toBe('ASSIGNED');
  });

  it('hands over nothing that could not be claimed at once: a delayed task, or a repeated key', async () => {
    const queueId = await newQueue();
    const early = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'later', idempotencyKey: 'k', delaySeconds: 600 } })).enqueueTask;
    const poll = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller', waitSeconds: 20 });
    await offered(queueId);
    const delayed = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'delayed', delaySeconds: 600 } })).enqueueTask;
    expect(delayed).toMatchObject({ status: 'PENDING', assignedAgentId: null, attempts: 0 });
    await offered(queueId); // offered again, still waiting
    const repeat = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'again', idempotencyKey: 'k' } })).enqueueTask;
    expect(repeat).toMatchObject({ id: early.id, status: 'PENDING' });
    await offered(queueId);
    const now = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'now' } })).enqueueTask;
    expect((await poll).dequeueTask).toMatchObject({ id: now.id, assignedAgentId: 'poller' });
  });

  it("leaves a team's tasks to the claim and its team rules", async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `hand-off-team-${++seq}`, size: 2 } })).createTeam;
    const queueId = team.queue.id;
    const poll = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'agent-1', waitSeconds: 20 });
    await offered(queueId);
    const { result: task, sent } = await countStatements(['queues_claim'], async () => {
      const { enqueueTask: t } = await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'for the team' } });
      await poll;
      return t;
    });
    expect(task.status).toBe('PENDING');
    expect((await poll).dequeueTask).toMatchObject({ id: task.id, assignedAgentId: 'agent-1' });
    expect([...sent.keys()].some((name) => name.startsWith('queues_claim_tasks_as_member'))).toBe(true);
  });

  it('gives the task back when the poll leaves while the enqueue creates it, without waiting for the insert', async () => {
    const queueId = await newQueue();
    const handOff = createHandOff();
    const leaving = new AbortController();
    const poll = dequeueWithWait(s.handle, createEventBus(), 'alice', { queueId, agentId: 'leaver', waitSeconds: 20 }, leaving.signal, handOff);
    await waitFor(() => handOff.waiting(queueId) === 1, { what: 'the poll to be offered' });
    // The queue's row is locked: the enqueue takes the poll, then its insert waits for the lock.
    const locker = new pg.Client({ connectionString: s.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM work_queues WHERE id = $1 FOR UPDATE', [queueId]);
      const enqueued = enqueueTask(s.handle, 'alice', queueId, { name: 'orphan' }, handOff);
      expect(handOff.waiting(queueId)).toBe(0); // taken
      leaving.abort();
      // The poll answers at once (its client is gone), not when the insert gets through.
      expect(await poll).toEqual([]);
      await locker.query('COMMIT');
      const { task } = await enqueued;
      // Nobody took it: the enqueue gave it back, and answers it as it is now.
      expect(task).toMatchObject({ status: 'PENDING', assignedAgentId: null, leaseToken: null, attempts: 0 });
      const row = await s.db.task.findUniqueOrThrow({ where: { id: task.id } });
      expect(row).toMatchObject({ status: 'PENDING', assignedAgentId: null, leaseToken: null, attempts: 0 });
    } finally {
      await locker.end();
    }
  });

  it('hands over only a task the agent would have claimed first: none of a higher or equal priority waits', async () => {
    const queueId = await newQueue();
    const poll = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller', waitSeconds: 20 });
    await offered(queueId);
    // Committed without waking this instance's polls (as another instance's enqueue, before its
    // wake-up arrives): the domain call, without the resolver's wake-up or the hand-off.
    const urgent = (await enqueueTask(s.handle, 'alice', queueId, { name: 'urgent', priority: 5 })).task;
    const minor = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'minor', priority: 1 } })).enqueueTask;
    expect(minor.status).toBe('PENDING');
    expect((await poll).dequeueTask).toMatchObject({ id: urgent.id, assignedAgentId: 'poller' });
    // Once the queue holds only lower priorities, a new task that outranks them is handed over.
    const poll2 = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller-2', waitSeconds: 20 });
    expect((await poll2).dequeueTask?.id).toBe(minor.id); // claimed at once: it was pending
    const poll3 = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller-3', waitSeconds: 20 });
    await offered(queueId);
    const low = (await enqueueTask(s.handle, 'alice', queueId, { name: 'low', priority: 2 })).task;
    const top = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'top', priority: 3 } })).enqueueTask;
    expect(top).toMatchObject({ status: 'ASSIGNED', assignedAgentId: 'poller-3' });
    expect((await poll3).dequeueTask?.id).toBe(top.id);
    expect((await s.db.task.findUniqueOrThrow({ where: { id: low.id } })).status).toBe('PENDING');
  });
});

describe('the event tailer and a task handed over', () => {
  let l: TestServer;
  beforeAll(async () => {
    l = await startTestServer({ listen: true });
  });
  afterAll(() => l.stop());

  it('wakes no other poll: a task created ASSIGNED is no work for anyone else', async () => {
    const queueId = (await l.ok(CreateWorkQueueDocument, { input: { name: 'hand-off-quiet' } })).createWorkQueue.id;
    const poll = l.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller', waitSeconds: 20 });
    await waitFor(() => l.app.handOff.waiting(queueId) === 1, { what: 'the poll to be offered' });
    const rings = l.app.bus.subscribe('work', queueId);
    const events = l.app.bus.subscribe('queueTasks', queueId);
    try {
      const handed = (await l.ok(EnqueueTaskDocument, { queueId, input: { name: 'handed' } })).enqueueTask;
      expect(handed.status).toBe('ASSIGNED');
      await poll;
      // The tailer has published the handed task's events (CREATED, ASSIGNED) ...
      const delivered: string[] = [];
      const timeout = setTimeout(() => void events.return(), 10_000);
      while (delivered.length < 2) delivered.push((await events.next()).value?.type ?? 'none: timed out');
      clearTimeout(timeout);
      expect(delivered).toEqual(['CREATED', 'ASSIGNED']);
      // ... and rang no wake-up for it: the first one on the queue is the next task's.
      const later = (await l.ok(EnqueueTaskDocument, { queueId, input: { name: 'for anyone' } })).enqueueTask;
      expect(later.status).toBe('PENDING');
      expect((await rings.next()).value).toBe(later.id);
    } finally {
      await rings.return();
      await events.return();
    }
  });
});
