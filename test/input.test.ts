import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../src/generated/prisma/client.js';
import { sweepOnce } from '../src/queues/sweeper.js';
import {
  AwaitingInputDocument,
  CancelTaskDocument,
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  FailTaskDocument,
  HeartbeatTaskDocument,
  ProvideInputDocument,
  QueueCountsDocument,
  RequestInputDocument,
  StopTeamDocument,
  TaskDocument,
  TeamDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { nextMatching } from './helpers/bus.js';

// Waiting for input: the holder parks its task INPUT_REQUIRED (no lease runs, the deadline still
// does) until a person answers; then it is ASSIGNED to the same agent under a fresh lease.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: 'hitl', visibilityTimeoutSeconds: 60 } })).createWorkQueue.id;
async function held(queueId: string, agentId = 'writer', deadline?: string) {
  await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'draft the announcement', deadline } });
  return (await s.ok(DequeueTaskDocument, { queueId, agentId })).dequeueTask!;
}
const ask = (id: string, leaseToken: string | null, request: Record<string, unknown> = { question: 'Publish now?' }) =>
  s.gql(RequestInputDocument, { id, leaseToken: leaseToken!, request });

describe('requestInput / provideInput', () => {
  it('parks the task with the request, then resumes it with the same agent, a fresh lease and the response', async () => {
    const queueId = await newQueue();
    const task = await held(queueId);
    const events = s.app.bus.subscribe('queueTasks', queueId);
    try {
      const parked = (await ask(task.id, task.leaseToken)).data!.requestInput;
      expect(parked).toMatchObject({
        status: 'INPUT_REQUIRED',
        assignedAgentId: 'writer',
        leaseToken: task.leaseToken,
        leaseExpiresAt: null,
        inputRequest: { question: 'Publish now?' },
        inputResponse: null,
      });
      expect(await nextMatching(events, (e: TaskEvent) => e.type === 'INPUT_REQUIRED')).toMatchObject({
        agentId: 'writer',
        detail: { request: { question: 'Publish now?' } },
      });
      expect((await s.ok(AwaitingInputDocument, { queueId })).awaitingInput.edges.map((e) => e.node.id)).toEqual([task.id]);
      expect((await s.ok(QueueCountsDocument, { id: queueId })).workQueue.counts).toMatchObject({ inputRequired: 1, assigned: 0 });

      const resumed = (await s.ok(ProvideInputDocument, { id: task.id, response: { approved: true, note: 'go' } })).provideInput;
      expect(resumed).toMatchObject({ status: 'ASSIGNED', assignedAgentId: 'writer', attempts: 1, inputResponse: { approved: true, note: 'go' } });
      expect(resumed.leaseToken).not.toBe(task.leaseToken);
      expect(new Date(resumed.leaseExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(await nextMatching(events, (e: TaskEvent) => e.type === 'INPUT_PROVIDED')).toMatchObject({
        agentId: 'writer',
        detail: { response: { approved: true, note: 'go' } },
      });
      expect((await s.ok(AwaitingInputDocument, { queueId })).awaitingInput.totalCount).toBe(0);

      expect(errorCode(await s.gql(CompleteTaskDocument, { id: task.id, leaseToken: task.leaseToken, result: {} }))).toBe('CONFLICT');
      const done = (await s.ok(CompleteTaskDocument, { id: task.id, leaseToken: resumed.leaseToken, result: { published: true } })).completeTask;
      expect(done.status).toBe('COMPLETED');
      const history = (await s.ok(TaskDocument, { id: task.id })).task.events.map((e) => e.type);
      expect(history).toEqual(['CREATED', 'ASSIGNED', 'INPUT_REQUIRED', 'INPUT_PROVIDED', 'COMPLETED']);
    } finally {
      await events.return();
    }
  });

  it('stops the lease while waiting, but not the deadline', async () => {
    const queueId = await newQueue();
    const waiting = await held(queueId, 'a', new Date(Date.now() + 3_600_000).toISOString());
    await ask(waiting.id, waiting.leaseToken);
    // Long after its old lease would have run out, the sweeper leaves it waiting.
    await s.db.$executeRaw`UPDATE tasks SET input_requested_at = now() - interval '2 days' WHERE id = ${waiting.id}`;
    await sweepOnce(s.handle);
    expect((await s.ok(TaskDocument, { id: waiting.id })).task.status).toBe('INPUT_REQUIRED');
    await s.db.$executeRaw`UPDATE tasks SET deadline = now() - interval '1 second' WHERE id = ${waiting.id}`;
    await sweepOnce(s.handle);
    expect((await s.ok(TaskDocument, { id: waiting.id })).task).toMatchObject({ status: 'EXPIRED', error: 'deadline passed', leaseToken: null });
  });

  it('lets the agent fail it with its lease token and the owner cancel it; completes and heartbeats are CONFLICT', async () => {
    const queueId = await newQueue();
    const a = await held(queueId, 'a');
    await ask(a.id, a.leaseToken);
    expect(errorCode(await s.gql(CompleteTaskDocument, { id: a.id, leaseToken: a.leaseToken, result: {} }))).toBe('CONFLICT');
    expect(errorCode(await s.gql(HeartbeatTaskDocument, { id: a.id, leaseToken: a.leaseToken }))).toBe('CONFLICT');
    expect(errorCode(await s.gql(FailTaskDocument, { id: a.id, leaseToken: 'not-the-token', error: 'x' }))).toBe('CONFLICT');
    expect((await s.ok(FailTaskDocument, { id: a.id, leaseToken: a.leaseToken, error: 'nobody answered' })).failTask).toMatchObject({
      status: 'FAILED',
      error: 'nobody answered',
    });
    const b = await held(queueId, 'b');
    await ask(b.id, b.leaseToken);
    expect((await s.ok(CancelTaskDocument, { id: b.id, reason: 'not needed' })).cancelTask.status).toBe('CANCELLED');
    expect(errorCode(await s.gql(ProvideInputDocument, { id: b.id, response: {} }))).toBe('CONFLICT');
  });

  it('refuses a stale lease, a task that does not wait, bad input and foreign ids', async () => {
    const queueId = await newQueue();
    const t = await held(queueId);
    const stale = await ask(t.id, 'stale-token');
    expect(errorCode(stale)).toBe('CONFLICT');
    expect(stale.errors![0]!.message).toMatch(/lease token/);
    expect(errorCode(await s.gql(ProvideInputDocument, { id: t.id, response: { a: 1 } }))).toMatch('CONFLICT');
    expect((await s.gql(ProvideInputDocument, { id: t.id, response: { a: 1 } })).errors![0]!.message).toMatch(/only an INPUT_REQUIRED task/);
    expect(errorCode(await s.gql(RequestInputDocument, { id: t.id, leaseToken: t.leaseToken!, request: [1] as never }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await ask('wt_missing', 'x'))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(ProvideInputDocument, { id: t.id, response: {} }, 'mallory'))).toBe('NOT_FOUND');
    expect((await s.ok(TaskDocument, { id: t.id })).task.status).toBe('ASSIGNED');
  });
});

describe('team members waiting for input', () => {
  it('stay busy (one task at a time) and are released by the kill switch', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `hitl-${Date.now()}`, size: 1 } })).createTeam;
    const task = await held(team.queue.id, 'agent-1');
    await s.ok(EnqueueTaskDocument, { queueId: team.queue.id, input: { name: 'next' } });
    await ask(task.id, task.leaseToken);
    const member = (await s.ok(TeamDocument, { id: team.id })).team.members[0]!;
    expect(member).toMatchObject({ state: 'BUSY', currentTask: { id: task.id } });
    expect(errorCode(await s.gql(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' }))).toBe('CONFLICT');
    expect((await s.ok(AwaitingInputDocument, { teamId: team.id })).awaitingInput.totalCount).toBe(1);
    await s.ok(StopTeamDocument, { id: team.id, cancelRunning: true });
    expect((await s.ok(TaskDocument, { id: task.id })).task.status).toBe('CANCELLED');
  });
});

