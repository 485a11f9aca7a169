import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CompleteTasksDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTasksDocument,
  EnqueueTasksDocument,
  FailTasksDocument,
  HeartbeatTaskDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

// Batch claim and complete: up to 100 tasks per claim, up to 500 items per complete/fail, each
// item fenced like the single call and answering for itself.
let s: TestServer;
let queueId: string;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
beforeEach(async () => {
  queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'batch', maxAttempts: 2 } })).createWorkQueue.id;
});
afterAll(() => s.stop());

const fill = (n: number) =>
  s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: n }, (_, i) => ({ name: `t${i}`, priority: (i % 5) + 1 })) });
const claim = async (limit: number, agentId = 'worker') => (await s.ok(DequeueTasksDocument, { queueId, agentId, limit })).dequeueTasks;
const statuses = async () =>
  Object.fromEntries(
    (await s.db.task.groupBy({ by: ['status'], where: { queueId }, _count: { _all: true } })).map((g) => [g.status, g._count._all]),
  );

describe('dequeueTasks', () => {
  it('claims up to the limit, highest priority first, each under its own lease', async () => {
    await fill(30);
    const tasks = await claim(12);
    expect(tasks).toHaveLength(12);
    expect(tasks.map((t) => t.priority)).toEqual([...tasks.map((t) => t.priority)].sort((a, b) => b - a));
    expect(tasks[0]!.priority).toBe(5);
    expect(new Set(tasks.map((t) => t.leaseToken)).size).toBe(12);
    expect(tasks.every((t) => t.status === 'ASSIGNED' && t.assignedAgentId === 'worker' && t.attempts === 1)).toBe(true);
    expect(await claim(100)).toHaveLength(18);
    expect(await claim(5)).toEqual([]);
  });

  it('never hands one task to two concurrent batch claimers', async () => {
    await fill(300);
    const batches = await Promise.all(Array.from({ length: 10 }, (_, i) => claim(40, `w${i}`)));
    const ids = batches.flat().map((t) => t.id);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });

  it.each([0, 101, -1])('refuses limit %i naming the field', async (limit) => {
    const res = await s.gql(DequeueTasksDocument, { queueId, agentId: 'w', limit });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/^limit: must be between 1 and 100/);
  });

  it('gives a team member one task at a time', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `batch-team-${Date.now()}`, size: 2 } })).createTeam;
    await s.ok(EnqueueTasksDocument, { queueId: team.queue.id, tasks: [{ name: 'a' }, { name: 'b' }] });
    const first = await s.ok(DequeueTasksDocument, { queueId: team.queue.id, agentId: 'agent-1', limit: 10 });
    expect(first.dequeueTasks).toHaveLength(1);
    expect(errorCode(await s.gql(DequeueTasksDocument, { queueId: team.queue.id, agentId: 'agent-1', limit: 10 }))).toBe('CONFLICT');
  });
});

describe('completeTasks and failTasks', () => {
  it('complete every fenced item; a stale lease on one item does not fail the others', async () => {
    await fill(3);
    const [a, b, c] = await claim(3);
    const { completeTasks } = await s.ok(CompleteTasksDocument, {
      items: [
        { id: a!.id, leaseToken: a!.leaseToken, result: { n: 1 } },
        { id: b!.id, leaseToken: 'not-the-lease', result: { n: 2 } },
        { id: c!.id, leaseToken: c!.leaseToken },
        { id: 'wt_missing00000000', result: {} },
      ],
    });
    expect(completeTasks.map((o) => [o.id, o.ok, o.code])).toEqual([
      [a!.id, true, null],
      [b!.id, false, 'CONFLICT'],
      [c!.id, true, null],
      ['wt_missing00000000', false, 'NOT_FOUND'],
    ]);
    expect(completeTasks[0]!.task).toMatchObject({ status: 'COMPLETED', result: { n: 1 }, leaseToken: null });
    expect(completeTasks[1]!.message).toMatch(/lease token does not match/);
    expect(completeTasks[1]!.task).toBeNull();
    expect(await statuses()).toEqual({ COMPLETED: 2, ASSIGNED: 1 });
    // Completing again: each item says why not.
    const again = await s.ok(CompleteTasksDocument, { items: [{ id: a!.id }] });
    expect(again.completeTasks[0]).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringMatching(/is COMPLETED/) });
  });

  it('fail items, requeueing those that ask for a retry while attempts remain', async () => {
    await fill(2);
    const [a, b] = await claim(2);
    const { failTasks } = await s.ok(FailTasksDocument, {
      items: [
        { id: a!.id, leaseToken: a!.leaseToken, error: 'flaky', retry: true },
        { id: b!.id, leaseToken: b!.leaseToken, error: 'broken' },
      ],
    });
    expect(failTasks.map((o) => [o.ok, o.task?.status, o.task?.error])).toEqual([
      [true, 'PENDING', 'flaky'],
      [true, 'FAILED', 'broken'],
    ]);
    expect(failTasks[0]!.task).toMatchObject({ assignedAgentId: null, leaseToken: null, finishedAt: null });
  });

  it.each([
    ['no items', [], 'items: must contain at least one item'],
    ['501 items', Array.from({ length: 501 }, (_, i) => ({ id: `wt_${i}` })), 'items: must contain at most 500 items'],
    ['a repeated task', [{ id: 'wt_a' }, { id: 'wt_a' }], 'items[1].id: repeats task wt_a'],
    ['a result that is no object', [{ id: 'wt_a' }, { id: 'wt_b', result: [1] }], 'items[1].result'],
  ])('refuse %s, changing nothing', async (_label, items, message) => {
    await fill(1);
    const [a] = await claim(1);
    const res = await s.gql(CompleteTasksDocument, { items: [...items.slice(0, -1), ...items.slice(-1)].map((i) => (i.id === 'wt_a' ? { ...i, id: a!.id } : i)) as never });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message.replace(a!.id, 'wt_a')).toContain(message);
    expect(await statuses()).toEqual({ ASSIGNED: 1 });
  });
});

