import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DeleteWorkQueueDocument,
  DequeueTasksDocument,
  DispatchPageDocument,
  DispatchToTeamDocument,
  EnqueueTasksDocument,
  MessagesDocument,
  QueuePageDocument,
  SendMessageDocument,
  TaskPageDocument,
  TeamsDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { startTestServer, type GraphQLResponse, type TestServer } from './helpers/server.js';

// Cursors are bound to their owner and list, and pages are read by position on immutable columns:
// nothing is skipped or repeated when rows change between two pages.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const firstError = (res: GraphQLResponse<unknown>) => res.errors?.[0] && { message: res.errors[0].message, extensions: res.errors[0].extensions };

async function queueWithTasks(owner: string, n: number) {
  const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'paged' } }, owner)).createWorkQueue.id;
  await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: n }, (_, i) => ({ name: `t${i + 1}` })) }, owner);
  return queueId;
}

describe("another owner's or another list's cursor", () => {
  it('fails exactly like a random string, on every list', async () => {
    const bobQueue = await queueWithTasks('bob', 3);
    const bobTeam = (await s.ok(CreateTeamDocument, { input: { name: 'bobs', size: 2 } }, 'bob')).createTeam.id;
    await s.ok(SendMessageDocument, { teamId: bobTeam, input: { from: 'agent-1', body: 'hi' } }, 'bob');
    await s.ok(SendMessageDocument, { teamId: bobTeam, input: { from: 'agent-1', body: 'again' } }, 'bob');
    await s.ok(CreateWorkQueueDocument, { input: { name: 'second' } }, 'bob');
    const aliceQueue = await queueWithTasks('alice', 3);
    const aliceTeam = (await s.ok(CreateTeamDocument, { input: { name: 'alices', size: 2 } }, 'alice')).createTeam.id;

    const bob = {
      queues: (await s.ok(QueuePageDocument, { first: 1 }, 'bob')).workQueues.pageInfo.endCursor!,
      tasks: (await s.ok(TaskPageDocument, { id: bobQueue, first: 1 }, 'bob')).workQueue.tasks.pageInfo.endCursor!,
      teams: (await s.ok(TeamsDocument, { first: 1 }, 'bob')).teams.pageInfo.endCursor!,
      messages: (await s.ok(MessagesDocument, { teamId: bobTeam, first: 1 }, 'bob')).messages.pageInfo.endCursor!,
    };
    const random = 'bm90IGEgY3Vyc29y';
    const tries: Array<[string, (after: string) => Promise<GraphQLResponse<unknown>>, string]> = [
      ['workQueues', (after) => s.gql(QueuePageDocument, { first: 5, after }, 'alice'), bob.queues],
      ['workQueue.tasks', (after) => s.gql(TaskPageDocument, { id: aliceQueue, first: 5, after }, 'alice'), bob.tasks],
      ['teams', (after) => s.gql(TeamsDocument, { first: 5, after }, 'alice'), bob.teams],
      ['messages', (after) => s.gql(MessagesDocument, { teamId: aliceTeam, first: 5, after }, 'alice'), bob.messages],
    ];
    for (const [list, call, foreign] of tries) {
      const expected = { message: 'after: is not a cursor of this list', extensions: { code: 'BAD_USER_INPUT', field: 'after' } };
      expect([list, firstError(await call(random))]).toEqual([list, expected]);
      expect([list, firstError(await call(foreign))]).toEqual([list, expected]);
    }
    // The cursor works for its owner on its own list only.
    expect((await s.ok(TaskPageDocument, { id: bobQueue, first: 5, after: bob.tasks }, 'bob')).workQueue.tasks.edges).toHaveLength(2);
    const otherQueue = await queueWithTasks('bob', 3);
    expect(firstError(await s.gql(TaskPageDocument, { id: otherQueue, first: 5, after: bob.tasks }, 'bob'))?.extensions?.code).toBe('BAD_USER_INPUT');
    // REST: the same answer for a foreign cursor and a random one (but for the request's own id).
    const answer = async (cursor: string) => {
      const res = await rest(s, 'GET', `/work-queues?cursor=${cursor}`, { owner: 'alice' });
      const { requestId: _, ...error } = res.body.error;
      return { status: res.status, error };
    };
    expect(await answer(bob.queues)).toEqual(await answer(random));
    expect((await answer(random)).status).toBe(400);
  });
});

