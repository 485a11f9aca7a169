import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

// A database created and filled by the previous release (schema of 20261122071716) upgrades in
// place: the queue→team link becomes a foreign key, the lifecycle constraints hold for old rows.
const PREVIOUS = '20261122071716_sweeper_indexes';
let database: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.$executeRawUnsafe('DROP SCHEMA public CASCADE');
  await database.db.$executeRawUnsafe('CREATE SCHEMA public');
  await migrate(database.url, { through: PREVIOUS });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await database.drop();
});

describe('upgrading a filled database of the previous release', () => {
  it('migrates its rows into the new shape', async () => {
    // What the previous release wrote, including the inconsistencies it allowed.
    await client.query(`
      INSERT INTO owners (id) VALUES ('alice'), ('bob');
      INSERT INTO work_queues (id, owner_id, name, team_id) VALUES
        ('wq_team', 'alice', 'team queue', 'team-1'),
        ('wq_group', 'alice', 'grouped', 'engineering'),
        ('wq_foreign', 'bob', 'same text, other owner', 'team-1');
      INSERT INTO teams (id, owner_id, name, size, queue_id, status, stopped_at) VALUES ('team-1', 'alice', 'one', 2, 'wq_team', 'ACTIVE', NULL);
      INSERT INTO team_members (team_id, name, position) VALUES ('team-1', 'agent-1', 1), ('team-1', 'agent-2', 2);
      INSERT INTO tasks (id, queue_id, name, status, created_at, finished_at, completed_at, error, result) VALUES
        ('wt_done', 'wq_team', 'done', 'COMPLETED', now(), NULL, now() + interval '1 second', 'old error', '{"ok":true}'),
        ('wt_expired', 'wq_group', 'expired', 'EXPIRED', now(), now() - interval '1 second', NULL, 'deadline passed', NULL);
      INSERT INTO tasks (id, queue_id, name, status, assigned_at, error) VALUES ('wt_requeued', 'wq_group', 'requeued', 'PENDING', now(), 'lease expired');
      INSERT INTO tasks (id, queue_id, name, status, assigned_agent_id, assigned_at, lease_token, lease_expires_at, attempts)
        VALUES ('wt_held', 'wq_team', 'held', 'ASSIGNED', 'agent-1', now(), 'tok', now() + interval '5 minutes', 1);
      INSERT INTO messages (id, team_id, seq, from_agent, body) VALUES ('msg_1', 'team-1', 1, 'agent-1', 'hello');
      UPDATE teams SET message_seq = 1;
    `);
    expect((await migrate(database.url))[0]).toBe('20261201150027_core_lifecycle');

    const queues = await client.query('SELECT id, steal_group, team_id FROM work_queues ORDER BY id');
    expect(queues.rows).toEqual([
      { id: 'wq_foreign', steal_group: 'team-1', team_id: null },
      { id: 'wq_group', steal_group: 'engineering', team_id: null },
      { id: 'wq_team', steal_group: 'team-1', team_id: 'team-1' },
    ]);
    const tasks = await client.query(
      `SELECT id, status, error, assigned_at IS NULL AS unassigned, finished_at >= created_at AS finished_after_creation FROM tasks ORDER BY id`,
    );
    expect(tasks.rows).toEqual([
      { id: 'wt_done', status: 'COMPLETED', error: null, unassigned: true, finished_after_creation: true },
      { id: 'wt_expired', status: 'EXPIRED', error: 'deadline passed', unassigned: true, finished_after_creation: true },
      { id: 'wt_held', status: 'ASSIGNED', error: null, unassigned: false, finished_after_creation: null },
      { id: 'wt_requeued', status: 'PENDING', error: 'lease expired', unassigned: true, finished_after_creation: null },
    ]);
    const members = await client.query(`SELECT name, state, current_task_id FROM team_member_states ORDER BY name`);
    expect(members.rows).toEqual([
      { name: 'agent-1', state: 'BUSY', current_task_id: 'wt_held' },
      { name: 'agent-2', state: 'IDLE', current_task_id: null },
    ]);
    expect((await client.query('SELECT log_id FROM messages')).rows).toEqual([{ log_id: '1' }]);
    // The upgraded database enforces the lifecycle from now on.
    await expect(client.query(`UPDATE tasks SET lease_token = NULL WHERE id = 'wt_held'`)).rejects.toThrow(/tasks_lease_iff_assigned/);
    // Task control: queues get the default retry backoff; old tasks are due at once, not exhausted.
    const backoffs = await client.query(`SELECT DISTINCT retry_backoff FROM work_queues`);
    expect(backoffs.rows).toEqual([{ retry_backoff: { initialSeconds: 10, factor: 2, maxSeconds: 3600, jitter: 0.2 } }]);
    const control = await client.query(`SELECT count(*)::int AS n FROM tasks WHERE run_at IS NULL AND NOT exhausted`);
    expect(control.rows).toEqual([{ n: 4 }]);
  });
});

