import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTasksDocument,
  StealTaskDocument,
  TaskDocument,
  WorkQueueDocument,
} from './generated/graphql.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

async function queue(name: string, teamId?: string, owner = 'alice') {
  return (await s.ok(CreateWorkQueueDocument, { input: { name, teamId } }, owner)).createWorkQueue.id;
}
async function fill(queueId: string, tasks: { name: string; priority?: number }[], owner = 'alice') {
  await s.ok(EnqueueTasksDocument, { queueId, tasks }, owner);
}

describe('stealTask', () => {
  it("takes the highest-priority task of the group's busiest queue and records the theft", async () => {
    const team = `eng-${Date.now()}`;
    const idle = await queue('idle', team);
    const small = await queue('small', team);
    const busy = await queue('busy', team);
    await fill(small, [{ name: 'small-top', priority: 5 }]);
    await fill(busy, [
      { name: 'busy-low', priority: 1 },
      { name: 'busy-top', priority: 4 },
      { name: 'busy-mid', priority: 2 },
    ]);
    const { stealTask } = await s.ok(StealTaskDocument, { queueId: idle, agentId: 'idle-agent' });
    expect(stealTask).toMatchObject({
      name: 'busy-top',
      queueId: busy, // the task stays in its queue
      status: 'ASSIGNED',
      assignedAgentId: 'idle-agent',
      stolen: true,
      stolenByQueueId: idle,
    });
    expect(stealTask!.leaseToken).toBeTruthy();
    const { task } = await s.ok(TaskDocument, { id: stealTask!.id });
    expect(task.events.map((e) => e.type)).toEqual(['CREATED', 'STOLEN']);
    expect(task.events[1]!.detail).toMatchObject({ stolenByQueueId: idle });
    const busyNow = (await s.ok(WorkQueueDocument, { id: busy })).workQueue;
    expect(busyNow.counts).toMatchObject({ pending: 2, assigned: 1 });
  });

  it('never steals across groups, owners, or from its own queue', async () => {
    const a = await queue('a', 'group-a');
    const b = await queue('b', 'group-b');
    const foreign = await queue('foreign', 'group-a', 'mallory');
    await fill(b, [{ name: 'other group' }]);
    await fill(a, [{ name: 'own queue' }]);
    await fill(foreign, [{ name: 'other owner' }], 'mallory');
    const res = await s.gql(StealTaskDocument, { queueId: a, agentId: 'x' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.stealTask).toBeNull();
  });

  it('groups queues without a teamId together', async () => {
    const owner = `solo-${Date.now()}`;
    const q1 = await queue('q1', undefined, owner);
    const q2 = await queue('q2', undefined, owner);
    const grouped = await queue('grouped', 'some-team', owner);
    await fill(grouped, [{ name: 'not mine' }], owner);
    await fill(q2, [{ name: 'ungrouped work' }], owner);
    const { stealTask } = await s.ok(StealTaskDocument, { queueId: q1, agentId: 'x' }, owner);
    expect(stealTask?.name).toBe('ungrouped work');
    expect((await s.ok(StealTaskDocument, { queueId: q1, agentId: 'x' }, owner)).stealTask).toBeNull();
  });

  it('gives each task to one agent when many steal and dequeue at once', async () => {
    const team = `race-${Date.now()}`;
    const thieves = await Promise.all([queue('t1', team), queue('t2', team)]);
    const victim = await queue('victim', team);
    await fill(victim, Array.from({ length: 200 }, (_, i) => ({ name: `v${i}` })));
    const got: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        for (;;) {
          const res =
            n % 2 === 0
              ? (await s.ok(StealTaskDocument, { queueId: thieves[n % 4 === 0 ? 0 : 1]!, agentId: `thief-${n}` })).stealTask
              : (await s.ok(DequeueTaskDocument, { queueId: victim, agentId: `owner-${n}` })).dequeueTask;
          if (!res) return;
          got.push(res.id);
        }
      }),
    );
    expect(got).toHaveLength(200);
    expect(new Set(got).size).toBe(200);
  });

  it('is NOT_FOUND for an unknown queue', async () => {
    expect(errorCode(await s.gql(StealTaskDocument, { queueId: 'wq_nope000000000000', agentId: 'x' }))).toBe('NOT_FOUND');
  });
});
