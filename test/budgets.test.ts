import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BudgetTeamDocument,
  BudgetTeamEventsDocument,
  CompleteTasksDocument,
  CompleteWithCostDocument,
  CreateBudgetTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  DequeueTasksDocument,
  DequeueTaskWaitingDocument,
  DispatchToTeamDocument,
  EnqueueTaskDocument,
  EnqueueTasksDocument,
  FailTasksDocument,
  FailWithCostDocument,
  ResumeTeamDocument,
  SetTeamBudgetDocument,
  StartBackgroundTaskDocument,
  StealTaskDocument,
  StopTeamDocument,
  TaskDocument,
  type TeamBudgetInput,
} from './generated/graphql.js';
import { eventually, waitFor } from './helpers/eventually.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { collect } from './helpers/ws.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

let seq = 0;
async function budgetTeam(budget?: TeamBudgetInput | null, size = 3) {
  return (await s.ok(CreateBudgetTeamDocument, { input: { name: `budget-team-${++seq}`, size, budget } })).createTeam;
}
const teamOf = async (id: string) => (await s.ok(BudgetTeamDocument, { id })).team;

/** Enqueues `n` tasks on the queue. */
async function enqueue(queueId: string, n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ({ name: `job-${i}` }));
  return (await s.ok(EnqueueTasksDocument, { queueId, tasks })).enqueueTasks;
}

/** Dequeues one task for `agentId` (not a member unless named agent-N), failing the test when none. */
async function take(queueId: string, agentId = 'worker') {
  const task = (await s.ok(DequeueTaskDocument, { queueId, agentId })).dequeueTask;
  if (!task) throw new Error(`nothing to dequeue for ${agentId}`);
  return task;
}

const complete = (id: string, cost?: number | null) => s.ok(CompleteWithCostDocument, { id, cost });

describe('creating a team with a budget', () => {
  it('shows the budget and nothing spent; without one, no limits', async () => {
    const t = await budgetTeam({ maxCost: 2.5, maxTasks: 10 });
    expect(t).toMatchObject({ status: 'ACTIVE', pausedAt: null, budget: { maxCost: 2.5, maxTasks: 10 }, spent: { cost: 0, tasks: 0 } });
    expect(t.queue.spent).toEqual({ cost: 0, tasks: 0 });
    const free = await budgetTeam();
    expect(free.budget).toEqual({ maxCost: null, maxTasks: null });
    expect((await budgetTeam({ maxTasks: 3 })).budget).toEqual({ maxCost: null, maxTasks: 3 });
  });

  it.each([
    [{ maxCost: -1 }, 'input.budget.maxCost'],
    [{ maxCost: 0 }, 'input.budget.maxCost'],
    [{ maxTasks: 0 }, 'input.budget.maxTasks'],
    [{ maxTasks: -3 }, 'input.budget.maxTasks'],
    [{ maxCost: 1e13 }, 'input.budget.maxCost'],
  ])('refuses the budget %j naming %s, creating nothing', async (budget, field) => {
    const res = await s.gql(CreateBudgetTeamDocument, { input: { name: 'bad-budget', budget } }, 'budget-validator');
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.extensions!.field).toBe(field);
    expect(res.errors![0]!.message).toContain(field);
    expect(await s.db.team.count({ where: { ownerId: 'budget-validator' } })).toBe(0);
  });

  it.each([
    [{ maxCost: 'ten' }],
    [{ maxTasks: 1.5 }],
    [{ maxTasks: 'many' }],
    [{ maxCost: true }],
  ])('refuses the wrongly typed budget %j as BAD_USER_INPUT', async (budget) => {
    const res = await s.gql(CreateBudgetTeamDocument, { input: { name: 'typed-budget', budget: budget as never } }, 'budget-validator');
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toMatch(/budget|max(Cost|Tasks)/);
    expect(await s.db.team.count({ where: { ownerId: 'budget-validator' } })).toBe(0);
  });
});

