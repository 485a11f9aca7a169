import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../src/queues/sweeper.js';
import {
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  HeartbeatTaskDocument,
  TaskDocument,
} from './generated/graphql.js';
import { eventually, waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  // The sweeper timer runs every 100 ms in this file's server.
  s = await startTestServer({ sweepIntervalMs: 100, listen: true });
});
afterAll(() => s.stop());

async function queue(input: { visibilityTimeoutSeconds?: number; maxAttempts?: number } = {}) {
  return (await s.ok(CreateWorkQueueDocument, { input: { name: 'sweep', ...input } })).createWorkQueue.id;
}
const status = async (id: string) => (await s.db.task.findUniqueOrThrow({ where: { id } })).status;

describe('lease expiry', () => {
  it("requeues a task whose agent stopped heartbeating (the server's own timer)", async () => {
    const queueId = await queue({ visibilityTimeoutSeconds: 1 });
    const t = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'crashy' } })).enqueueTask;
    const first = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'crashed-agent' })).dequeueTask!;
    expect(first.id).toBe(t.id);
    await waitFor(async () => (await status(t.id)) === 'PENDING', { what: 'the lease to be swept' });
    const task = (await s.ok(TaskDocument, { id: t.id })).task;
    expect(task).toMatchObject({ status: 'PENDING', attempts: 1, assignedAgentId: null, leaseToken: null, error: 'lease expired' });
    expect(task.events.map((e) => [e.type, e.agentId])).toEqual([
      ['CREATED', null],
      ['ASSIGNED', 'crashed-agent'],
      ['REQUEUED', 'crashed-agent'],
    ]);
    const second = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'healthy-agent' })).dequeueTask!;
    expect(second).toMatchObject({ id: t.id, attempts: 2, assignedAgentId: 'healthy-agent' });
  });

  it('fails the task with a lease-expired error once maxAttempts are used', async () => {
    const queueId = await queue({ maxAttempts: 2 });
    const t = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'doomed' } })).enqueueTask;
    for (const agent of ['a1', 'a2']) {
      await s.ok(DequeueTaskDocument, { queueId, agentId: agent });
      await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${t.id}`;
      await sweepOnce(s.handle);
    }
    const task = (await s.ok(TaskDocument, { id: t.id })).task;
    expect(task).toMatchObject({ status: 'FAILED', attempts: 2, assignedAgentId: 'a2' });
    expect(task.error).toMatch(/lease expired after 2 attempt/);
    expect(task.events.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNED', 'REQUEUED', 'ASSIGNED', 'FAILED']);
    expect((await s.ok(DequeueTaskDocument, { queueId, agentId: 'a3' })).dequeueTask).toBeNull();
  });

  it('leaves a task alone while its agent heartbeats', async () => {
    const queueId = await queue({ visibilityTimeoutSeconds: 1 });
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'long job' } });
    const t = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'steady' })).dequeueTask!;
    // A control task with the same lease, taken after it, whose agent stays silent: once the
    // sweeper has requeued it, the steady task's first lease would have been swept as well.
    const controlQueue = await queue({ visibilityTimeoutSeconds: 1 });
    const control = (await s.ok(EnqueueTaskDocument, { queueId: controlQueue, input: { name: 'abandoned' } })).enqueueTask;
    await s.ok(DequeueTaskDocument, { queueId: controlQueue, agentId: 'silent' });
    let heartbeats = 0;
    await waitFor(
      async () => {
        await s.ok(HeartbeatTaskDocument, { id: t.id, leaseToken: t.leaseToken });
        heartbeats++;
        return (await status(control.id)) === 'PENDING';
      },
      { what: 'the control task to be swept', intervalMs: 200 },
    );
    expect(heartbeats).toBeGreaterThan(1);
    expect(await status(t.id)).toBe('ASSIGNED');
  });
});

describe('deadlines', () => {
  it('expires pending and assigned tasks once their deadline passes', async () => {
    const queueId = await queue();
    const soon = new Date(Date.now() + 800).toISOString();
    const pending = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'pending', deadline: soon } })).enqueueTask;
    const held = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'held', priority: 5, deadline: soon } })).enqueueTask;
    const later = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'later', deadline: new Date(Date.now() + 3_600_000).toISOString() } })).enqueueTask;
    expect((await s.ok(DequeueTaskDocument, { queueId, agentId: 'w' })).dequeueTask!.id).toBe(held.id);
    await eventually(async () => expect([await status(pending.id), await status(held.id)]).toEqual(['EXPIRED', 'EXPIRED']), { what: 'both deadlines to be swept' });
    expect(await status(later.id)).toBe('PENDING');
    const h = (await s.ok(TaskDocument, { id: held.id })).task;
    expect(h).toMatchObject({ error: 'deadline passed', leaseToken: null });
    expect(h.events.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNED', 'EXPIRED']);
  });

  it('sweeps a backlog larger than one batch in one pass', async () => {
    // A server of its own without the timer, so this pass is the only sweeper.
    const quiet = await startTestServer();
    try {
      const queueId = (await quiet.ok(CreateWorkQueueDocument, { input: { name: 'backlog' } })).createWorkQueue.id;
      await quiet.db.$executeRaw`
        INSERT INTO tasks (id, queue_id, name, deadline)
        SELECT 'wt_bulk' || g, ${queueId}, 'bulk', now() - interval '1 minute' FROM generate_series(1, 1200) g`;
      expect((await sweepOnce(quiet.handle)).expired).toBe(1200);
      expect(await quiet.db.task.count({ where: { queueId, status: 'PENDING' } })).toBe(0);
      expect(await quiet.db.taskEvent.count({ where: { queueId, type: 'EXPIRED' } })).toBe(1200);
    } finally {
      await quiet.stop();
    }
  });
});
