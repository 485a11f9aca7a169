// The queries and subscriptions the dashboard adds to the schema: queue statistics and the
// owner-wide streams that keep one page current with one subscription per kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTasksDocument,
  FailTaskDocument,
  OwnerTaskEventsDocument,
  OwnerTeamEventsDocument,
  QueueStatsDocument,
  SendMessageDocument,
  TeamMessagesDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { collect, type WsClient } from './helpers/ws.js';

let s: TestServer;
let ws: WsClient;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  ws = await s.wsClient();
});
afterAll(() => s.stop());

describe('WorkQueue statistics', () => {
  it('counts pending tasks by priority with the oldest, and finished tasks per minute', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'stats' } })).createWorkQueue.id;
    const empty = (await s.ok(QueueStatsDocument, { id: queueId })).workQueue;
    expect(empty).toMatchObject({ depth: 0, oldestPendingAt: null, pendingByPriority: [], throughput: { lastEventId: null, minutes: [] } });

    await s.ok(EnqueueTasksDocument, { queueId, tasks: [{ name: 'a', priority: 5 }, { name: 'b' }, { name: 'c' }, { name: 'd', priority: 1 }, { name: 'e', priority: 5 }] });
    const first = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'w' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: first.id, result: {} });
    const second = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'w' })).dequeueTask!;
    await s.ok(FailTaskDocument, { id: second.id, error: 'no' });

    const q = (await s.ok(QueueStatsDocument, { id: queueId })).workQueue;
    expect(q.pendingByPriority.map((p) => [p.priority, p.count])).toEqual([
      [3, 2],
      [1, 1],
    ]);
    const oldest = await s.db.task.findFirst({ where: { queueId, status: 'PENDING' }, orderBy: { createdAt: 'asc' } });
    expect(q.oldestPendingAt).toBe(oldest!.createdAt.toISOString());
    const minutes = q.throughput.minutes;
    expect(minutes.reduce((n, m) => n + m.completed, 0)).toBe(1);
    expect(minutes.reduce((n, m) => n + m.failed, 0)).toBe(1);
    const last = await s.db.taskEvent.findFirst({ where: { queueId }, orderBy: { id: 'desc' } });
    expect(q.throughput.lastEventId).toBe(last!.id.toString());
  });

  it('refuses a throughput window outside 1–60 minutes', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'window' } })).createWorkQueue.id;
    expect(errorCode(await s.gql(QueueStatsDocument, { id: queueId, minutes: 61 }))).toBe('BAD_USER_INPUT');
  });
});

describe('owner-wide subscriptions', () => {
  it('taskEvents without a queue or team delivers the events of all the owner’s queues, and only theirs', async () => {
    const sub = collect(ws.client, OwnerTaskEventsDocument, {});
    await s.whenSubscribed('ownerTasks', 'alice');
    const mine = (await s.ok(CreateWorkQueueDocument, { input: { name: 'mine' } })).createWorkQueue.id;
    const theirs = (await s.ok(CreateWorkQueueDocument, { input: { name: 'theirs' } }, 'bob')).createWorkQueue.id;
    await s.ok(EnqueueTasksDocument, { queueId: theirs, tasks: [{ name: 'x' }] }, 'bob');
    await s.ok(EnqueueTasksDocument, { queueId: mine, tasks: [{ name: 'y' }] });
    const [event] = await sub.waitFor(1);
    expect(event!.taskEvents).toMatchObject({ type: 'CREATED', queueId: mine });
    sub.stop();
  });

  it('teamEvents without a team announces a new team by its members joining, and replays after a cursor', async () => {
    const sub = collect(ws.client, OwnerTeamEventsDocument, {});
    await s.whenSubscribed('ownerTeamEvents', 'alice');
    await s.ok(CreateTeamDocument, { input: { name: 'bobs' } }, 'bob');
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'newcomers', size: 2 } })).createTeam;
    const items = await sub.waitFor(2);
    expect(items.map((i) => [i.teamEvents.type, i.teamEvents.teamId, i.teamEvents.agent])).toEqual([
      ['MEMBER_ADDED', team.id, 'agent-1'],
      ['MEMBER_ADDED', team.id, 'agent-2'],
    ]);
    sub.stop();

    const replay = collect(ws.client, OwnerTeamEventsDocument, { after: items[0]!.teamEvents.id });
    expect((await replay.waitFor(1)).map((i) => i.teamEvents.agent)).toEqual(['agent-2']);
    replay.stop();
  });

  it('teamMessages delivers every message of a team: history after a cursor, then live', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'talkers', size: 2 } })).createTeam;
    await s.ok(SendMessageDocument, { teamId: team.id, input: { from: 'agent-1', to: 'agent-2', body: 'one' } });
    await s.ok(SendMessageDocument, { teamId: team.id, input: { from: 'agent-2', body: 'two' } });
    const sub = collect(ws.client, TeamMessagesDocument, { teamId: team.id, after: 0 });
    await sub.waitFor(2);
    await s.ok(SendMessageDocument, { teamId: team.id, input: { from: 'agent-1', body: 'three' } });
    const items = await sub.waitFor(3);
    expect(items.map((i) => [i.teamMessages.seq, i.teamMessages.from, i.teamMessages.body])).toEqual([
      [1, 'agent-1', 'one'],
      [2, 'agent-2', 'two'],
      [3, 'agent-1', 'three'],
    ]);
    sub.stop();
  });
});