describe('cost on complete and fail', () => {
  it('is added to the task and to its team; refused when negative, leaving the task assigned', async () => {
    const t = await budgetTeam();
    await enqueue(t.queue.id, 3);
    const a = await take(t.queue.id);
    for (const cost of [-0.01, -5]) {
      const res = await s.gql(CompleteWithCostDocument, { id: a.id, cost });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.extensions!.field).toBe('cost');
      expect(res.errors![0]!.message).toBe('cost: must not be negative');
    }
    expect((await s.ok(TaskDocument, { id: a.id })).task!.status).toBe('ASSIGNED');
    expect((await teamOf(t.id)).spent).toEqual({ cost: 0, tasks: 0 });

    expect((await complete(a.id, 0.25)).completeTask).toMatchObject({ status: 'COMPLETED', cost: 0.25 });
    const b = await take(t.queue.id);
    const failedBad = await s.gql(FailWithCostDocument, { id: b.id, cost: -1 });
    expect(failedBad.errors![0]!.extensions!.field).toBe('cost');
    // A requeued failure's cost counts, but the task is not finished; its next attempt adds to it.
    expect((await s.ok(FailWithCostDocument, { id: b.id, cost: 0.5, retry: true })).failTask).toMatchObject({ status: 'PENDING', cost: 0.5 });
    await s.db.task.update({ where: { id: b.id }, data: { runAt: null } });
    const again = await take(t.queue.id);
    expect(again.id).toBe(b.id);
    expect((await complete(b.id, 1)).completeTask).toMatchObject({ status: 'COMPLETED', cost: 1.5 });
    // No cost reported: the task finished, nothing added.
    const c = await take(t.queue.id);
    expect((await complete(c.id)).completeTask).toMatchObject({ status: 'COMPLETED', cost: null });

    const after = await teamOf(t.id);
    expect(after.spent).toEqual({ cost: 1.75, tasks: 3 });
    expect(after.queue.spent).toEqual({ cost: 1.75, tasks: 3 });
  });

  it('batches charge each item and answer per item; a bad cost in any item refuses the batch', async () => {
    const t = await budgetTeam();
    await enqueue(t.queue.id, 3);
    const [a, b, c] = (await s.ok(DequeueTasksDocument, { queueId: t.queue.id, agentId: 'batcher', limit: 3 })).dequeueTasks;
    const bad = await s.gql(CompleteTasksDocument, { items: [{ id: a!.id, cost: 1 }, { id: b!.id, cost: -2 }] });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('items[1].cost');
    const done = (await s.ok(CompleteTasksDocument, { items: [{ id: a!.id, cost: 1 }, { id: b!.id, cost: 2 }, { id: 'wt_missing', cost: 100 }] }))
      .completeTasks;
    expect(done.map((o) => o.ok)).toEqual([true, true, false]);
    const failed = (await s.ok(FailTasksDocument, { items: [{ id: c!.id, error: 'no', cost: 0.5 }] })).failTasks;
    expect(failed[0]!.ok).toBe(true);
    expect((await teamOf(t.id)).spent).toEqual({ cost: 3.5, tasks: 3 });
  });

  it('is accounted for a queue without a team on the queue only', async () => {
    const q = (await s.ok(CreateWorkQueueDocument, { input: { name: 'solo' } })).createWorkQueue;
    await s.ok(EnqueueTaskDocument, { queueId: q.id, input: { name: 'x' } });
    const task = await take(q.id);
    expect((await complete(task.id, 7)).completeTask.cost).toBe(7);
    const budgets = await s.db.teamBudget.findMany({ where: { team: { ownerId: 'alice' } } });
    expect(budgets.every((b) => b.spentCost !== 7 || b.spentTasks === 0)).toBe(true);
  });
});

