import { statement } from '../../db/statement.js';

/** Cancels the pending tasks of the given queues with a reason (a queue deleted, a team stopped). */
export const cancelPending = statement<{ queueIds: string[]; reason: string }>(
  'queues_cancel_pending',
  `UPDATE tasks SET status = 'CANCELLED', error = $2 WHERE queue_id = ANY($1::text[]) AND status = 'PENDING'`,
  (p) => [p.queueIds, p.reason],
);
