import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../src/queues/sweeper.js';
import {
  AddTeamMemberDocument,
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  DispatchDocument,
  DispatchToTeamDocument,
  EnqueueTaskDocument,
  FailTaskDocument,
  NodeDocument,
  StartBackgroundTaskDocument,
  StealTaskDocument,
  StopTeamDocument,
  TaskDocument,
  TeamDocument,
  TeamsDocument,
  WorkQueueDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

let seq = 0;
async function team(input: { size?: number } = {}, owner = 'alice') {
  return (await s.ok(CreateTeamDocument, { input: { name: `team-${++seq}`, ...input } }, owner)).createTeam;
}
const states = async (id: string, owner = 'alice') =>
  Object.fromEntries((await s.ok(TeamDocument, { id }, owner)).team.members.map((m) => [m.name, m.state]));

describe('createTeam', () => {
  it('creates members agent-1…agent-N and the team queue', async () => {
    const t = (
      await s.ok(CreateTeamDocument, {
        input: { name: 'research-team', size: 3, model: 'claude-sonnet-4-20250514', mode: 'coordinate', systemPrompt: 'You are a research team.' },
      })
    ).createTeam;
    expect(t).toMatchObject({
      name: 'research-team',
      size: 3,
      agents: ['agent-1', 'agent-2', 'agent-3'],
      status: 'ACTIVE',
      model: 'claude-sonnet-4-20250514',
      mode: 'coordinate',
      queueDepth: 0,
    });
    expect(t.id).toMatch(/^team-[0-9a-z]{16}$/);
    expect(t.queue.teamId).toBe(t.id);
    expect(t.members.every((m) => m.state === 'IDLE')).toBe(true);
    expect((await s.ok(WorkQueueDocument, { id: t.queue.id })).workQueue.id).toBe(t.queue.id);
  });

  it('defaults to 3 members', async () => {
    expect((await team()).agents).toEqual(['agent-1', 'agent-2', 'agent-3']);
  });

  it.each([
    [{ name: 'x', size: 0 }, 'input.size'],
    [{ name: 'x', size: 11 }, 'input.size'],
    [{ name: ' ' }, 'input.name'],
  ])('rejects %j naming %s, creating nothing', async (input, field) => {
    const res = await s.gql(CreateTeamDocument, { input }, 'validator');
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe(field);
    expect(await s.db.team.count({ where: { ownerId: 'validator' } })).toBe(0);
    expect(await s.db.workQueue.count({ where: { ownerId: 'validator' } })).toBe(0);
  });

  it('is CONFLICT for a name the owner uses for an active team, fine once it stopped or for others', async () => {
    const first = (await s.ok(CreateTeamDocument, { input: { name: 'dup' } }, 'dupper')).createTeam;
    const again = await s.gql(CreateTeamDocument, { input: { name: 'dup' } }, 'dupper');
    expect(errorCode(again)).toBe('CONFLICT');
    expect(await s.db.workQueue.count({ where: { ownerId: 'dupper' } })).toBe(1);
    expect((await s.ok(CreateTeamDocument, { input: { name: 'dup' } }, 'someone-else')).createTeam.name).toBe('dup');
    await s.ok(StopTeamDocument, { id: first.id }, 'dupper');
    expect((await s.ok(CreateTeamDocument, { input: { name: 'dup' } }, 'dupper')).createTeam.status).toBe('ACTIVE');
  });
});

describe('teams', () => {
  it("lists the owner's teams, newest first", async () => {
    const a = await team({}, 'lister');
    const b = await team({}, 'lister');
    const { teams } = await s.ok(TeamsDocument, { first: 1 }, 'lister');
    expect(teams.totalCount).toBe(2);
    expect(teams.edges.map((e) => e.node.id)).toEqual([b.id]);
    const next = (await s.ok(TeamsDocument, { first: 1, after: teams.pageInfo.endCursor }, 'lister')).teams;
    expect(next.edges.map((e) => e.node.id)).toEqual([a.id]);
  });
});

describe('addTeamMember', () => {
  it('adds agent-(N+1) and is CONFLICT "Team already at max size" at 10', async () => {
    const t = await team({ size: 9 });
    expect((await s.ok(AddTeamMemberDocument, { teamId: t.id })).addTeamMember).toMatchObject({ size: 10 });
    const res = await s.gql(AddTeamMemberDocument, { teamId: t.id });
    expect(errorCode(res)).toBe('CONFLICT');
    expect(res.errors![0]!.message).toMatch(/Team already at max size/);
    expect((await s.ok(TeamDocument, { id: t.id })).team.agents).toHaveLength(10);
  });

  it('never passes 10 members under concurrent additions', async () => {
    const t = await team({ size: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => s.gql(AddTeamMemberDocument, { teamId: t.id })));
    expect(results.filter((r) => !r.errors).length).toBe(9);
    expect(results.filter((r) => errorCode(r) === 'CONFLICT').length).toBe(11);
    const { team: after } = await s.ok(TeamDocument, { id: t.id });
    expect(after.size).toBe(10);
    expect(after.agents).toEqual(Array.from({ length: 10 }, (_, i) => `agent-${i + 1}`));
  });
});

describe('member states', () => {
  it('go busy with an assigned task and idle after complete, fail and lease expiry', async () => {
    const t = await team({ size: 2 });
    const queueId = t.queue.id;
    for (let i = 0; i < 3; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `w${i}` } });

    const a = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'agent-1' })).dequeueTask!;
    expect(await states(t.id)).toEqual({ 'agent-1': 'BUSY', 'agent-2': 'IDLE' });
    const view = (await s.ok(TeamDocument, { id: t.id })).team;
    expect(view.members[0]!.currentTask?.id).toBe(a.id);
    expect(view.members[0]!.lastSeenAt).not.toBeNull();
    expect(view.members[1]!.lastSeenAt).toBeNull();
    expect(view.queueDepth).toBe(2);

    await s.db.$executeRaw`UPDATE team_members SET last_seen_at = now() - interval '1 hour' WHERE team_id = ${t.id}`;
    await s.ok(CompleteTaskDocument, { id: a.id, result: { ok: true } });
    expect(await states(t.id)).toEqual({ 'agent-1': 'IDLE', 'agent-2': 'IDLE' });
    // Completing is a call naming the member: it was seen just now.
    const seen = (await s.ok(TeamDocument, { id: t.id })).team.members.map((m) => Date.now() - Date.parse(m.lastSeenAt!));
    expect(seen[0]).toBeLessThan(60_000);
    expect(seen[1]).toBeGreaterThan(3_000_000);

    const b = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'agent-2' })).dequeueTask!;
    expect((await states(t.id))['agent-2']).toBe('BUSY');
    await s.ok(FailTaskDocument, { id: b.id, error: 'nope' });
    expect((await states(t.id))['agent-2']).toBe('IDLE');

    const c = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'agent-1' })).dequeueTask!;
    expect((await states(t.id))['agent-1']).toBe('BUSY');
    await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${c.id}`;
    await sweepOnce(s.handle);
    expect((await states(t.id))['agent-1']).toBe('IDLE');
  });

  it('hands team work only to idle members: a busy member gets CONFLICT, even when asking twice at once', async () => {
    const t = await team({ size: 1 });
    const queueId = t.queue.id;
    for (let i = 0; i < 5; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `w${i}` } });
    const results = await Promise.all(Array.from({ length: 5 }, () => s.gql(DequeueTaskDocument, { queueId, agentId: 'agent-1' })));
    expect(results.filter((r) => r.data?.dequeueTask).length).toBe(1);
    expect(results.filter((r) => errorCode(r) === 'CONFLICT').length).toBe(4);
    expect(results.find((r) => r.errors)!.errors![0]!.message).toMatch(/agent-1 is busy/);
    // Non-members are ordinary workers of the queue.
    expect((await s.ok(DequeueTaskDocument, { queueId, agentId: 'outside-helper' })).dequeueTask).not.toBeNull();
  });

  it('follow work on any queue whose teamId is the team', async () => {
    const t = await team({ size: 2 });
    const side = (await s.ok(CreateWorkQueueDocument, { input: { name: 'side', teamId: t.id } })).createWorkQueue.id;
    await s.ok(EnqueueTaskDocument, { queueId: side, input: { name: 'side work' } });
    await s.ok(DequeueTaskDocument, { queueId: side, agentId: 'agent-2' });
    expect((await states(t.id))['agent-2']).toBe('BUSY');
    expect((await s.ok(WorkQueueDocument, { id: side })).workQueue.team?.id).toBe(t.id);
    // The same teamId string on another owner's queue does not make it part of the team.
    const foreign = (await s.ok(CreateWorkQueueDocument, { input: { name: 'imposter', teamId: t.id } }, 'bob')).createWorkQueue.id;
    expect((await s.ok(WorkQueueDocument, { id: foreign }, 'bob')).workQueue.team).toBeNull();
  });
});

describe('dispatchToTeam', () => {
  it('parallel: one task per member, each reserved for its member, completed when the last member completes', async () => {
    const t = await team({ size: 3 });
    const { dispatchToTeam: d } = await s.ok(DispatchToTeamDocument, {
      teamId: t.id,
      input: { task: 'Find all papers on quantum error correction from 2025-2026', tools: ['web_search', 'web_fetch', 'read_file'], parallel: true },
    });
    expect(d.id).toMatch(/^dsp_/);
    expect(d).toMatchObject({ parallel: true, status: 'RUNNING', tools: ['web_search', 'web_fetch', 'read_file'], team: { id: t.id } });
    expect(d.tasks.map((x) => x.reservedFor)).toEqual(['agent-1', 'agent-2', 'agent-3']);
    expect(d.tasks[0]!.payload).toMatchObject({ task: d.task, tools: d.tools, dispatchId: d.id });

    // Outsiders and other members cannot take a reserved task.
    expect((await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'outsider' })).dequeueTask).toBeNull();
    const got: Record<string, string> = {};
    for (const member of ['agent-3', 'agent-1', 'agent-2']) {
      const task = (await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: member })).dequeueTask!;
      expect(task.reservedFor).toBe(member);
      got[member] = task.id;
    }
    expect(new Set(Object.values(got)).size).toBe(3);
    expect(Object.values(await states(t.id))).toEqual(['BUSY', 'BUSY', 'BUSY']);

    await s.ok(CompleteTaskDocument, { id: got['agent-1']!, result: { papers: 12 } });
    await s.ok(CompleteTaskDocument, { id: got['agent-2']!, result: { papers: 7 } });
    expect((await s.ok(DispatchDocument, { id: d.id })).dispatch.status).toBe('RUNNING');
    await s.ok(CompleteTaskDocument, { id: got['agent-3']!, result: { papers: 3 } });
    const done = (await s.ok(DispatchDocument, { id: d.id })).dispatch;
    expect(done.status).toBe('COMPLETED');
    expect(done.tasks.map((x) => [x.assignedAgentId, x.result])).toEqual([
      ['agent-1', { papers: 12 }],
      ['agent-2', { papers: 7 }],
      ['agent-3', { papers: 3 }],
    ]);
    expect(Object.values(await states(t.id))).toEqual(['IDLE', 'IDLE', 'IDLE']);
    const listed = (await s.ok(TeamDocument, { id: t.id })).team.dispatches;
    expect(listed.edges.map((e) => [e.node.id, e.node.status])).toEqual([[d.id, 'COMPLETED']]);
  });

  it('not parallel: one task the first idle member takes; failed when it fails', async () => {
    const t = await team({ size: 2 });
    const d = (await s.ok(DispatchToTeamDocument, { teamId: t.id, input: { task: 'Research topic', parallel: false } })).dispatchToTeam;
    expect(d.tasks).toHaveLength(1);
    expect(d.tasks[0]!.reservedFor).toBeNull();
    const task = (await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-2' })).dequeueTask!;
    expect(task.id).toBe(d.tasks[0]!.id);
    expect((await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-1' })).dequeueTask).toBeNull();
    await s.ok(FailTaskDocument, { id: task.id, error: 'source unavailable' });
    const failed = (await s.ok(DispatchDocument, { id: d.id })).dispatch;
    expect(failed).toMatchObject({ status: 'FAILED' });
    expect(failed.tasks[0]!.error).toBe('source unavailable');
  });

  it('keeps reserved tasks from thieves', async () => {
    const t = await team({ size: 1 });
    await s.ok(DispatchToTeamDocument, { teamId: t.id, input: { task: 'mine', parallel: true } });
    const thief = (await s.ok(CreateWorkQueueDocument, { input: { name: 'thief', teamId: t.id } })).createWorkQueue.id;
    expect((await s.ok(StealTaskDocument, { queueId: thief, agentId: 'stranger' })).stealTask).toBeNull();
  });

  it('rejects an empty task and a stopped team', async () => {
    const t = await team();
    expect(errorCode(await s.gql(DispatchToTeamDocument, { teamId: t.id, input: { task: '' } }))).toBe('BAD_USER_INPUT');
    await s.ok(StopTeamDocument, { id: t.id });
    expect(errorCode(await s.gql(DispatchToTeamDocument, { teamId: t.id, input: { task: 'late' } }))).toBe('CONFLICT');
    expect(await s.db.dispatch.count({ where: { teamId: t.id } })).toBe(0);
  });
});

describe('startBackgroundTask', () => {
  it('answers at once and fails the task with the runtime error once it runs too long', async () => {
    const t = await team({ size: 1 });
    const bg = (await s.ok(StartBackgroundTaskDocument, { teamId: t.id, input: { task: 'Monitor logs for error patterns', maxRuntimeSeconds: 3600 } }))
      .startBackgroundTask;
    expect(bg).toMatchObject({ status: 'PENDING', maxRuntimeSeconds: 3600, queueId: t.queue.id, name: 'Monitor logs for error patterns' });
    const taken = (await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-1' })).dequeueTask!;
    expect(taken.id).toBe(bg.id);
    await sweepOnce(s.handle);
    expect((await s.ok(TaskDocument, { id: bg.id })).task.status).toBe('ASSIGNED');
    // An hour and a second later (moved back in time rather than waited for):
    await s.db.$executeRaw`UPDATE tasks SET assigned_at = now() - interval '3601 seconds' WHERE id = ${bg.id}`;
    await sweepOnce(s.handle);
    const failed = (await s.ok(TaskDocument, { id: bg.id })).task;
    expect(failed).toMatchObject({ status: 'FAILED', error: 'exceeded max runtime of 3600 seconds' });
    expect(failed.events.map((e) => e.type)).toEqual(['CREATED', 'ASSIGNED', 'FAILED']);
    expect((await states(t.id))['agent-1']).toBe('IDLE');
  });

  it('rejects a runtime outside 1–86400 seconds', async () => {
    const t = await team();
    const res = await s.gql(StartBackgroundTaskDocument, { teamId: t.id, input: { task: 'x', maxRuntimeSeconds: 0 } });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maxRuntimeSeconds' });
  });
});

describe('stopTeam', () => {
  it('stops members, cancels pending work, lets assigned work finish, and is harmless twice', async () => {
    const t = await team({ size: 2 });
    const d = (await s.ok(DispatchToTeamDocument, { teamId: t.id, input: { task: 'fan out', parallel: true } })).dispatchToTeam;
    const held = (await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-1' })).dequeueTask!;

    const stopped = (await s.ok(StopTeamDocument, { id: t.id })).stopTeam;
    expect(stopped.status).toBe('STOPPED');
    expect(stopped.stoppedAt).not.toBeNull();
    expect(stopped.members.map((m) => m.state)).toEqual(['STOPPED', 'STOPPED']);
    expect(stopped.queueDepth).toBe(0);
    const tasks = (await s.ok(DispatchDocument, { id: d.id })).dispatch.tasks;
    expect(tasks.map((x) => x.status)).toEqual(['ASSIGNED', 'CANCELLED']);

    // The held task may still finish; the team takes no new work.
    await s.ok(CompleteTaskDocument, { id: held.id, result: { partial: true } });
    expect(errorCode(await s.gql(EnqueueTaskDocument, { queueId: t.queue.id, input: { name: 'after stop' } }))).toBe('CONFLICT');
    const res = await s.gql(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-2' });
    expect(errorCode(res)).toBe('CONFLICT');
    expect(errorCode(await s.gql(AddTeamMemberDocument, { teamId: t.id }))).toBe('CONFLICT');
    expect(errorCode(await s.gql(StartBackgroundTaskDocument, { teamId: t.id, input: { task: 'x' } }))).toBe('CONFLICT');

    const again = (await s.ok(StopTeamDocument, { id: t.id })).stopTeam;
    expect(again.stoppedAt).toBe(stopped.stoppedAt);
    expect((await s.ok(TeamDocument, { id: t.id })).team.status).toBe('STOPPED');
  });
});

describe('work after a stop', () => {
  it('is cancelled, not requeued: lease expiry, fail with retry, and work that raced the stop', async () => {
    const t = await team({ size: 2 });
    await s.ok(DispatchToTeamDocument, { teamId: t.id, input: { task: 'two jobs', parallel: true } });
    const a = (await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-1' })).dequeueTask!;
    const b = (await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-2' })).dequeueTask!;
    await s.ok(StopTeamDocument, { id: t.id });

    const retried = (await s.ok(FailTaskDocument, { id: a.id, error: 'flaky', retry: true })).failTask;
    expect(retried).toMatchObject({ status: 'FAILED', error: 'flaky' });

    await s.db.$executeRaw`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${b.id}`;
    // An enqueue that committed just after the stop's cancellation (written behind the API's back).
    await s.db.$executeRaw`INSERT INTO tasks (id, queue_id, name) VALUES ('wt_racedthestop000', ${t.queue.id}, 'late')`;
    await sweepOnce(s.handle);
    const lost = (await s.ok(TaskDocument, { id: b.id })).task;
    expect(lost).toMatchObject({ status: 'CANCELLED', error: 'team stopped' });
    expect((await s.db.task.findUniqueOrThrow({ where: { id: 'wt_racedthestop000' } })).status).toBe('CANCELLED');
  });

  it('does not retry a task whose queue was deleted', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'doomed' } })).createWorkQueue.id;
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'held' } });
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'w' })).dequeueTask!;
    await s.db.$executeRaw`UPDATE work_queues SET deleted_at = now() WHERE id = ${queueId}`;
    expect((await s.ok(FailTaskDocument, { id: held.id, error: 'x', retry: true })).failTask.status).toBe('FAILED');
  });
});

describe('tenancy', () => {
  it("answers NOT_FOUND for another owner's team and dispatch everywhere", async () => {
    const t = await team({}, 'alice');
    const d = (await s.ok(DispatchToTeamDocument, { teamId: t.id, input: { task: 'private' } }, 'alice')).dispatchToTeam;
    const calls = [
      s.gql(TeamDocument, { id: t.id }, 'bob'),
      s.gql(NodeDocument, { id: t.id }, 'bob'),
      s.gql(NodeDocument, { id: d.id }, 'bob'),
      s.gql(DispatchDocument, { id: d.id }, 'bob'),
      s.gql(AddTeamMemberDocument, { teamId: t.id }, 'bob'),
      s.gql(StopTeamDocument, { id: t.id }, 'bob'),
      s.gql(DispatchToTeamDocument, { teamId: t.id, input: { task: 'x' } }, 'bob'),
      s.gql(StartBackgroundTaskDocument, { teamId: t.id, input: { task: 'x' } }, 'bob'),
      s.gql(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-1' }, 'bob'),
    ];
    for (const res of await Promise.all(calls)) expect(errorCode(res)).toBe('NOT_FOUND');
    expect((await s.ok(TeamsDocument, {}, 'bob')).teams.edges.find((e) => e.node.id === t.id)).toBeUndefined();
    const mine = (await s.ok(TeamDocument, { id: t.id }, 'alice')).team;
    expect(mine).toMatchObject({ status: 'ACTIVE', size: 3 });
  });
});
