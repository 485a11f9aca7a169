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
    expect(await migrate(database.url)).toEqual(['20261201150027_core_lifecycle']);

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
  });
});
