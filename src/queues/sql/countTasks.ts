import { statement } from '../../db/statement.js';

/** Task counts by status for several queues at once (the dashboards' per-queue counts and depth). */
export const countTasksByStatus = statement<{ queueIds: string[] }, { queueId: string; status: string; count: number }>(
  'queues_count_by_status',
  `SELECT queue_id AS "queueId", status::text AS status, count(*)::int AS count
   FROM tasks WHERE queue_id = ANY($1::text[]) GROUP BY queue_id, status`,
  (p) => [p.queueIds],
);

/** Pending tasks of several queues at once: their depth (over the claimable index). */
export const countPending = statement<{ queueIds: string[] }, { queueId: string; count: number }>(
  'queues_count_pending',
  `SELECT queue_id AS "queueId", count(*)::int AS count
   FROM tasks WHERE queue_id = ANY($1::text[]) AND status = 'PENDING' GROUP BY queue_id`,
  (p) => [p.queueIds],
);
