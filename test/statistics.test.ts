// A new database's tasks table has no statistics until autovacuum's next round (up to a minute):
// meanwhile PostgreSQL takes a freshly filled queue for a few rows and claims by sorting all its
// pending tasks. The sweeper analyzes the table as soon as it has grown far past its statistics.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../src/queues/sweeper.js';
import { claimTasks } from '../src/queues/sql/claimTasks.js';
import { CreateWorkQueueDocument, EnqueueTasksDocument } from './generated/graphql.js';
import { eventually } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(); // its sweeper's timer is off: the test runs the passes
});
afterAll(() => s.stop());

describe('statistics of the tasks table', () => {
  it('are refreshed by the sweeper once the table outgrows them, and the claim then reads the queue in order', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'statistics' } })).createWorkQueue.id;
    for (let batch = 0; batch < 6; batch++) {
      const tasks = Array.from({ length: 500 }, (_, i) => ({ name: `t${batch}-${i}`, priority: 1 + (i % 5) }));
      await s.ok(EnqueueTasksDocument, { queueId, tasks });
    }
    const client = new pg.Client({ connectionString: s.url });
    await client.connect();
    try {
      const stats = async () =>
        (await client.query<{ analyzed: boolean; tuples: number }>(
          `SELECT s.last_analyze IS NOT NULL AS analyzed, c.reltuples AS tuples
           FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'tasks'::regclass`,
        )).rows[0]!;
      expect((await stats()).analyzed).toBe(false);
      // The inserts' counts reach the statistics views within a second (PostgreSQL flushes them
      // from each backend at most once a second): sweep until the pass has analyzed.
      const after = await eventually(
        async () => {
          await sweepOnce(s.handle);
          const now = await stats();
          expect(now.analyzed).toBe(true);
          return now;
        },
        { what: 'a sweeper pass to analyze tasks', timeoutMs: 15_000, intervalMs: 200 },
      );
      expect(after.tuples).toBeGreaterThanOrEqual(2_500);
      // The claim's generic plan reads the claimable index in hand-out order: no sort of the queue.
      await client.query('BEGIN');
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE claim_plan(text, text, text) AS ${claimTasks.text}`);
      const plan = (await client.query(`EXPLAIN EXECUTE claim_plan('alice', '${queueId}', 'agent')`)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      await client.query('ROLLBACK');
      expect(plan).toContain('tasks_claimable_idx');
      expect(plan).not.toMatch(/Sort Key: t\.priority/);
      // A second pass leaves fresh statistics alone.
      const before = (await client.query(`SELECT analyze_count FROM pg_stat_user_tables WHERE relid = 'tasks'::regclass`)).rows[0].analyze_count;
      await sweepOnce(s.handle);
      expect((await client.query(`SELECT analyze_count FROM pg_stat_user_tables WHERE relid = 'tasks'::regclass`)).rows[0].analyze_count).toBe(before);
    } finally {
      await client.end();
    }
  });
});