describe('at the limit the team pauses', () => {
  it('at maxTasks: claims, batch claims and steals hand out nothing, members stay IDLE/BUSY', async () => {
    const t = await budgetTeam({ maxTasks: 2 });
    // A second queue of the team's steal group (not the team's own), to steal from and to steal into.
    const other = (await s.ok(CreateWorkQueueDocument, { input: { name: 'side', teamId: t.id } })).createWorkQueue;
    await enqueue(t.queue.id, 4);
    await enqueue(other.id, 2);
    const held = await take(t.queue.id, 'agent-3'); // in flight when the team pauses
    await complete((await take(t.queue.id)).id);
    expect((await teamOf(t.id)).status).toBe('ACTIVE');
    await complete((await take(t.queue.id)).id);

    const paused = await teamOf(t.id);
    expect(paused).toMatchObject({ status: 'PAUSED', spent: { cost: 0, tasks: 2 } });
    expect(paused.pausedAt).not.toBeNull();
    expect(Object.fromEntries(paused.members.map((m) => [m.name, m.state]))).toEqual({ 'agent-1': 'IDLE', 'agent-2': 'IDLE', 'agent-3': 'BUSY' });

    expect((await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'worker' })).dequeueTask).toBeNull();
    expect((await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'agent-1' })).dequeueTask).toBeNull();
    expect((await s.ok(DequeueTasksDocument, { queueId: t.queue.id, agentId: 'worker', limit: 5 })).dequeueTasks).toEqual([]);
    expect((await s.ok(DequeueTaskDocument, { queueId: other.id, agentId: 'worker' })).dequeueTask).toBeNull();
    expect((await s.ok(StealTaskDocument, { queueId: other.id, agentId: 'thief' })).stealTask).toBeNull();
    expect((await s.ok(StealTaskDocument, { queueId: t.queue.id, agentId: 'agent-2' })).stealTask).toBeNull();

    // Work already assigned may finish, and counts.
    await complete(held.id, 0.5);
    expect((await teamOf(t.id)).spent).toEqual({ cost: 0.5, tasks: 3 });
    expect(await s.db.task.count({ where: { queueId: { in: [t.queue.id, other.id] }, status: 'PENDING' } })).toBe(3);
    // Enqueueing still works: the work waits for the resume.
    expect((await s.ok(EnqueueTaskDocument, { queueId: t.queue.id, input: { name: 'later' } })).enqueueTask.status).toBe('PENDING');
  });

  it('at maxCost, also through a requeued failure', async () => {
    const t = await budgetTeam({ maxCost: 1 });
    await enqueue(t.queue.id, 3);
    await complete((await take(t.queue.id)).id, 0.6);
    expect((await teamOf(t.id)).status).toBe('ACTIVE');
    const b = await take(t.queue.id);
    expect((await s.ok(FailWithCostDocument, { id: b.id, cost: 0.4, retry: true })).failTask.status).toBe('PENDING');
    expect(await teamOf(t.id)).toMatchObject({ status: 'PAUSED', spent: { cost: 1, tasks: 1 } });
    const event = await s.db.teamEvent.findFirst({ where: { teamId: t.id, type: 'BUDGET_EXHAUSTED' } });
    expect(event?.detail).toEqual({ limit: 'maxCost', spent: { cost: 1, tasks: 1 }, budget: { maxCost: 1, maxTasks: null } });
  });

  it('dispatch and background tasks answer CONFLICT naming the budget', async () => {
    const t = await budgetTeam({ maxTasks: 1 });
    await enqueue(t.queue.id, 1);
    await complete((await take(t.queue.id)).id, 2);
    const dispatched = await s.gql(DispatchToTeamDocument, { teamId: t.id, input: { task: 'more', parallel: true } });
    expect(errorCode(dispatched)).toBe('CONFLICT');
    expect(dispatched.errors![0]!.message).toBe(
      `team ${t.id} is paused: its budget is exhausted (spent cost 2 of maxCost unlimited, 1 tasks of maxTasks 1); raise it with setTeamBudget, then resumeTeam`,
    );
    const background = await s.gql(StartBackgroundTaskDocument, { teamId: t.id, input: { task: 'watch' } });
    expect(errorCode(background)).toBe('CONFLICT');
    expect(background.errors![0]!.message).toContain('budget is exhausted');
    expect(await s.db.dispatch.count({ where: { teamId: t.id } })).toBe(0);
    expect(await s.db.task.count({ where: { queueId: t.queue.id } })).toBe(1);
  });

  it('sends BUDGET_EXHAUSTED on the teamEvents subscription', async () => {
    const t = await budgetTeam({ maxTasks: 1, maxCost: 100 });
    await enqueue(t.queue.id, 2);
    const ws = await s.wsClient();
    const events = collect(ws.client, BudgetTeamEventsDocument, { teamId: t.id });
    await s.whenSubscribed('teamEvents', t.id);
    await complete((await take(t.queue.id)).id, 3);
    await eventually(() => expect(events.items.map((e) => e.teamEvents.type)).toContain('BUDGET_EXHAUSTED'));
    const exhausted = events.items.find((e) => e.teamEvents.type === 'BUDGET_EXHAUSTED')!.teamEvents;
    expect(exhausted).toMatchObject({ limit: 'maxTasks', spent: { cost: 3, tasks: 1 }, budget: { maxCost: 100, maxTasks: 1 } });
    events.stop();
  });

  it('does not touch a team without a budget', async () => {
    const t = await budgetTeam(null);
    await enqueue(t.queue.id, 5);
    for (let i = 0; i < 5; i++) await complete((await take(t.queue.id)).id, 1e9);
    expect(await teamOf(t.id)).toMatchObject({ status: 'ACTIVE', spent: { cost: 5e9, tasks: 5 } });
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'BUDGET_EXHAUSTED' } })).toBe(0);
  });
});

