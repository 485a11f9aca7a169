import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  FailTaskDocument,
  HeartbeatTaskDocument,
  TaskDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { countStatements, total } from './helpers/statements.js';

let s: TestServer;
let queueId: string;
beforeAll(async () => {
  s = await startTestServer();
});
// A queue per test, so each test sees only its own tasks.
beforeEach(async () => {
  queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'finish', maxAttempts: 2, retryBackoff: { initialSeconds: 0 } } })).createWorkQueue.id;
});
afterAll(() => s.stop());

/** Enqueues one task and dequeues it for `agent`. */
async function assigned(agent = 'agent-1') {
  await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'work' } });
  return (await s.ok(DequeueTaskDocument, { queueId, agentId: agent })).dequeueTask!;
}
const snapshot = (id: string) => s.db.task.findUniqueOrThrow({ where: { id } });

describe('completeTask', () => {
  it('stores the result and ends the lease', async () => {
    const t = await assigned();
    const result = { rootCause: 'Session cookie SameSite attribute', fix: 'PR #312' };
    const { completeTask } = await s.ok(CompleteTaskDocument, { id: t.id, result, leaseToken: t.leaseToken });
    expect(completeTask).toMatchObject({ status: 'COMPLETED', result, leaseToken: null, leaseExpiresAt: null, assignedAgentId: 'agent-1' });
    expect(completeTask.completedAt).not.toBeNull();
    expect(completeTask.finishedAt).toBe(completeTask.completedAt);
    expect(t.finishedAt).toBeNull();
    const { task } = await s.ok(TaskDocument, { id: t.id });
    expect(task.events.map((e) => [e.type, e.agentId])).toEqual([
      ['CREATED', null],
      ['ASSIGNED', 'agent-1'],
      ['COMPLETED', 'agent-1'],
    ]);
  });

  it('is CONFLICT on a task that is not ASSIGNED, changing nothing', async () => {
    const pending = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'not yet' } })).enqueueTask;
    const before = await snapshot(pending.id);
    const res = await s.gql(CompleteTaskDocument, { id: pending.id, result: { x: 1 } });
    expect(errorCode(res)).toBe('CONFLICT');
    expect(res.errors![0]!.message).toMatch(/PENDING/);
    expect(await snapshot(pending.id)).toEqual(before);

    const done = await assigned();
    await s.ok(CompleteTaskDocument, { id: done.id, result: { first: true } });
    const afterFirst = await snapshot(done.id);
    expect(errorCode(await s.gql(CompleteTaskDocument, { id: done.id, result: { second: true } }))).toBe('CONFLICT');
    expect(errorCode(await s.gql(FailTaskDocument, { id: done.id, error: 'too late' }))).toBe('CONFLICT');
    expect(await snapshot(done.id)).toEqual(afterFirst);
  });

  it('refuses a stale lease token: a task re-leased to another agent cannot be completed by the first', async () => {
    const first = await assigned('slow-agent');
    // The lease runs out and the sweeper requeues the task; another agent takes it.
    await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${first.id}`;
    const { sweepOnce } = await import('../src/queues/sweeper.js');
    await sweepOnce(s.handle);
    const second = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'fast-agent' })).dequeueTask!;
    expect(second.id).toBe(first.id);
    expect(second.leaseToken).not.toBe(first.leaseToken);

    const stale = await s.gql(CompleteTaskDocument, { id: first.id, leaseToken: first.leaseToken, result: { from: 'slow' } });
    expect(errorCode(stale)).toBe('CONFLICT');
    expect(stale.errors![0]!.message).toMatch(/lease/);
    expect(errorCode(await s.gql(HeartbeatTaskDocument, { id: first.id, leaseToken: first.leaseToken }))).toBe('CONFLICT');
    expect(errorCode(await s.gql(FailTaskDocument, { id: first.id, leaseToken: first.leaseToken, error: 'x' }))).toBe('CONFLICT');

    const ok = await s.ok(CompleteTaskDocument, { id: second.id, leaseToken: second.leaseToken, result: { from: 'fast' } });
    expect(ok.completeTask).toMatchObject({ status: 'COMPLETED', assignedAgentId: 'fast-agent', result: { from: 'fast' } });
  });

  it('is NOT_FOUND for an unknown task', async () => {
    expect(errorCode(await s.gql(CompleteTaskDocument, { id: 'wt_unknown000000000' }))).toBe('NOT_FOUND');
  });
});

describe('failTask', () => {
  it('stores the error and is final by default', async () => {
    const t = await assigned();
    const { failTask } = await s.ok(FailTaskDocument, { id: t.id, error: 'Unable to reproduce on staging' });
    expect(failTask).toMatchObject({ status: 'FAILED', error: 'Unable to reproduce on staging', assignedAgentId: 'agent-1' });
    expect(failTask.failedAt).not.toBeNull();
  });

  it('requeues with retry while attempts remain, then fails for good', async () => {
    const t = await assigned();
    const retried = (await s.ok(FailTaskDocument, { id: t.id, error: 'flaky', retry: true })).failTask;
    expect(retried).toMatchObject({ status: 'PENDING', attempts: 1, error: 'flaky', assignedAgentId: null });
    const again = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'agent-2' })).dequeueTask!;
    expect(again).toMatchObject({ id: t.id, attempts: 2 });
    // maxAttempts is 2 on this queue: no retry left.
    const final = (await s.ok(FailTaskDocument, { id: t.id, error: 'flaky again', retry: true })).failTask;
    expect(final).toMatchObject({ status: 'FAILED', attempts: 2, error: 'flaky again' });
    const { task } = await s.ok(TaskDocument, { id: t.id });
    expect(task.events.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNED', 'REQUEUED', 'ASSIGNED', 'FAILED']);
  });

  it('rejects an empty error message', async () => {
    const t = await assigned();
    const res = await s.gql(FailTaskDocument, { id: t.id, error: ' ' });
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect((await snapshot(t.id)).status).toBe('ASSIGNED');
  });

  it('checks the agent when one is named', async () => {
    const t = await assigned('owner-agent');
    expect(errorCode(await s.gql(FailTaskDocument, { id: t.id, error: 'x', agentId: 'someone-else' }))).toBe('CONFLICT');
    expect((await s.ok(FailTaskDocument, { id: t.id, error: 'x', agentId: 'owner-agent' })).failTask.status).toBe('FAILED');
  });
});

describe('heartbeatTask', () => {
  it('extends the lease', async () => {
    const t = await assigned();
    await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() + interval '5 seconds' WHERE id = ${t.id}`;
    const { heartbeatTask } = await s.ok(HeartbeatTaskDocument, { id: t.id, leaseToken: t.leaseToken, extendSeconds: 600 });
    const remaining = Date.parse(heartbeatTask.leaseExpiresAt!) - Date.now();
    expect(remaining).toBeGreaterThan(590_000);
    expect(heartbeatTask.status).toBe('ASSIGNED');
  });

  it('is CONFLICT on a task that is not assigned', async () => {
    const pending = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'idle' } })).enqueueTask;
    expect(errorCode(await s.gql(HeartbeatTaskDocument, { id: pending.id }))).toBe('CONFLICT');
  });
});

