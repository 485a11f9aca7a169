import { statement } from '../../db/statement.js';

/**
 * Pending tasks of several queues by priority, with the oldest one's creation time (a scan of
 * the claimable index: its cost follows the depth, not the history).
 */
export const pendingByPriority = statement<{ queueIds: string[] }, { queueId: string; priority: number; count: number; oldestCreatedAt: Date }>(
  'queues_pending_by_priority',
  `SELECT queue_id AS "queueId", priority, count(*)::int AS count, min(created_at) AS "oldestCreatedAt"
   FROM tasks WHERE queue_id = ANY($1::text[]) AND status = 'PENDING'
   GROUP BY queue_id, priority ORDER BY queue_id, priority DESC`,
  (p) => [p.queueIds],
);