describe('setTeamBudget and resumeTeam', () => {
  it('resume is CONFLICT while exhausted; after raising the budget it resumes and wakes a waiting dequeue', async () => {
    const t = await budgetTeam({ maxTasks: 1 });
    await enqueue(t.queue.id, 3);
    await complete((await take(t.queue.id)).id);
    expect((await teamOf(t.id)).status).toBe('PAUSED');

    const early = await s.gql(ResumeTeamDocument, { teamId: t.id });
    expect(errorCode(early)).toBe('CONFLICT');
    expect(early.errors![0]!.message).toContain('budget is exhausted');

    // A long poll waits while the team is paused…
    const waiting = s.ok(DequeueTaskWaitingDocument, { queueId: t.queue.id, agentId: 'patient', waitSeconds: 20 });
    await s.whenSubscribed('work', t.queue.id);

    const raised = (await s.ok(SetTeamBudgetDocument, { teamId: t.id, budget: { maxTasks: 5, maxCost: 10 } })).setTeamBudget;
    expect(raised).toMatchObject({ status: 'PAUSED', budget: { maxTasks: 5, maxCost: 10 } });
    const resumed = (await s.ok(ResumeTeamDocument, { teamId: t.id })).resumeTeam;
    expect(resumed).toMatchObject({ status: 'ACTIVE', pausedAt: null, spent: { tasks: 1 } });
    // …and is woken by the resume.
    const woken = (await waiting).dequeueTask;
    expect(woken?.assignedAgentId).toBe('patient');
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'TEAM_RESUMED' } })).toBe(1);
    // Resuming an active team changes nothing.
    expect((await s.ok(ResumeTeamDocument, { teamId: t.id })).resumeTeam.status).toBe('ACTIVE');
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'TEAM_RESUMED' } })).toBe(1);
  });

  it('a budget set at or below what was spent pauses at once; removing the limits allows a resume', async () => {
    const t = await budgetTeam();
    await enqueue(t.queue.id, 2);
    await complete((await take(t.queue.id)).id, 4);
    const lowered = (await s.ok(SetTeamBudgetDocument, { teamId: t.id, budget: { maxCost: 4 } })).setTeamBudget;
    expect(lowered).toMatchObject({ status: 'PAUSED', budget: { maxCost: 4, maxTasks: null } });
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'BUDGET_EXHAUSTED' } })).toBe(1);
    const cleared = (await s.ok(SetTeamBudgetDocument, { teamId: t.id, budget: {} })).setTeamBudget;
    expect(cleared.budget).toEqual({ maxCost: null, maxTasks: null });
    expect((await s.ok(ResumeTeamDocument, { teamId: t.id })).resumeTeam.status).toBe('ACTIVE');
    expect((await take(t.queue.id)).assignedAgentId).toBe('worker');
  });

  it('refuses bad budgets, missing teams and stopped teams', async () => {
    const t = await budgetTeam({ maxTasks: 4 });
    const bad = await s.gql(SetTeamBudgetDocument, { teamId: t.id, budget: { maxCost: -2 } });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.field).toBe('budget.maxCost');
    expect((await teamOf(t.id)).budget).toEqual({ maxCost: null, maxTasks: 4 });
    expect(errorCode(await s.gql(SetTeamBudgetDocument, { teamId: 'team-missing', budget: {} }))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(ResumeTeamDocument, { teamId: 'team-missing' }))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(SetTeamBudgetDocument, { teamId: t.id, budget: {} }, 'mallory'))).toBe('NOT_FOUND');
    await s.ok(StopTeamDocument, { id: t.id });
    expect(errorCode(await s.gql(SetTeamBudgetDocument, { teamId: t.id, budget: {} }))).toBe('CONFLICT');
    expect(errorCode(await s.gql(ResumeTeamDocument, { teamId: t.id }))).toBe('CONFLICT');
  });

  it('stops a paused team', async () => {
    const t = await budgetTeam({ maxTasks: 1 });
    await enqueue(t.queue.id, 2);
    await complete((await take(t.queue.id)).id);
    const stopped = (await s.ok(StopTeamDocument, { id: t.id })).stopTeam;
    expect(stopped.status).toBe('STOPPED');
    expect(await teamOf(t.id)).toMatchObject({ status: 'STOPPED', pausedAt: null });
    expect(await s.db.task.count({ where: { queueId: t.queue.id, status: 'CANCELLED' } })).toBe(1);
  });
});

