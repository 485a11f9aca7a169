import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompleteTaskDocument, CreateWorkQueueDocument, DequeueTaskDocument, EnqueueTaskDocument, FailTaskDocument } from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The task lifecycle is defined once, in the database: statements say the new status, the
// trigger sets and clears what it implies, and CHECK constraints refuse impossible rows.
let s: TestServer;
let client: pg.Client;
let queueId: string;
beforeAll(async () => {
  s = await startTestServer();
  client = new pg.Client({ connectionString: s.url });
  await client.connect();
  queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'lifecycle', maxAttempts: 3 } })).createWorkQueue.id;
});
afterAll(async () => {
  await client.end();
  await s.stop();
});

const enqueue = async (name: string, deadline?: string) => (await s.ok(EnqueueTaskDocument, { queueId, input: { name, deadline } })).enqueueTask;
const dequeue = async () => (await s.ok(DequeueTaskDocument, { queueId, agentId: 'a1' })).dequeueTask!;

describe('task lifecycle', () => {
  it('creates a past-deadline task EXPIRED with a finish time not before its creation', async () => {
    const task = await enqueue('late', '2020-01-01T00:00:00.000Z');
    expect(task.status).toBe('EXPIRED');
    expect(new Date(task.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(task.createdAt).getTime());
  });

  it('clears the old error when a retried task is taken again and completed', async () => {
    await enqueue('flaky');
    const first = await dequeue();
    const failed = (await s.ok(FailTaskDocument, { id: first.id, error: 'timeout', retry: true, leaseToken: first.leaseToken })).failTask;
    expect(failed).toMatchObject({ status: 'PENDING', error: 'timeout', assignedAgentId: null, assignedAt: null });
    const again = await dequeue();
    expect(again).toMatchObject({ id: first.id, status: 'ASSIGNED', error: null, attempts: 2 });
    const done = (await s.ok(CompleteTaskDocument, { id: again.id, result: {}, leaseToken: again.leaseToken })).completeTask;
    expect(done).toMatchObject({ status: 'COMPLETED', error: null, failedAt: null });
    expect(done.completedAt).toBe(done.finishedAt);
  });

  it.each([
    ['an ASSIGNED task without a lease', `UPDATE tasks SET status = 'ASSIGNED', assigned_agent_id = 'x' WHERE id = $1`, 'tasks_lease_iff_assigned'],
    ['a PENDING task with an agent', `UPDATE tasks SET assigned_agent_id = 'x' WHERE id = $1`, 'tasks_pending_unassigned'],
    ['a finish time on a PENDING task', `UPDATE tasks SET finished_at = now() WHERE id = $1`, 'tasks_finished_iff_final'],
    ['a result on a task that did not complete', `UPDATE tasks SET result = '{}' WHERE id = $1`, 'tasks_result_only_completed'],
    ['a FAILED task without an error', `UPDATE tasks SET status = 'FAILED', error = NULL WHERE id = $1`, 'tasks_error_by_status'],
    ['priority 6', `UPDATE tasks SET priority = 6 WHERE id = $1`, 'tasks_priority_range'],
    ['more attempts than allowed', `UPDATE tasks SET attempts = 4 WHERE id = $1`, 'tasks_attempts_range'],
  ])('refuses %s in the database itself', async (_label, sql, constraint) => {
    const task = await enqueue('guarded');
    await expect(client.query(sql, [task.id])).rejects.toThrow(constraint);
    const row = await s.db.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(row).toMatchObject({ status: 'PENDING', assignedAgentId: null, finishedAt: null, result: null, priority: 3, attempts: 0 });
  });

  it('sets what a status implies, whatever the statement says: a finish time, no lease', async () => {
    await enqueue('trigger');
    const held = await dequeue();
    await client.query(`UPDATE tasks SET status = 'CANCELLED', error = 'by hand' WHERE id = $1`, [held.id]);
    const row = await s.db.task.findUniqueOrThrow({ where: { id: held.id } });
    expect(row).toMatchObject({ status: 'CANCELLED', leaseToken: null, leaseExpiresAt: null, assignedAgentId: 'a1' });
    expect(row.finishedAt).not.toBeNull();
  });
});
