import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  WorkQueueDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

async function newQueue(name = 'q') {
  return (await s.ok(CreateWorkQueueDocument, { input: { name } })).createWorkQueue.id;
}

describe('dequeueTask', () => {
  it('hands out the highest priority first, oldest first within a priority', async () => {
    const queueId = await newQueue();
    const names = ['p3-a', 'p5-a', 'p1', 'p5-b', 'p3-b'];
    const priorities = [3, 5, 1, 5, 3];
    for (let i = 0; i < names.length; i++) {
      await s.ok(EnqueueTaskDocument, { queueId, input: { name: names[i]!, priority: priorities[i] } });
    }
    const order: string[] = [];
    for (;;) {
      const { dequeueTask } = await s.ok(DequeueTaskDocument, { queueId, agentId: 'agent-x' });
      if (!dequeueTask) break;
      order.push(dequeueTask.name);
    }
    expect(order).toEqual(['p5-a', 'p5-b', 'p3-a', 'p3-b', 'p1']);
  });

  it('keeps insertion order inside a batch', async () => {
    const queueId = await newQueue();
    const tasks = Array.from({ length: 20 }, (_, i) => ({ name: `t${i}` }));
    await s.ok(EnqueueTasksDocument, { queueId, tasks });
    const got: string[] = [];
    for (let i = 0; i < 20; i++) got.push((await s.ok(DequeueTaskDocument, { queueId, agentId: 'a' })).dequeueTask!.name);
    expect(got).toEqual(tasks.map((t) => t.name));
  });

  it('assigns the task to the agent under a lease and counts the attempt', async () => {
    const queueId = await newQueue();
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'work', payload: { ticketId: 'T-1' } } });
    const task = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'triage-agent' })).dequeueTask!;
    expect(task).toMatchObject({ status: 'ASSIGNED', assignedAgentId: 'triage-agent', attempts: 1, payload: { ticketId: 'T-1' } });
    expect(task.leaseToken).toMatch(/[0-9a-f-]{36}/);
    const leaseMs = Date.parse(task.leaseExpiresAt!) - Date.parse(task.assignedAt!);
    expect(leaseMs).toBeGreaterThanOrEqual(299_000);
    expect(leaseMs).toBeLessThanOrEqual(301_000);
  });

  it('returns null when nothing is pending', async () => {
    const queueId = await newQueue();
    const res = await s.gql(DequeueTaskDocument, { queueId, agentId: 'a' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.dequeueTask).toBeNull();
  });

  it('never hands out a task whose deadline passed, even before the sweeper ran', async () => {
    const queueId = await newQueue();
    const past = await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'late', deadline: '2026-03-08T17:00:00.000Z' } });
    expect(past.enqueueTask.status).toBe('EXPIRED');
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'soon', priority: 5, deadline: new Date(Date.now() + 60_000).toISOString() } });
    // Move the deadline into the past behind the server's back: no sweep has run.
    await s.db.$executeRaw`UPDATE tasks SET deadline = now() - interval '1 second' WHERE queue_id = ${queueId} AND name = 'soon'`;
    expect((await s.ok(DequeueTaskDocument, { queueId, agentId: 'a' })).dequeueTask).toBeNull();
  });

  it('assigns each of 1,200 tasks exactly once to 50 concurrent agents', async () => {
    const queueId = await newQueue('drain');
    const total = 1200;
    for (let i = 0; i < total; i += 400) {
      await s.ok(EnqueueTasksDocument, {
        queueId,
        tasks: Array.from({ length: 400 }, (_, j) => ({ name: `job-${i + j}`, priority: ((i + j) % 5) + 1 })),
      });
    }
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    const agents = Array.from({ length: 50 }, (_, n) => `agent-${n}`);
    await Promise.all(
      agents.map(async (agentId) => {
        for (;;) {
          const { dequeueTask } = await s.ok(DequeueTaskDocument, { queueId, agentId });
          if (!dequeueTask) return;
          if (seen.has(dequeueTask.id)) duplicates.push(dequeueTask.id);
          seen.set(dequeueTask.id, agentId);
          expect(dequeueTask.assignedAgentId).toBe(agentId);
          await s.ok(CompleteTaskDocument, { id: dequeueTask.id, leaseToken: dequeueTask.leaseToken, result: { by: agentId } });
        }
      }),
    );
    expect(duplicates).toEqual([]);
    expect(seen.size).toBe(total);
    // The database agrees: every task completed once, by the agent that dequeued it.
    const q = (await s.ok(WorkQueueDocument, { id: queueId })).workQueue;
    expect(q.counts).toMatchObject({ completed: total, pending: 0, assigned: 0 });
    const assignedEvents = await s.db.taskEvent.groupBy({ by: ['taskId'], where: { queueId, type: 'ASSIGNED' }, _count: { _all: true } });
    expect(assignedEvents).toHaveLength(total);
    expect(assignedEvents.every((e) => e._count._all === 1)).toBe(true);
    const mismatched = await s.db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM tasks WHERE queue_id = ${queueId} AND result->>'by' IS DISTINCT FROM assigned_agent_id`;
    expect(Number(mismatched[0]!.n)).toBe(0);
  });
});
