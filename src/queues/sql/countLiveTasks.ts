import { statement } from '../../db/statement.js';

/**
 * Tasks waiting (PENDING) and running (ASSIGNED) per live queue, every queue of every owner, for
 * the metrics scrape: one round trip, counted over the partial indexes of those two statuses
 * (`tasks_claimable_idx`, `tasks_assigned_idx`), so it costs what is live, never the history.
 * Queues with none answer 0, so their series do not vanish.
 */
export const countLiveTasks = statement<Record<string, never>, { queueId: string; queueName: string; status: string; count: number }>(
  'queues_count_live_tasks',
  `WITH live AS (
     SELECT queue_id, 'pending' AS status, count(*) AS n FROM tasks WHERE status = 'PENDING' GROUP BY queue_id
     UNION ALL
     SELECT queue_id, 'assigned', count(*) FROM tasks WHERE status = 'ASSIGNED' GROUP BY queue_id
   )
   SELECT q.id AS "queueId", q.name AS "queueName", s.status, COALESCE(live.n, 0)::int AS count
   FROM work_queues q
   CROSS JOIN (VALUES ('pending'), ('assigned')) AS s(status)
   LEFT JOIN live ON live.queue_id = q.id AND live.status = s.status
   WHERE q.deleted_at IS NULL`,
  () => [],
);