describe('pages while rows change', () => {
  it('skips nothing when the rows of the previous page leave the status filter', async () => {
    const queueId = await queueWithTasks('carol', 6);
    const page1 = (await s.ok(TaskPageDocument, { id: queueId, status: 'PENDING', first: 2 }, 'carol')).workQueue.tasks;
    expect(page1.edges.map((e) => e.node.name)).toEqual(['t1', 't2']);
    // t1 and t2 are taken: the cursor's own row is no longer PENDING.
    await s.ok(DequeueTasksDocument, { queueId, agentId: 'worker', limit: 2 }, 'carol');
    const page2 = (await s.ok(TaskPageDocument, { id: queueId, status: 'PENDING', first: 2, after: page1.pageInfo.endCursor }, 'carol')).workQueue.tasks;
    expect(page2.edges.map((e) => e.node.name)).toEqual(['t3', 't4']);
    const rest2 = await rest(s, 'GET', `/work-queues/${queueId}/tasks?status=pending&limit=2&cursor=${page2.pageInfo.endCursor}`, { owner: 'carol' });
    expect(rest2.body.items.map((t: { name: string }) => t.name)).toEqual(['t5', 't6']);
    expect(rest2.body.nextCursor).toBeNull();
  });

  it('skips and repeats nothing when the cursor row is deleted or new rows arrive', async () => {
    const owner = 'dave';
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await s.ok(CreateWorkQueueDocument, { input: { name: `q${i}` } }, owner)).createWorkQueue.id);
    const page1 = (await s.ok(QueuePageDocument, { first: 2 }, owner)).workQueues;
    expect(page1.edges.map((e) => e.node.name)).toEqual(['q5', 'q4']);
    await s.ok(DeleteWorkQueueDocument, { id: ids[3]! }, owner); // q4, the cursor's own row
    await s.ok(CreateWorkQueueDocument, { input: { name: 'q6' } }, owner); // newer than every page
    const page2 = (await s.ok(QueuePageDocument, { first: 2, after: page1.pageInfo.endCursor }, owner)).workQueues;
    expect(page2.edges.map((e) => e.node.name)).toEqual(['q3', 'q2']);
    const page3 = (await s.ok(QueuePageDocument, { first: 2, after: page2.pageInfo.endCursor }, owner)).workQueues;
    expect(page3.edges.map((e) => e.node.name)).toEqual(['q1']);
    expect(page3.pageInfo.hasNextPage).toBe(false);
  });

  it('pages backward with last/before', async () => {
    const queueId = await queueWithTasks('erin', 5);
    const last = (await s.ok(TaskPageDocument, { id: queueId, last: 2 }, 'erin')).workQueue.tasks;
    expect(last.edges.map((e) => e.node.name)).toEqual(['t4', 't5']);
    expect(last.pageInfo.hasPreviousPage).toBe(true);
    const before = (await s.ok(TaskPageDocument, { id: queueId, last: 2, before: last.pageInfo.startCursor }, 'erin')).workQueue.tasks;
    expect(before.edges.map((e) => e.node.name)).toEqual(['t2', 't3']);
    const start = (await s.ok(TaskPageDocument, { id: queueId, last: 5, before: before.pageInfo.startCursor }, 'erin')).workQueue.tasks;
    expect(start.edges.map((e) => e.node.name)).toEqual(['t1']);
    expect(start.pageInfo.hasPreviousPage).toBe(false);
  });
});

describe('nested connections', () => {
  it("pages each team's dispatches on its own, forward and backward", async () => {
    const owner = 'frank';
    const teams: string[] = [];
    for (let t = 0; t < 3; t++) {
      const team = (await s.ok(CreateTeamDocument, { input: { name: `team${t}`, size: 1 } }, owner)).createTeam.id;
      for (let d = 1; d <= 3; d++) await s.ok(DispatchToTeamDocument, { teamId: team, input: { task: `${t}-${d}` } }, owner);
      teams.push(team);
    }
    for (const [t, team] of teams.entries()) {
      const page1 = (await s.ok(DispatchPageDocument, { id: team, first: 2 }, owner)).team.dispatches;
      expect(page1.totalCount).toBe(3);
      expect(page1.edges.map((e) => e.node.task)).toEqual([`${t}-3`, `${t}-2`]);
      const page2 = (await s.ok(DispatchPageDocument, { id: team, first: 2, after: page1.pageInfo.endCursor }, owner)).team.dispatches;
      expect(page2.edges.map((e) => e.node.task)).toEqual([`${t}-1`]);
      const back = (await s.ok(DispatchPageDocument, { id: team, last: 5, before: page2.pageInfo.startCursor }, owner)).team.dispatches;
      expect(back.edges.map((e) => e.node.task)).toEqual([`${t}-3`, `${t}-2`]);
    }
    // One team's cursor is not another's.
    const cursor = (await s.ok(DispatchPageDocument, { id: teams[0]!, first: 1 }, owner)).team.dispatches.pageInfo.endCursor!;
    expect(firstError(await s.gql(DispatchPageDocument, { id: teams[1]!, first: 1, after: cursor }, owner))?.extensions?.field).toBe('after');
  });
});
