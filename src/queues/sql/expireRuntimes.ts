import { statement } from '../../db/statement.js';

/** Background tasks assigned for longer than their max runtime fail, whatever their lease says. */
export const expireRuntimes = statement<{ limit: number }>(
  'queues_expire_runtimes',
  `WITH due AS (
     SELECT id FROM tasks
     WHERE status = 'ASSIGNED'
       AND max_runtime_seconds IS NOT NULL
       AND assigned_at + max_runtime_seconds * interval '1 second' <= now()
     ORDER BY assigned_at
     LIMIT $1
     FOR UPDATE SKIP LOCKED
   )
   UPDATE tasks t SET status = 'FAILED', error = 'exceeded max runtime of ' || t.max_runtime_seconds || ' seconds'
   FROM due WHERE t.id = due.id`,
  (p) => [p.limit],
);
