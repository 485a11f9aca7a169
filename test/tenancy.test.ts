import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateWorkQueueDocument,
  DeleteWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  FailTaskDocument,
  HeartbeatTaskDocument,
  NodeDocument,
  StealTaskDocument,
  TaskDocument,
  WorkQueueDocument,
  WorkQueuesDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let queueId: string;
let pendingId: string;
let assignedId: string;
beforeAll(async () => {
  s = await startTestServer();
  queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'private', teamId: 'shared-name' } }, 'alice')).createWorkQueue.id;
  pendingId = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'pending' } }, 'alice')).enqueueTask.id;
  await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'assigned', priority: 5 } }, 'alice');
  assignedId = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'alice-agent' }, 'alice')).dequeueTask!.id;
});
afterAll(() => s.stop());

describe("another owner's ids answer exactly like missing ones", () => {
  const bob = 'bob';
  it.each([
    ['workQueue', () => s.gql(WorkQueueDocument, { id: queueId }, bob)],
    ['node (queue)', () => s.gql(NodeDocument, { id: queueId }, bob)],
    ['node (task)', () => s.gql(NodeDocument, { id: pendingId }, bob)],
    ['task', () => s.gql(TaskDocument, { id: pendingId }, bob)],
    ['enqueueTask', () => s.gql(EnqueueTaskDocument, { queueId, input: { name: 'intruder' } }, bob)],
    ['enqueueTasks', () => s.gql(EnqueueTasksDocument, { queueId, tasks: [{ name: 'intruder' }] }, bob)],
    ['dequeueTask', () => s.gql(DequeueTaskDocument, { queueId, agentId: 'bob-agent' }, bob)],
    ['stealTask', () => s.gql(StealTaskDocument, { queueId, agentId: 'bob-agent' }, bob)],
    ['completeTask', () => s.gql(CompleteTaskDocument, { id: assignedId, result: { stolen: true } }, bob)],
    ['failTask', () => s.gql(FailTaskDocument, { id: assignedId, error: 'sabotage' }, bob)],
    ['heartbeatTask', () => s.gql(HeartbeatTaskDocument, { id: assignedId }, bob)],
    ['deleteWorkQueue', () => s.gql(DeleteWorkQueueDocument, { id: queueId }, bob)],
  ])('%s → NOT_FOUND', async (_name, call) => {
    const res = await call();
    expect(errorCode(res)).toBe('NOT_FOUND');
    expect(JSON.stringify(res.errors)).not.toMatch(/private|alice/);
  });

  it("lists none of alice's queues for bob, even with the same teamId", async () => {
    expect((await s.ok(WorkQueuesDocument, {}, bob)).workQueues.totalCount).toBe(0);
    expect((await s.ok(WorkQueuesDocument, { teamId: 'shared-name' }, bob)).workQueues.edges).toEqual([]);
  });

  it("left alice's data untouched", async () => {
    const q = (await s.ok(WorkQueueDocument, { id: queueId }, 'alice')).workQueue;
    expect(q.counts).toMatchObject({ pending: 1, assigned: 1, total: 2 });
    const t = (await s.ok(TaskDocument, { id: assignedId }, 'alice')).task;
    expect(t).toMatchObject({ status: 'ASSIGNED', assignedAgentId: 'alice-agent', result: null });
  });
});
