import { statement } from '../../db/statement.js';

/** How many of a queue's latest events a throughput count reads at most: it stays cheap however long the history. */
export const THROUGHPUT_SCAN = 10_000;

export interface ThroughputRow {
  queueId: string;
  /** The queue's latest event id when counted (text: a bigint): later events are not in the counts. */
  lastEventId: string | null;
  minutes: Array<{ minute: string; completed: number; failed: number }>;
}

/**
 * Tasks completed and failed per minute over the last `minutes` minutes, per queue, from the
 * task events (by the (queue_id, id) index, newest first, at most THROUGHPUT_SCAN of them), with
 * the id of the queue's latest event, so a live subscriber can add later events without double counting.
 */
export const throughput = statement<{ queueIds: string[]; minutes: number }, ThroughputRow>(
  'queues_throughput',
  `SELECT q.id AS "queueId",
     (SELECT max(id)::text FROM task_events WHERE queue_id = q.id) AS "lastEventId",
     COALESCE((
       SELECT json_agg(json_build_object('minute', m.minute, 'completed', m.completed, 'failed', m.failed) ORDER BY m.minute)
       FROM (
         SELECT date_trunc('minute', e.created_at) AS minute,
                count(*) FILTER (WHERE e.type = 'COMPLETED')::int AS completed,
                count(*) FILTER (WHERE e.type = 'FAILED')::int AS failed
         FROM (SELECT type, created_at FROM task_events WHERE queue_id = q.id ORDER BY id DESC LIMIT ${THROUGHPUT_SCAN}) e
         WHERE e.created_at >= date_trunc('minute', now()) - make_interval(mins => $2 - 1)
           AND e.type IN ('COMPLETED', 'FAILED')
         GROUP BY 1
       ) m
     ), '[]') AS minutes
   FROM unnest($1::text[]) AS q(id)`,
  (p) => [p.queueIds, p.minutes],
);
