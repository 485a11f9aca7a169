import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../src/generated/prisma/client.js';
import {
  CancelTaskDocument,
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  FailTaskDocument,
  HeartbeatTaskDocument,
  StopTeamDocument,
  TaskDocument,
  TaskEventsDocument,
  TeamDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { nextMatching } from './helpers/bus.js';
import { collect, wsClient } from './helpers/ws.js';

// Cancel and the kill switch: a task that has not finished can be cancelled with a reason; its
// holder hears of it at once and can no longer complete, fail or heartbeat it.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: 'cancel' } })).createWorkQueue.id;
const enqueue = async (queueId: string, name = 'job') => (await s.ok(EnqueueTaskDocument, { queueId, input: { name } })).enqueueTask;
const dequeue = async (queueId: string, agentId = 'agent') => (await s.ok(DequeueTaskDocument, { queueId, agentId })).dequeueTask;
const cancel = (id: string, reason?: string, owner?: string) => s.gql(CancelTaskDocument, { id, reason }, owner);

describe('cancelTask', () => {
  it('cancels a pending task with its reason; it is never handed out', async () => {
    const queueId = await newQueue();
    const task = await enqueue(queueId);
    const res = await cancel(task.id, 'not needed any more');
    expect(res.data!.cancelTask).toMatchObject({ id: task.id, status: 'CANCELLED', error: 'not needed any more', leaseToken: null });
    expect(res.data!.cancelTask.finishedAt).not.toBeNull();
    expect(await dequeue(queueId)).toBeNull();
    const events = (await s.ok(TaskDocument, { id: task.id })).task.events;
    expect(events.map((e) => [e.type, e.detail])).toEqual([
      ['CREATED', { priority: 3 }],
      ['CANCELLED', { attempt: 0, error: 'not needed any more' }],
    ]);
  });

  it('tells the holder at once (task event) and fences its complete, fail and heartbeat', async () => {
    const queueId = await newQueue();
    await enqueue(queueId);
    const held = (await dequeue(queueId, 'worker-1'))!;
    const events = s.app.bus.subscribe('queueTasks', queueId);
    try {
      await s.ok(CancelTaskDocument, { id: held.id, reason: 'owner changed plans' });
      const told = await nextMatching(events, (e: TaskEvent) => e.taskId === held.id && e.type === 'CANCELLED');
      expect(told).toMatchObject({ type: 'CANCELLED', agentId: 'worker-1', detail: { error: 'owner changed plans' } });
    } finally {
      await events.return();
    }
    for (const res of [
      await s.gql(CompleteTaskDocument, { id: held.id, leaseToken: held.leaseToken, result: {} }),
      await s.gql(FailTaskDocument, { id: held.id, leaseToken: held.leaseToken, error: 'x' }),
      await s.gql(HeartbeatTaskDocument, { id: held.id, leaseToken: held.leaseToken }),
    ]) {
      expect(errorCode(res)).toBe('CONFLICT');
      expect(res.errors![0]!.message).toMatch(/was cancelled \(owner changed plans\)/);
    }
    expect((await s.ok(TaskDocument, { id: held.id })).task).toMatchObject({ status: 'CANCELLED', result: null });
  });

  it('delivers the CANCELLED event to a websocket subscriber', async () => {
    const queueId = await newQueue();
    await enqueue(queueId);
    const held = (await dequeue(queueId, 'ws-agent'))!;
    const ws = wsClient(s.baseUrl!, { authorization: `Bearer ${await s.tokenFor('alice')}` });
    try {
      const sub = collect(ws.client, TaskEventsDocument, { queueId, after: '0' });
      await sub.waitFor(2); // CREATED, ASSIGNED replayed: the subscription is live
      await s.ok(CancelTaskDocument, { id: held.id });
      const items = await sub.waitFor(3);
      expect(items[2]!.taskEvents).toMatchObject({ type: 'CANCELLED', taskId: held.id, agentId: 'ws-agent' });
      sub.stop();
    } finally {
      await ws.client.dispose();
    }
  });

  it('answers CONFLICT for a finished task and changes nothing; NOT_FOUND for a missing or foreign one', async () => {
    const queueId = await newQueue();
    await enqueue(queueId);
    const held = (await dequeue(queueId))!;
    await s.ok(CompleteTaskDocument, { id: held.id, leaseToken: held.leaseToken, result: { ok: 1 } });
    const res = await cancel(held.id);
    expect(errorCode(res)).toBe('CONFLICT');
    expect(res.errors![0]!.message).toMatch(/is COMPLETED/);
    expect((await s.ok(TaskDocument, { id: held.id })).task).toMatchObject({ status: 'COMPLETED', result: { ok: 1 }, error: null });
    expect(errorCode(await cancel('wt_missing'))).toBe('NOT_FOUND');
    const other = await enqueue(queueId);
    expect(errorCode(await cancel(other.id, undefined, 'mallory'))).toBe('NOT_FOUND');
    expect(errorCode(await cancel(other.id, ''))).toBe('BAD_USER_INPUT');
    expect((await s.ok(TaskDocument, { id: other.id })).task.status).toBe('PENDING');
  });

  it('cancel vs complete: exactly one wins for every task, and the state says which', async () => {
    const queueId = await newQueue();
    await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 40 }, (_, i) => ({ name: `race-${i}` })) });
    const held = [];
    for (let i = 0; i < 40; i++) held.push((await dequeue(queueId, `a${i}`))!);
    const outcomes = await Promise.all(
      held.map(async (t) => {
        const [completed, cancelled] = await Promise.all([
          s.gql(CompleteTaskDocument, { id: t.id, leaseToken: t.leaseToken, result: { by: 'agent' } }),
          cancel(t.id, 'race'),
        ]);
        return { t, completed, cancelled };
      }),
    );
    for (const { t, completed, cancelled } of outcomes) {
      expect([completed.errors ? 'lost' : 'won', cancelled.errors ? 'lost' : 'won'].sort()).toEqual(['lost', 'won']);
      const loser = completed.errors ? completed : cancelled;
      expect(errorCode(loser)).toBe('CONFLICT');
      const final = (await s.ok(TaskDocument, { id: t.id })).task;
      expect(final.status).toBe(completed.errors ? 'CANCELLED' : 'COMPLETED');
      expect(final.events.filter((e) => e.type === 'COMPLETED' || e.type === 'CANCELLED')).toHaveLength(1);
    }
  });

  it('cancel vs dequeue: a cancelled task is never completed, whoever got there first', async () => {
    const queueId = await newQueue();
    const tasks = (await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 60 }, (_, i) => ({ name: `c${i}` })) })).enqueueTasks;
    const claimed: { id: string; leaseToken: string | null }[] = [];
    const agents = Array.from({ length: 6 }, async (_, a) => {
      for (;;) {
        const t = await dequeue(queueId, `d${a}`);
        if (!t) return;
        claimed.push(t);
      }
    });
    const cancels = tasks.map((t) => cancel(t.id, 'called off'));
    const answers = await Promise.all(cancels);
    await Promise.all(agents);
    // Every task was cancellable (pending or held) when its cancel ran.
    expect(answers.every((a) => a.data?.cancelTask.status === 'CANCELLED')).toBe(true);
    for (const t of claimed) {
      expect(errorCode(await s.gql(CompleteTaskDocument, { id: t.id, leaseToken: t.leaseToken, result: {} }))).toBe('CONFLICT');
    }
    const statuses = await s.db.task.groupBy({ by: ['status'], where: { queueId }, _count: true });
    expect(statuses).toEqual([{ status: 'CANCELLED', _count: 60 }]);
  });

  it('REST: POST /api/v1/tasks/{id}/cancel and /work-queue-tasks/{id}/cancel', async () => {
    const queueId = await newQueue();
    const a = await enqueue(queueId);
    const b = await enqueue(queueId);
    const first = await rest(s, 'POST', `/api/v1/tasks/${a.id}/cancel`, { body: { reason: 'stop' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, data: { id: a.id, status: 'cancelled', error: 'stop' } });
    const again = await rest(s, 'POST', `/api/v1/tasks/${a.id}/cancel`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect((await rest(s, 'POST', '/api/v1/tasks/wt_nope/cancel')).status).toBe(404);
    expect((await rest(s, 'POST', `/api/v1/tasks/${b.id}/cancel`, { body: { reason: 5 } })).status).toBe(400);
    const seed = await rest(s, 'POST', `/work-queue-tasks/${b.id}/cancel`, { body: {} });
    expect(seed.status).toBe(200);
    expect(seed.body).toMatchObject({ id: b.id, status: 'cancelled', error: 'cancelled by its owner' });
  });
});

