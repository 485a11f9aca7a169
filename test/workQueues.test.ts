import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWorkQueueDocument,
  DeleteWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  NodeDocument,
  TaskDocument,
  WorkQueueDocument,
  WorkQueuesDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe('createWorkQueue', () => {
  it('creates a queue with defaults', async () => {
    const { createWorkQueue: q } = await s.ok(CreateWorkQueueDocument, { input: { name: 'bug-triage', teamId: 'engineering' } }, 'creator');
    expect(q).toMatchObject({ name: 'bug-triage', teamId: 'engineering', visibilityTimeoutSeconds: 300, maxAttempts: 3 });
    expect(q.id).toMatch(/^wq_[0-9a-z]{16}$/);
  });

  it.each([
    [{ name: '' }, 'input.name'],
    [{ name: 'x', visibilityTimeoutSeconds: 0 }, 'input.visibilityTimeoutSeconds'],
    [{ name: 'x', maxAttempts: 0 }, 'input.maxAttempts'],
    [{ name: 'x'.repeat(201) }, 'input.name'],
  ])('rejects %j naming %s, creating nothing', async (input, field) => {
    const res = await s.gql(CreateWorkQueueDocument, { input }, 'rejected-owner');
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe(field);
    expect(await s.db.workQueue.count({ where: { ownerId: 'rejected-owner' } })).toBe(0);
  });
});

describe('workQueue', () => {
  it('counts tasks per status and pages through tasks filtered by status', async () => {
    const owner = 'counter';
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'counts' } }, owner)).createWorkQueue.id;
    await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 25 }, (_, i) => ({ name: `t${i}` })) }, owner);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'late', deadline: '2020-01-01T00:00:00Z' } }, owner);
    for (let i = 0; i < 3; i++) await s.ok(DequeueTaskDocument, { queueId, agentId: 'a' }, owner);

    const { workQueue } = await s.ok(WorkQueueDocument, { id: queueId, first: 10 }, owner);
    expect(workQueue.counts).toEqual({ pending: 22, delayed: 0, assigned: 3, inputRequired: 0, completed: 0, failed: 0, cancelled: 0, expired: 1, total: 26 });
    expect(workQueue.depth).toBe(22);
    expect(workQueue.tasks.totalCount).toBe(26);

    const names: string[] = [];
    let after: string | null | undefined;
    for (let page = 0; page < 5; page++) {
      const q = (await s.ok(WorkQueueDocument, { id: queueId, status: 'PENDING', first: 10, after }, owner)).workQueue;
      names.push(...q.tasks.edges.map((e) => e.node.name));
      expect(q.tasks.edges.every((e) => e.node.status === 'PENDING')).toBe(true);
      if (!q.tasks.pageInfo.hasNextPage) break;
      after = q.tasks.pageInfo.endCursor;
    }
    expect(names).toEqual(Array.from({ length: 22 }, (_, i) => `t${i + 3}`));
  });

  it('rejects a malformed cursor as bad input', async () => {
    const res = await s.gql(WorkQueuesDocument, { after: 'garbage' });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('pages at most 100 tasks, refusing a larger page as bad input', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'big' } })).createWorkQueue.id;
    await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 105 }, (_, i) => ({ name: `t${i}` })) });
    const { tasks } = (await s.ok(WorkQueueDocument, { id: queueId, first: 100 })).workQueue;
    expect(tasks.edges).toHaveLength(100);
    expect(tasks.pageInfo.hasNextPage).toBe(true);
    const tooMany = await s.gql(WorkQueueDocument, { id: queueId, first: 500 });
    expect(tooMany.errors?.[0]).toMatchObject({ message: 'first: must be between 0 and 100', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });
});

describe('workQueues', () => {
  it("lists only the caller's queues, newest first, with cursor pagination", async () => {
    const owner = 'lister';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await s.ok(CreateWorkQueueDocument, { input: { name: `q${i}`, teamId: i % 2 ? 'odd' : null } }, owner)).createWorkQueue.id);
    const first = (await s.ok(WorkQueuesDocument, { first: 3 }, owner)).workQueues;
    expect(first.totalCount).toBe(5);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await s.ok(WorkQueuesDocument, { first: 3, after: first.pageInfo.endCursor }, owner)).workQueues;
    expect([...first.edges, ...second.edges].map((e) => e.node.id)).toEqual([...ids].reverse());
    const odd = (await s.ok(WorkQueuesDocument, { teamId: 'odd' }, owner)).workQueues;
    expect(odd.edges.map((e) => e.node.name).sort()).toEqual(['q1', 'q3']);
    expect(odd.totalCount).toBe(2);
  });
});

describe('deleteWorkQueue', () => {
  it('cancels pending tasks, removes the queue and answers NOT_FOUND afterwards', async () => {
    const owner = 'deleter';
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'doomed' } }, owner)).createWorkQueue.id;
    const pending = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'waiting' } }, owner)).enqueueTask;
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'taken', priority: 5 } }, owner);
    const taken = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'a' }, owner)).dequeueTask!;

    const { deleteWorkQueue } = await s.ok(DeleteWorkQueueDocument, { id: queueId }, owner);
    expect(deleteWorkQueue).toEqual({ id: queueId, cancelledTasks: 1 });

    const cancelled = (await s.ok(TaskDocument, { id: pending.id }, owner)).task;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', error: 'queue deleted' });
    expect(cancelled.events.map((e) => e.type)).toEqual(['CREATED', 'CANCELLED']);
    expect((await s.ok(TaskDocument, { id: taken.id }, owner)).task.status).toBe('ASSIGNED');

    expect(errorCode(await s.gql(WorkQueueDocument, { id: queueId }, owner))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(EnqueueTaskDocument, { queueId, input: { name: 'x' } }, owner))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(DequeueTaskDocument, { queueId, agentId: 'a' }, owner))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(DeleteWorkQueueDocument, { id: queueId }, owner))).toBe('NOT_FOUND');
    expect((await s.ok(WorkQueuesDocument, {}, owner)).workQueues.edges).toEqual([]);
    expect(errorCode(await s.gql(NodeDocument, { id: queueId }, owner))).toBe('NOT_FOUND');
  });
});

describe('node', () => {
  it('resolves prefixed ids to their type', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'n' } })).createWorkQueue.id;
    const taskId = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 't' } })).enqueueTask.id;
    expect((await s.ok(NodeDocument, { id: queueId })).node).toEqual({ __typename: 'WorkQueue', id: queueId });
    expect((await s.ok(NodeDocument, { id: taskId })).node).toEqual({ __typename: 'Task', id: taskId });
  });

  it('answers NOT_FOUND for unknown ids and unknown prefixes', async () => {
    expect(errorCode(await s.gql(NodeDocument, { id: 'wq_missing000000000' }))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(NodeDocument, { id: 'wt_missing000000000' }))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(NodeDocument, { id: 'zz_what' }))).toBe('NOT_FOUND');
  });
});