describe('upgrading a filled database of the core-lifecycle release to task control', () => {
  it('keeps its rows valid and drives them through the new states', async () => {
    const db = await createTestDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await db.db.$executeRawUnsafe('DROP SCHEMA public CASCADE');
      await db.db.$executeRawUnsafe('CREATE SCHEMA public');
      await migrate(db.url, { through: '20261201150027_core_lifecycle' });
      await c.query(`
        INSERT INTO owners (id) VALUES ('alice');
        INSERT INTO work_queues (id, owner_id, name) VALUES ('wq_1', 'alice', 'q');
        INSERT INTO work_queues (id, owner_id, name, steal_group, team_id) VALUES ('wq_t', 'alice', 't', 'team-1', 'team-1');
        INSERT INTO teams (id, owner_id, name, size, queue_id) VALUES ('team-1', 'alice', 't', 1, 'wq_t');
        INSERT INTO team_members (team_id, name, position) VALUES ('team-1', 'agent-1', 1);
        INSERT INTO dispatches (id, team_id, task, tools, parallel) VALUES ('dsp_1', 'team-1', 'x', '{}', false);
        INSERT INTO tasks (id, queue_id, name) VALUES ('wt_pending', 'wq_1', 'p'), ('wt_failed', 'wq_1', 'f');
        INSERT INTO tasks (id, queue_id, name, dispatch_id) VALUES ('wt_team', 'wq_t', 'held', 'dsp_1');
        UPDATE tasks SET status = 'ASSIGNED', assigned_agent_id = 'agent-1', lease_token = 'tok',
                         lease_expires_at = now() + interval '5 minutes' WHERE id IN ('wt_failed', 'wt_team');
        UPDATE tasks SET status = 'FAILED', error = 'old failure' WHERE id = 'wt_failed';
      `);
      const applied = await migrate(db.url);
      expect(applied).toContain('20261201155708_dependencies');
      expect((await c.query(`SELECT completion FROM dispatches`)).rows).toEqual([{ completion: 'ALL' }]);
      // The old rows take the new transitions: a wait for input, a redrive, a dependency.
      await c.query(`UPDATE tasks SET status = 'INPUT_REQUIRED', input_request = '{"q": 1}' WHERE id = 'wt_team'`);
      expect((await c.query(`SELECT state FROM team_member_states`)).rows).toEqual([{ state: 'BUSY' }]);
      await c.query(`UPDATE tasks SET status = 'PENDING' WHERE id = 'wt_failed'`);
      await c.query(`INSERT INTO tasks (id, queue_id, name, status) VALUES ('wt_next', 'wq_1', 'n', 'BLOCKED')`);
      await c.query(`INSERT INTO task_dependencies (task_id, depends_on_id) VALUES ('wt_next', 'wt_pending')`);
      await c.query(`UPDATE tasks SET status = 'CANCELLED', error = 'no' WHERE id = 'wt_pending'`);
      const rows = await c.query(`SELECT id, status::text, error FROM tasks WHERE id IN ('wt_failed', 'wt_next') ORDER BY id`);
      expect(rows.rows).toEqual([
        { id: 'wt_failed', status: 'PENDING', error: 'old failure' },
        { id: 'wt_next', status: 'CANCELLED', error: 'dependency wt_pending ended CANCELLED' },
      ]);
      const types = await c.query(`SELECT type::text FROM task_events WHERE task_id IN ('wt_team', 'wt_failed') ORDER BY id`);
      expect(types.rows.map((r) => r.type).slice(-3)).toEqual(['FAILED', 'INPUT_REQUIRED', 'RETRIED']);
    } finally {
      await c.end();
      await db.drop();
    }
  });
});