describe('REST batch routes', () => {
  it('claim with dequeue-batch and finish with complete-batch / fail-batch', async () => {
    await fill(4);
    const claimed = await rest(s, 'POST', `/work-queues/${queueId}/dequeue-batch`, { body: { agentId: 'rest-worker', limit: 3 } });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toHaveLength(3);
    expect(claimed.body[0].status).toBe('assigned');
    const [a, b, c] = claimed.body;
    const done = await rest(s, 'POST', '/work-queue-tasks/complete-batch', {
      body: { items: [{ id: a.id, leaseToken: a.leaseToken, result: { ok: true } }, { id: b.id, leaseToken: 'stale' }] },
    });
    expect(done.status).toBe(200);
    expect(done.body.map((o: { ok: boolean; code: string | null }) => [o.ok, o.code])).toEqual([
      [true, null],
      [false, 'CONFLICT'],
    ]);
    expect(done.body[0].task.status).toBe('completed');
    const failed = await rest(s, 'POST', '/work-queue-tasks/fail-batch', { body: { items: [{ id: c.id, leaseToken: c.leaseToken, error: 'nope' }] } });
    expect(failed.body[0].task).toMatchObject({ status: 'failed', error: 'nope' });
    const bad = await rest(s, 'POST', `/work-queues/${queueId}/dequeue-batch`, { body: { agentId: 'rest-worker', limit: 500 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
    const empty = await rest(s, 'POST', '/work-queue-tasks/complete-batch', { body: { items: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('items');
  });
});

// Task events are written once per statement (a statement-level trigger over the changed rows):
// a batch records exactly one event per task and change, in each task's order, and an update
// that changes neither status nor theft records none.
describe('the event log of batch statements', () => {
  const log = async () =>
    (await s.db.taskEvent.findMany({ where: { queueId }, orderBy: { id: 'asc' }, select: { taskId: true, type: true, agentId: true, detail: true } }));

  it('records one event per task per change, in order, with its details', async () => {
    await fill(25);
    const tasks = await claim(20, 'w1');
    await s.ok(HeartbeatTaskDocument, { id: tasks[0]!.id, leaseToken: tasks[0]!.leaseToken, extendSeconds: 60 });
    const items = tasks.map((t) => ({ id: t.id, leaseToken: t.leaseToken!, result: { n: t.name } }));
    await s.ok(CompleteTasksDocument, { items: items.slice(0, 15) });
    await s.ok(FailTasksDocument, { items: items.slice(15).map(({ id, leaseToken }) => ({ id, leaseToken, error: 'boom', retry: true })) });

    const events = await log();
    const byTask = new Map<string, string[]>();
    for (const e of events) byTask.set(e.taskId, [...(byTask.get(e.taskId) ?? []), e.type]);
    expect(byTask.size).toBe(25);
    for (const [i, t] of tasks.entries()) expect(byTask.get(t.id)).toEqual(['CREATED', 'ASSIGNED', i < 15 ? 'COMPLETED' : 'REQUEUED']);
    expect(events.filter((e) => e.type === 'CREATED')).toHaveLength(25);
    const assigned = events.find((e) => e.type === 'ASSIGNED' && e.taskId === tasks[0]!.id)!;
    expect(assigned).toMatchObject({ agentId: 'w1', detail: { attempt: 1 } });
    const requeued = events.find((e) => e.type === 'REQUEUED')!;
    expect(requeued).toMatchObject({ agentId: 'w1', detail: { attempt: 1, error: 'boom' } });
    // One statement's events are contiguous and follow the tasks' insertion order.
    const completedOrder = events.filter((e) => e.type === 'COMPLETED').map((e) => e.taskId);
    const bySeq = [...completedOrder].sort((a, b) => tasks.findIndex((t) => t.id === a) - tasks.findIndex((t) => t.id === b));
    expect(new Set(completedOrder)).toEqual(new Set(bySeq));
  });

  it('records member state and dispatch progress of a team queue once per change', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `events-${Date.now()}`, size: 2 } })).createTeam;
    const teamQueue = team.queue.id;
    await s.ok(EnqueueTasksDocument, { queueId: teamQueue, tasks: [{ name: 'a' }, { name: 'b' }] });
    const [task] = (await s.ok(DequeueTasksDocument, { queueId: teamQueue, agentId: 'agent-1', limit: 5 })).dequeueTasks;
    await s.ok(CompleteTasksDocument, { items: [{ id: task!.id, leaseToken: task!.leaseToken!, result: {} }] });
    const teamEvents = await s.db.teamEvent.findMany({ where: { teamId: team.id, type: 'MEMBER_STATE' }, orderBy: { id: 'asc' } });
    expect(teamEvents.map((e) => [e.agent, (e.detail as { state: string }).state])).toEqual([
      ['agent-1', 'BUSY'],
      ['agent-1', 'IDLE'],
    ]);
    const taskEvents = await s.db.taskEvent.findMany({ where: { taskId: task!.id }, orderBy: { id: 'asc' } });
    expect(taskEvents.map((e) => [e.type, e.teamId])).toEqual([
      ['CREATED', team.id],
      ['ASSIGNED', team.id],
      ['COMPLETED', team.id],
    ]);
  });
});
