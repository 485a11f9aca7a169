import { statement } from '../../db/statement.js';

/**
 * Task counts by status for several queues at once (the dashboards' per-queue counts), plus the
 * pending tasks not yet due as the pseudo-status DELAYED (over the index of delayed rows).
 */
export const countTasksByStatus = statement<{ queueIds: string[] }, { queueId: string; status: string; count: number }>(
  'queues_count_by_status',
  `SELECT queue_id AS "queueId", status::text AS status, count(*)::int AS count
   FROM tasks WHERE queue_id = ANY($1::text[]) GROUP BY queue_id, status
   UNION ALL
   SELECT queue_id, 'DELAYED', count(*)::int
   FROM tasks WHERE queue_id = ANY($1::text[]) AND status = 'PENDING' AND run_at > now() GROUP BY queue_id`,
  (p) => [p.queueIds],
);

/** Pending tasks that are due, of several queues at once: their depth (over the claimable index). */
export const countPending = statement<{ queueIds: string[] }, { queueId: string; count: number }>(
  'queues_count_pending',
  `SELECT queue_id AS "queueId", count(*)::int AS count
   FROM tasks WHERE queue_id = ANY($1::text[]) AND status = 'PENDING' AND (run_at IS NULL OR run_at <= now()) GROUP BY queue_id`,
  (p) => [p.queueIds],
);
