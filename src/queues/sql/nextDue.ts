import { statement } from '../../db/statement.js';

/**
 * When the next delayed task of a queue becomes due (a retry's backoff, a delayed enqueue): one
 * probe of `tasks_delayed_idx`. A long poll that found nothing claimable sleeps until then (or
 * until the bus rings), so a task becoming due wakes it without the table being polled.
 */
export const nextDueAt = statement<{ queueId: string }, { at: Date | null }>(
  'queues_next_due_at',
  `SELECT min(run_at) AS at FROM tasks WHERE queue_id = $1 AND status = 'PENDING' AND run_at > now()`,
  (p) => [p.queueId],
);