describe('races', () => {
  it('20 agents completing at once: every cost counts, the team pauses once', async () => {
    const t = await budgetTeam({ maxCost: 5, maxTasks: 50 });
    await enqueue(t.queue.id, 30);
    const held = await Promise.all(Array.from({ length: 20 }, (_, i) => take(t.queue.id, `racer-${i}`)));
    const done = await Promise.all(held.map((task) => s.gql(CompleteWithCostDocument, { id: task.id, cost: 0.5 })));
    expect(done.every((r) => r.data?.completeTask.status === 'COMPLETED')).toBe(true);
    // In flight when the limit was reached: they finish and count, nothing more is handed out.
    expect(await teamOf(t.id)).toMatchObject({ status: 'PAUSED', spent: { cost: 10, tasks: 20 } });
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'BUDGET_EXHAUSTED' } })).toBe(1);
    expect((await s.ok(DequeueTaskDocument, { queueId: t.queue.id, agentId: 'late' })).dequeueTask).toBeNull();
    expect(await s.db.task.count({ where: { queueId: t.queue.id, status: 'PENDING' } })).toBe(10);
  });

  it('agents claiming and completing concurrently never overspend by more than the tasks in flight', async () => {
    const agents = 8;
    const maxTasks = 10;
    const t = await budgetTeam({ maxTasks, maxCost: 1000 });
    await enqueue(t.queue.id, 80);
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: agents }, async (_, i) => {
        for (;;) {
          const res = await s.gql(DequeueTaskDocument, { queueId: t.queue.id, agentId: `loop-${i}` });
          const task = res.data?.dequeueTask;
          if (!task) return;
          claimed.push(task.id);
          await complete(task.id, 1);
        }
      }),
    );
    // When the limit was reached at most agents − 1 other tasks were held; none was claimed later.
    expect(claimed.length).toBeGreaterThanOrEqual(maxTasks);
    expect(claimed.length).toBeLessThanOrEqual(maxTasks + agents - 1);
    expect(new Set(claimed).size).toBe(claimed.length);
    const after = await teamOf(t.id);
    expect(after).toMatchObject({ status: 'PAUSED', spent: { cost: claimed.length, tasks: claimed.length } });
    expect(await s.db.task.count({ where: { queueId: t.queue.id, status: 'PENDING' } })).toBe(80 - claimed.length);
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'BUDGET_EXHAUSTED' } })).toBe(1);
  });
});

