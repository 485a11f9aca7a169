import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimForAgents } from '../src/queues/sql/claimForAgents.js';
import { claimTasks } from '../src/queues/sql/claimTasks.js';
import { completeTasks } from '../src/queues/sql/completeTasks.js';
import { failTasks } from '../src/queues/sql/failTasks.js';
import { insertTasks, type NewTask } from '../src/queues/sql/insertTasks.js';
import { stealTask } from '../src/queues/sql/stealTask.js';
import { CreateWorkQueueDocument, EnqueueTasksDocument } from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The hot statements are planned once per connection: PostgreSQL keeps their generic plan instead
// of planning each call anew (a LIMIT, flag or array parameter it cannot see would make it plan
// every call, which cost more CPU than running the statement).
let s: TestServer;
let client: pg.Client;
beforeAll(async () => {
  s = await startTestServer();
  client = new pg.Client({ connectionString: s.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await s.stop();
});

describe('the hot statements', () => {
  it('run on generic plans after the first calls', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'plans' } })).createWorkQueue.id;
    await s.ok(EnqueueTasksDocument, { queueId, tasks: Array.from({ length: 30 }, (_, i) => ({ name: `t${i}` })) });
    // Statistics of a used database (plan costs depend on them): many tasks, analyzed.
    await client.query(
      `INSERT INTO tasks (id, queue_id, name, priority, payload)
       SELECT 'wt_plan' || g, $1, 'filler', 1, '{}' FROM generate_series(1, 20000) g`,
      [queueId],
    );
    await client.query('ANALYZE');
    for (let i = 0; i < 16; i++) {
      const [task] = await claimTasks.rows(client, { ownerId: 'alice', queueId, agentId: 'w', limit: 1, asMember: false });
      const item = { id: task!.id!, leaseToken: task!.leaseToken ?? null, agentId: null, cost: null };
      if (i % 2) await completeTasks.rows(client, { ownerId: 'alice', items: [{ ...item, result: { i } }] });
      else await failTasks.rows(client, { ownerId: 'alice', items: [{ ...item, error: 'x', retry: false }] });
      await stealTask.rows(client, { ownerId: 'alice', thiefQueueId: queueId, agentId: 'w', asMember: false });
      // Three agents at once (the claim prepared for up to four).
      const together = await claimForAgents.rows(client, { ownerId: 'alice', queueId, agentIds: [`a${i}`, `b${i}`, `c${i}`] });
      expect(together.filter((r) => r.id)).toHaveLength(3);
      // Enqueues: the plain one, and the one that hands its task to a waiting poll (handOff.ts).
      const newTask = (name: string): NewTask => ({
        id: `wt_plan_new_${name}_${i}`, name, priority: 3, payload: {}, deadline: null, idempotencyKey: null,
        maxAttempts: null, retryBackoff: null, runAt: null, delaySeconds: null, dependsOn: [],
      });
      await insertTasks.rows(client, { ownerId: 'alice', queueId, tasks: [newTask('plain')] });
      await insertTasks.rows(client, { ownerId: 'alice', queueId, tasks: [newTask('handed')], assignTo: 'poller' });
    }
    const { rows } = await client.query<{ name: string; generic_plans: string; custom_plans: string }>(
      'SELECT name, generic_plans, custom_plans FROM pg_prepared_statements',
    );
    const plans = Object.fromEntries(rows.map((r) => [r.name, { generic: Number(r.generic_plans), custom: Number(r.custom_plans) }]));
    for (const name of ['queues_claim_tasks', 'queues_complete_tasks', 'queues_fail_tasks', stealTask.name, 'queues_claim_for_agents_4', 'queues_insert_tasks', 'queues_insert_tasks_handed']) {
      expect(plans[name], name).toBeDefined();
      expect(plans[name]!.generic, name).toBeGreaterThan(0);
      expect(plans[name]!.custom, name).toBeLessThanOrEqual(5);
    }
  });
});
