import { statement } from '../../db/statement.js';

export interface PageParams {
  queueIds: string[];
  /** Only tasks in this status. */
  status: string | null;
  /** Only dead letters (true) or only other tasks (false). */
  exhausted: boolean | null;
  /** The seq to read past (exclusive), or null from the start. */
  afterSeq: string | null;
  limit: number;
}

// One statement for the pages of many queues (a dashboard listing queues with their tasks): each
// queue's page is its own LIMIT in a lateral subquery, so a deep queue is never read whole.
const pageTasks = (backward: boolean) =>
  statement<PageParams, { parentId: string; id: string }>(
    backward ? 'queues_page_tasks_backward' : 'queues_page_tasks',
    `SELECT p.queue_id AS "parentId", t.id
     FROM unnest($1::text[]) AS p(queue_id)
     CROSS JOIN LATERAL (
       SELECT id, seq FROM tasks
       WHERE queue_id = p.queue_id
         AND ($2::"TaskStatus" IS NULL OR status = $2::"TaskStatus")
         AND ($3::bigint IS NULL OR seq ${backward ? '<' : '>'} $3::bigint)
         AND ($5::boolean IS NULL OR exhausted = $5::boolean)
       ORDER BY seq ${backward ? 'DESC' : 'ASC'}
       LIMIT $4
     ) t
     ORDER BY 1, t.seq ${backward ? 'DESC' : 'ASC'}`,
    (p) => [p.queueIds, p.status, p.afterSeq, p.limit, p.exhausted],
  );

/** Ids of each queue's tasks after a seq, in queue order, per queue. */
export const pageTasksForward = pageTasks(false);
/** Ids of each queue's tasks before a seq, nearest first, per queue. */
export const pageTasksBackward = pageTasks(true);