describe('a pausing finish against a kill-switch stop', () => {
  it('the deadlock PostgreSQL breaks is retried: the finish then sees the task cancelled, no error escapes', async () => {
    const t = await budgetTeam({ maxTasks: 1 });
    await enqueue(t.queue.id, 1);
    const task = await take(t.queue.id);
    // The stop's order, statement by statement (stopTeam with cancelRunning): the team row, then the tasks.
    const stopper = new pg.Client({ connectionString: s.url });
    await stopper.connect();
    try {
      // The stopper checks for deadlocks only after the finish would have (1 s): the finish is the
      // one PostgreSQL aborts, whatever the machine's load (the side under test is the finish's retry).
      await stopper.query(`SET deadlock_timeout = '20s'`);
      await stopper.query('BEGIN');
      await stopper.query(`UPDATE teams SET status = 'STOPPED', stopped_at = now() WHERE id = $1`, [t.id]);
      // The finish updates the task, then its budget step waits to pause the team (its row is the stop's).
      const completing = s.gql(CompleteWithCostDocument, { id: task.id, cost: 1 });
      const waitingOnLocks = async () =>
        (await s.handle.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))
          .rows[0].n as number;
      await waitFor(async () => (await waitingOnLocks()) === 1, { what: 'the finish waiting for the team row' });
      // The stop now cancels the running task, which the finish holds: a deadlock, broken after deadlock_timeout.
      await stopper.query(`UPDATE tasks SET status = 'CANCELLED', error = 'team stopped; running work cancelled' WHERE id = $1`, [task.id]);
      await stopper.query('COMMIT');
      const res = await completing;
      // (Its second run waited for the stop's commit; it says the task changed or was cancelled.)
      expect(errorCode(res)).toBe('CONFLICT');
      expect(res.errors![0]!.message).toMatch(/changed concurrently|was cancelled/);
    } finally {
      await stopper.end();
    }
    expect(await teamOf(t.id)).toMatchObject({ status: 'STOPPED', spent: { cost: 0, tasks: 0 } });
    expect((await s.ok(TaskDocument, { id: task.id })).task!.status).toBe('CANCELLED');
    expect(await s.db.teamEvent.count({ where: { teamId: t.id, type: 'BUDGET_EXHAUSTED' } })).toBe(0);
  });
});