describe('REST', () => {
  it('request-input, awaiting-input and provide-input on both surfaces', async () => {
    const queueId = await newQueue();
    const t = await held(queueId);
    const parked = await rest(s, 'POST', `/work-queue-tasks/${t.id}/request-input`, {
      body: { leaseToken: t.leaseToken, request: { question: 'Which tone?', Options: ['formal', 'casual'] } },
    });
    expect(parked.status).toBe(200);
    expect(parked.body).toMatchObject({ status: 'input_required', inputRequest: { question: 'Which tone?' } });
    const listed = await rest(s, 'GET', `/work-queues/${queueId}/awaiting-input`);
    expect(listed.body.items.map((x: { id: string }) => x.id)).toEqual([t.id]);
    expect((await rest(s, 'GET', `/work-queues/${queueId}/tasks?status=input_required`)).body.total).toBe(1);
    const answered = await rest(s, 'POST', `/api/v1/tasks/${t.id}/input`, { body: { response: { Tone: 'casual' } } });
    expect(answered.status).toBe(200);
    // The caller's JSON is answered as stored, not re-cased.
    expect(answered.body).toMatchObject({ ok: true, data: { status: 'assigned', input_response: { Tone: 'casual' }, input_request: { Options: ['formal', 'casual'] } } });
    expect((await rest(s, 'POST', `/api/v1/tasks/${t.id}/input`, { body: { response: {} } })).status).toBe(409);
    const again = await rest(s, 'POST', `/api/v1/tasks/${t.id}/request-input`, {
      body: { lease_token: answered.body.data.lease_token, request: { question: 'Sure?' } },
    });
    expect(again.body.data.status).toBe('input_required');
  });
});
