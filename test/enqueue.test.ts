import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkQueueDocument, EnqueueTaskDocument, EnqueueTasksDocument, TaskDocument } from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let queueId: string;
beforeAll(async () => {
  s = await startTestServer();
  queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'bug-triage', teamId: 'engineering' } })).createWorkQueue.id;
});
afterAll(() => s.stop());

const taskCount = () => s.db.task.count({ where: { queueId } });

describe('enqueueTask', () => {
  it('creates a pending task with defaults and a CREATED event', async () => {
    const { enqueueTask: t } = await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'Investigate login timeout' } });
    expect(t).toMatchObject({ status: 'PENDING', priority: 3, payload: {}, attempts: 0, maxAttempts: 3, queueId });
    expect(t.id).toMatch(/^wt_[0-9a-z]{16}$/);
    const { task } = await s.ok(TaskDocument, { id: t.id });
    expect(task.events.map((e) => e.type)).toEqual(['CREATED']);
  });

  it("accepts the seed's request, whose deadline is already past, and creates it EXPIRED", async () => {
    const { enqueueTask: t } = await s.ok(EnqueueTaskDocument, {
      queueId,
      input: { name: 'Investigate login timeout on mobile', priority: 4, payload: { ticketId: 'T-4821' }, deadline: '2026-03-08T17:00:00.000Z' },
    });
    expect(t).toMatchObject({ status: 'EXPIRED', priority: 4, payload: { ticketId: 'T-4821' }, deadline: '2026-03-08T17:00:00.000Z' });
    const { task } = await s.ok(TaskDocument, { id: t.id });
    expect(task.events.map((e) => e.type)).toEqual(['CREATED', 'EXPIRED']);
  });

  it.each([
    ['priority 0', { name: 'x', priority: 0 }, 'input.priority'],
    ['priority 6', { name: 'x', priority: 6 }, 'input.priority'],
    ['an empty name', { name: '   ' }, 'input.name'],
    ['an oversized payload', { name: 'x', payload: { blob: 'x'.repeat(70_000) } }, 'input.payload'],
    ['a NUL character in the name', { name: 'a\u0000b' }, 'input.name'],
    ['a NUL character in the payload', { name: 'x', payload: { note: 'a\u0000b' } }, 'input.payload'],
  ])('rejects %s with BAD_USER_INPUT naming the field, writing nothing', async (_label, input, field) => {
    const before = await taskCount();
    const res = await s.gql(EnqueueTaskDocument, { queueId, input });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe(field);
    expect(res.errors![0]!.message).toContain(field);
    expect(await taskCount()).toBe(before);
  });

  it('rejects a missing name and a bad deadline as invalid variables, writing nothing', async () => {
    const before = await taskCount();
    const missing = await s.gql(EnqueueTaskDocument, { queueId, input: { priority: 3 } as never });
    expect(missing.errors![0]!.message).toMatch(/name/);
    expect(errorCode(missing)).toBe('BAD_USER_INPUT');
    const badDate = await s.gql(EnqueueTaskDocument, { queueId, input: { name: 'x', deadline: 'next tuesday' } });
    expect(badDate.errors![0]!.message).toMatch(/deadline/);
    expect(errorCode(badDate)).toBe('BAD_USER_INPUT');
    const badPayload = await s.gql(EnqueueTaskDocument, { queueId, input: { name: 'x', payload: [1, 2] as never } });
    expect(errorCode(badPayload)).toBe('BAD_USER_INPUT');
    expect(await taskCount()).toBe(before);
  });

  it('returns the first task for a repeated idempotency key instead of a duplicate', async () => {
    const first = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'once', idempotencyKey: 'key-1' } })).enqueueTask;
    const again = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'once, again', idempotencyKey: 'key-1' } })).enqueueTask;
    expect(again.id).toBe(first.id);
    expect(again.name).toBe('once');
    expect(await s.db.task.count({ where: { queueId, idempotencyKey: 'key-1' } })).toBe(1);
    // The same key in another queue is another task.
    const other = (await s.ok(CreateWorkQueueDocument, { input: { name: 'other' } })).createWorkQueue.id;
    const elsewhere = (await s.ok(EnqueueTaskDocument, { queueId: other, input: { name: 'once', idempotencyKey: 'key-1' } })).enqueueTask;
    expect(elsewhere.id).not.toBe(first.id);
  });

  it('deduplicates concurrent enqueues with the same key', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => s.ok(EnqueueTaskDocument, { queueId, input: { name: 'race', idempotencyKey: 'race-key' } })),
    );
    expect(new Set(results.map((r) => r.enqueueTask.id)).size).toBe(1);
    expect(await s.db.task.count({ where: { queueId, idempotencyKey: 'race-key' } })).toBe(1);
  });

  it('answers NOT_FOUND for a missing queue', async () => {
    const res = await s.gql(EnqueueTaskDocument, { queueId: 'wq_doesnotexist0000', input: { name: 'x' } });
    expect(errorCode(res)).toBe('NOT_FOUND');
  });
});

describe('enqueueTasks', () => {
  it('adds a batch in order, repeating keys resolved to the first', async () => {
    const { enqueueTasks } = await s.ok(EnqueueTasksDocument, {
      queueId,
      tasks: [{ name: 'b1', idempotencyKey: 'batch-k' }, { name: 'b2' }, { name: 'b3', idempotencyKey: 'batch-k' }],
    });
    expect(enqueueTasks.map((t) => t.name)).toEqual(['b1', 'b2', 'b1']);
    expect(enqueueTasks[0]!.id).toBe(enqueueTasks[2]!.id);
  });

  it('writes nothing when one task of the batch is invalid, and names it', async () => {
    const before = await taskCount();
    const res = await s.gql(EnqueueTasksDocument, { queueId, tasks: [{ name: 'ok' }, { name: 'bad', priority: 9 }] });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe('tasks[1].priority');
    expect(await taskCount()).toBe(before);
  });

  it('rejects an empty batch and one over 500', async () => {
    expect(errorCode(await s.gql(EnqueueTasksDocument, { queueId, tasks: [] }))).toBe('BAD_USER_INPUT');
    const big = Array.from({ length: 501 }, (_, i) => ({ name: `t${i}` }));
    expect(errorCode(await s.gql(EnqueueTasksDocument, { queueId, tasks: big }))).toBe('BAD_USER_INPUT');
  });
});
