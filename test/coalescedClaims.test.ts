// Single dequeues of one queue arriving together share one claim statement (coalescedClaims.ts):
// each agent still gets its own task under its own lease, in hand-out order, and the team rules
// (members one at a time under their row lock, reserved tasks) hold as for a claim alone.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  EnqueueTasksDocument,
} from './generated/graphql.js';
import { claimForAgents } from '../src/queues/sql/claimForAgents.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { countStatements, total } from './helpers/statements.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

let seq = 0;
const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: `together-${++seq}` } })).createWorkQueue.id;

describe('single dequeues arriving together', () => {
  it('share statements: each agent gets its own task and lease, the highest priorities first', async () => {
    const queueId = await newQueue();
    // 40 tasks, priorities 1..5; 20 agents ask at once: they must get the 20 best (8 of 5, 8 of 4, 4 of 3, oldest first).
    const tasks = Array.from({ length: 40 }, (_, i) => ({ name: `t${i}`, priority: (i % 5) + 1 }));
    const enqueued = (await s.ok(EnqueueTasksDocument, { queueId, tasks })).enqueueTasks;
    const agents = Array.from({ length: 20 }, (_, i) => `agent-${i}`);
    const { result, sent } = await countStatements(['queues_claim_'], () => Promise.all(agents.map((agentId) => s.ok(DequeueTaskDocument, { queueId, agentId }))));
    const got = result.map((r) => r.dequeueTask!);
    expect(got.every((t) => t !== null)).toBe(true);
    got.forEach((t, i) => expect(t.assignedAgentId).toBe(agents[i]));
    expect(new Set(got.map((t) => t.id)).size).toBe(20);
    expect(new Set(got.map((t) => t.leaseToken)).size).toBe(20);
    const order = enqueued.map((t, i) => ({ id: t.id, priority: tasks[i]!.priority, i }));
    const best = order.sort((a, b) => b.priority - a.priority || a.i - b.i).slice(0, 20);
    expect(new Set(got.map((t) => t.id))).toEqual(new Set(best.map((t) => t.id)));
    // Fewer statements than calls, and at least one of them claimed for several agents.
    expect(total(sent)).toBeLessThan(20);
    expect([...sent.keys()].some((n) => n.startsWith('queues_claim_for_agents_'))).toBe(true);
    // The log agrees: one ASSIGNED event per task, naming its agent.
    const events = await s.db.taskEvent.findMany({ where: { queueId, type: 'ASSIGNED' } });
    expect(events).toHaveLength(20);
    const byTask = new Map(got.map((t) => [t.id, t.assignedAgentId]));
    expect(events.every((e) => byTask.get(e.taskId) === e.agentId)).toBe(true);
  });

  it('hand out what there is: with 3 tasks and 10 agents, 3 get one and 7 get none', async () => {
    const queueId = await newQueue();
    await s.ok(EnqueueTasksDocument, { queueId, tasks: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => s.ok(DequeueTaskDocument, { queueId, agentId: `a${i}` })));
    const got = answers.map((a) => a.dequeueTask).filter((t) => t !== null);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((t) => t!.id)).size).toBe(3);
    const rows = await s.db.task.findMany({ where: { queueId } });
    expect(rows.every((r) => r.status === 'ASSIGNED' && r.attempts === 1)).toBe(true);
  });

  it('lock only as many tasks as there are agents: the rest stay claimable by others meanwhile', async () => {
    const queueId = await newQueue();
    await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 5 }, (_, i) => ({ name: `t${i}` })) });
    const [claiming, other] = [new pg.Client({ connectionString: s.url }), new pg.Client({ connectionString: s.url })];
    await Promise.all([claiming.connect(), other.connect()]);
    try {
      await claiming.query('BEGIN');
      // Three agents: the statement prepared for up to four.
      const rows = await claimForAgents.rows(claiming, { ownerId: 'alice', queueId, agentIds: ['x', 'y', 'z'] });
      expect(rows.filter((r) => r.id)).toHaveLength(3);
      const free = await other.query(`SELECT id FROM tasks WHERE queue_id = $1 AND status = 'PENDING' FOR UPDATE SKIP LOCKED`, [queueId]);
      expect(free.rowCount).toBe(2);
    } finally {
      await claiming.query('ROLLBACK');
      await Promise.all([claiming.end(), other.end()]);
    }
  });

  it('answer NOT_FOUND to every agent asking for a queue that does not exist', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => s.gql(DequeueTaskDocument, { queueId: 'wq_doesnotexist', agentId: `a${i}` })),
    );
    expect(answers.map(errorCode)).toEqual(Array(6).fill('NOT_FOUND'));
  });

  it('keep the team rules: members one task at a time, others as many calls as they make', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `together-team-${++seq}`, size: 3 } })).createTeam;
    const queueId = team.queue.id;
    await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 10 }, (_, i) => ({ name: `w${i}` })) });
    // agent-1 asks twice at once: one call gets a task, the other is told it is busy.
    const asks = ['agent-1', 'agent-1', 'agent-2', 'outsider-1', 'outsider-2', 'outsider-3'];
    const answers = await Promise.all(asks.map((agentId) => s.gql(DequeueTaskDocument, { queueId, agentId })));
    const first = answers.slice(0, 2);
    expect(first.filter((a) => !a.errors && a.data?.dequeueTask)).toHaveLength(1);
    expect(first.filter((a) => errorCode(a) === 'CONFLICT')).toHaveLength(1);
    answers.slice(2).forEach((a, i) => expect(a.data?.dequeueTask?.assignedAgentId).toBe(asks[i + 2]));
    const held = await s.db.task.groupBy({ by: ['assignedAgentId'], where: { queueId, status: 'ASSIGNED' }, _count: { _all: true } });
    expect(Object.fromEntries(held.map((h) => [h.assignedAgentId, h._count._all]))).toEqual({
      'agent-1': 1,
      'agent-2': 1,
      'outsider-1': 1,
      'outsider-2': 1,
      'outsider-3': 1,
    });
  });

  it('still hand a task reserved for an agent that is no member to that agent, when it asks with others', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `together-team-${++seq}`, size: 2 } })).createTeam;
    const queueId = team.queue.id;
    // A task kept for "former-member" (a dispatch to a member who then left the team).
    const [task] = (await s.ok(EnqueueTasksDocument, { queueId, tasks: [{ name: 'kept' }] })).enqueueTasks;
    await s.db.$executeRaw`UPDATE tasks SET reserved_for = 'former-member' WHERE id = ${task!.id}`;
    const asks = ['outsider-1', 'former-member', 'outsider-2', 'outsider-3'];
    const answers = await Promise.all(asks.map((agentId) => s.ok(DequeueTaskDocument, { queueId, agentId })));
    expect(answers.map((a) => a.dequeueTask?.id ?? null)).toEqual([null, task!.id, null, null]);
  });
});