// Single completes and fails of one owner arriving together share a statement (coalesceBy):
// each is still fenced and answered for itself.
describe('concurrent single finishes', () => {
  it('share statements, each answered for itself, a stale lease failing alone', async () => {
    const tasks = await Promise.all(Array.from({ length: 30 }, (_, i) => assigned(`agent-${i}`)));
    const { result, sent: byName } = await countStatements(['queues_complete_tasks', 'queues_fail_tasks'], () =>
      Promise.all(
        tasks.map((t, i) =>
          i === 7
            ? s.gql(CompleteTaskDocument, { id: t.id, result: { i }, leaseToken: 'stale' })
            : i % 2
              ? s.gql(FailTaskDocument, { id: t.id, error: `e${i}`, leaseToken: t.leaseToken })
              : s.gql(CompleteTaskDocument, { id: t.id, result: { i }, leaseToken: t.leaseToken }),
        ),
      ),
    );
    expect(errorCode(result[7]!)).toBe('CONFLICT');
    expect(result.filter((r, i) => i !== 7 && !r.errors)).toHaveLength(29);
    // 30 calls (two kinds) in fewer statements than calls.
    const sent = total(byName);
    expect(sent).toBeLessThan(30);
    expect(sent).toBeGreaterThanOrEqual(2);
    const rows = await s.db.task.findMany({ where: { id: { in: tasks.map((t) => t.id) } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    tasks.forEach((t, i) => {
      const row = byId.get(t.id)!;
      if (i === 7) expect(row.status).toBe('ASSIGNED');
      else if (i % 2) expect(row).toMatchObject({ status: 'FAILED', error: `e${i}` });
      else expect(row).toMatchObject({ status: 'COMPLETED', result: { i } });
    });
  });

  it('of one task at once: exactly one wins', async () => {
    const t = await assigned();
    const answers = await Promise.all(Array.from({ length: 5 }, () => s.gql(CompleteTaskDocument, { id: t.id, result: {}, leaseToken: t.leaseToken })));
    expect(answers.filter((a) => !a.errors)).toHaveLength(1);
    expect(answers.filter((a) => errorCode(a) === 'CONFLICT')).toHaveLength(4);
  });
});
