import { statement } from '../../db/statement.js';

/** The costs reported for the tasks of several queues at once (queues without any have no row). */
export const sumCosts = statement<{ queueIds: string[] }, { queueId: string; cost: number }>(
  'queues_sum_costs',
  `SELECT queue_id AS "queueId", sum(cost) AS cost
   FROM tasks WHERE queue_id = ANY($1::text[]) AND cost IS NOT NULL GROUP BY queue_id`,
  (p) => [p.queueIds],
);