describe('upgrading a filled database of the agent-tokens release to team budgets', () => {
  it('gives every team its budget row with what its queues finished, and enforces the budget lifecycle', async () => {
    const db = await createTestDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await db.db.$executeRawUnsafe('DROP SCHEMA public CASCADE');
      await db.db.$executeRawUnsafe('CREATE SCHEMA public');
      await migrate(db.url, { through: '20261207160024_agent_token_versions' });
      await c.query(`
        INSERT INTO owners (id) VALUES ('alice');
        INSERT INTO work_queues (id, owner_id, name, steal_group, team_id) VALUES ('wq_a', 'alice', 'a', 'team-a', 'team-a'),
                                                                                  ('wq_b', 'alice', 'b', 'team-b', 'team-b');
        INSERT INTO teams (id, owner_id, name, size, queue_id) VALUES ('team-a', 'alice', 'a', 1, 'wq_a'), ('team-b', 'alice', 'b', 1, 'wq_b');
        INSERT INTO team_members (team_id, name, position) VALUES ('team-a', 'agent-1', 1), ('team-b', 'agent-1', 1);
        INSERT INTO tasks (id, queue_id, name) VALUES ('wt_1', 'wq_a', '1'), ('wt_2', 'wq_a', '2'), ('wt_3', 'wq_a', '3');
        UPDATE tasks SET status = 'ASSIGNED', assigned_agent_id = 'agent-1', lease_token = 'tok', lease_expires_at = now() + interval '5 minutes'
          WHERE id IN ('wt_1', 'wt_2');
        UPDATE tasks SET status = 'COMPLETED' WHERE id = 'wt_1';
        UPDATE tasks SET status = 'FAILED', error = 'no' WHERE id = 'wt_2';
        UPDATE teams SET status = 'STOPPED', stopped_at = now() WHERE id = 'team-b';
      `);
      const applied = await migrate(db.url, { through: '20261207161010_team_budgets' });
      expect(applied).toEqual(['20261207161000_team_paused_state', '20261207161010_team_budgets']);
      const budgets = await c.query(`SELECT team_id, max_cost, max_tasks, spent_cost, spent_tasks FROM team_budgets ORDER BY team_id`);
      expect(budgets.rows).toEqual([
        { team_id: 'team-a', max_cost: null, max_tasks: null, spent_cost: 0, spent_tasks: 2 },
        { team_id: 'team-b', max_cost: null, max_tasks: null, spent_cost: 0, spent_tasks: 0 },
      ]);
      // A budget at what was spent pauses the team in the same statement, with its event.
      await c.query(`UPDATE team_budgets SET max_tasks = 2 WHERE team_id = 'team-a'`);
      expect((await c.query(`SELECT status::text, paused_at IS NOT NULL AS paused FROM teams WHERE id = 'team-a'`)).rows).toEqual([
        { status: 'PAUSED', paused: true },
      ]);
      expect((await c.query(`SELECT type::text FROM team_events WHERE team_id = 'team-a' AND type = 'BUDGET_EXHAUSTED'`)).rowCount).toBe(1);
      await expect(c.query(`UPDATE teams SET paused_at = NULL WHERE id = 'team-a'`)).rejects.toThrow(/teams_paused_iff_paused_at/);
      await expect(c.query(`UPDATE team_budgets SET max_cost = -1 WHERE team_id = 'team-a'`)).rejects.toThrow(/team_budgets_max_cost_positive/);
      await expect(c.query(`UPDATE team_budgets SET max_cost = 'NaN' WHERE team_id = 'team-a'`)).rejects.toThrow(/team_budgets_max_cost_positive/);
      await expect(c.query(`UPDATE tasks SET cost = -1 WHERE id = 'wt_1'`)).rejects.toThrow(/tasks_cost_range/);
      // A paused team keeps its name.
      await c.query(`INSERT INTO work_queues (id, owner_id, name) VALUES ('wq_c', 'alice', 'c')`);
      await expect(c.query(`INSERT INTO teams (id, owner_id, name, size, queue_id) VALUES ('team-c', 'alice', 'a', 1, 'wq_c')`)).rejects.toThrow(
        /teams_active_name_key/,
      );
    } finally {
      await c.end();
      await db.drop();
    }
  });
});