describe('stopTeam kill switch', () => {
  const newTeam = async (name: string) => (await s.ok(CreateTeamDocument, { input: { name, size: 2 } })).createTeam;

  it('without cancelRunning lets running work finish; with it, cancels running work and tells the holder', async () => {
    const team = await newTeam('kill-switch');
    const queueId = team.queue.id;
    await enqueue(queueId, 'long job');
    await enqueue(queueId, 'queued job');
    const held = (await dequeue(queueId, 'agent-1'))!;
    const events = s.app.bus.subscribe('teamTasks', team.id);
    try {
      const soft = (await s.ok(StopTeamDocument, { id: team.id })).stopTeam;
      expect(soft.status).toBe('STOPPED');
      expect((await s.ok(TaskDocument, { id: held.id })).task.status).toBe('ASSIGNED');
      expect(await nextMatching(events, (e: TaskEvent) => e.type === 'CANCELLED')).toMatchObject({ agentId: null, detail: { error: 'team stopped' } });

      await s.ok(StopTeamDocument, { id: team.id, cancelRunning: true });
      const told = await nextMatching(events, (e: TaskEvent) => e.taskId === held.id && e.type === 'CANCELLED');
      expect(told).toMatchObject({ type: 'CANCELLED', agentId: 'agent-1' });
    } finally {
      await events.return();
    }
    expect(errorCode(await s.gql(CompleteTaskDocument, { id: held.id, leaseToken: held.leaseToken, result: {} }))).toBe('CONFLICT');
    const members = (await s.ok(TeamDocument, { id: team.id })).team.members;
    expect(members.map((m) => [m.name, m.state, m.currentTask])).toEqual([
      ['agent-1', 'STOPPED', null],
      ['agent-2', 'STOPPED', null],
    ]);
  });

  it('REST: DELETE /api/v1/teams/{id}?cancel_running=true', async () => {
    const team = await newTeam('kill-switch-rest');
    await enqueue(team.queue.id);
    const held = (await dequeue(team.queue.id, 'agent-2'))!;
    expect((await rest(s, 'DELETE', `/api/v1/teams/${team.id}?cancel_running=maybe`)).status).toBe(400);
    const res = await rest(s, 'DELETE', `/api/v1/teams/${team.id}?cancel_running=true`);
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('stopped');
    expect((await s.ok(TaskDocument, { id: held.id })).task).toMatchObject({ status: 'CANCELLED', error: 'team stopped; running work cancelled' });
  });
});