describe('REST', () => {
  it('creates a team with budget {max_cost, max_tasks} and shows it with what was spent', async () => {
    const res = await rest(s, 'POST', '/api/v1/teams', { body: { name: 'rest-budget', budget: { max_cost: 3.5, max_tasks: 2 } } });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ status: 'active', paused_at: null, budget: { max_cost: 3.5, max_tasks: 2 }, spent: { cost: 0, tasks: 0 } });
  });

  it.each([
    [{ max_cost: -1 }, 'budget.max_cost'],
    [{ max_tasks: 0 }, 'budget.max_tasks'],
    [{ max_cost: 'lots' }, 'budget'],
  ])('answers 400 for the budget %j naming %s', async (budget, field) => {
    const res = await rest(s, 'POST', '/api/v1/teams', { body: { name: 'rest-bad-budget', budget }, owner: 'rest-validator' });
    expect(res.status).toBe(400);
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe('BAD_USER_INPUT');
    expect(res.body.error.message).toContain(field);
    expect(await s.db.team.count({ where: { ownerId: 'rest-validator' } })).toBe(0);
  });

  it('answers 400 for NaN (not JSON) and for a number too large to be finite', async () => {
    const nan = await rest(s, 'POST', '/api/v1/teams', { body: '{"name": "nan", "budget": {"max_cost": NaN}}', owner: 'rest-validator' });
    expect(nan.status).toBe(400);
    const huge = await rest(s, 'POST', '/api/v1/teams', { body: '{"name": "huge", "budget": {"max_cost": 1e400}}', owner: 'rest-validator' });
    expect(huge.status).toBe(400);
    expect(huge.body.error.message).toMatch(/max_cost|maxCost/);
    expect(await s.db.team.count({ where: { ownerId: 'rest-validator' } })).toBe(0);
  });

  it('complete and fail take a cost (400 when negative); dispatch to a paused team is 409; budget and resume routes', async () => {
    const created = await rest(s, 'POST', '/api/v1/teams', { body: { name: 'rest-flow', size: 2, budget: { max_tasks: 1 } } });
    const teamId = created.body.data.id as string;
    const queueId = created.body.data.queue.id as string;
    await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'one' } });
    await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'two' } });
    const task = (await rest(s, 'POST', `/work-queues/${queueId}/dequeue`, { body: { agentId: 'rest-worker' } })).body;

    const negative = await rest(s, 'POST', `/work-queue-tasks/${task.id}/complete`, { body: { result: {}, cost: -1 } });
    expect(negative.status).toBe(400);
    expect(negative.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'cost' });
    const wrongType = await rest(s, 'POST', `/work-queue-tasks/${task.id}/fail`, { body: { error: 'x', cost: 'free' } });
    expect(wrongType.status).toBe(400);
    const done = await rest(s, 'POST', `/work-queue-tasks/${task.id}/complete`, { body: { result: {}, cost: 0.75 } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', cost: 0.75 });

    const team = await rest(s, 'GET', `/api/v1/teams/${teamId}`);
    expect(team.body.data).toMatchObject({ status: 'paused', spent: { cost: 0.75, tasks: 1 } });
    expect((await rest(s, 'POST', `/work-queues/${queueId}/dequeue`, { body: { agentId: 'rest-worker' } })).status).toBe(204);
    const dispatch = await rest(s, 'POST', `/api/v1/teams/${teamId}/dispatch`, { body: { task: 'more' } });
    expect(dispatch.status).toBe(409);
    expect(dispatch.body.error.message).toContain('budget is exhausted');
    expect((await rest(s, 'POST', `/api/v1/teams/${teamId}/resume`)).status).toBe(409);

    const badBudget = await rest(s, 'POST', `/api/v1/teams/${teamId}/budget`, { body: { max_tasks: -1 } });
    expect(badBudget.status).toBe(400);
    expect(badBudget.body.error.field).toBe('max_tasks');
    const raised = await rest(s, 'POST', `/api/v1/teams/${teamId}/budget`, { body: { max_tasks: 5, max_cost: 9 } });
    expect(raised.status).toBe(200);
    expect(raised.body.data).toMatchObject({ status: 'paused', budget: { max_cost: 9, max_tasks: 5 } });
    const resumed = await rest(s, 'POST', `/api/v1/teams/${teamId}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.data.status).toBe('active');
    expect((await rest(s, 'POST', `/work-queues/${queueId}/dequeue`, { body: { agentId: 'rest-worker' } })).status).toBe(200);
    const queue = await rest(s, 'GET', `/work-queues/${queueId}`);
    expect(queue.body.spent).toEqual({ cost: 0.75, tasks: 1 });
  });
});
