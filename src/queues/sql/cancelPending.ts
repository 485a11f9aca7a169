import { statement } from '../../db/statement.js';

/** Cancels the work not started (pending or blocked) of the given queues with a reason (a queue deleted, a team stopped). */
export const cancelPending = statement<{ queueIds: string[]; reason: string }>(
  'queues_cancel_pending',
  `UPDATE tasks SET status = 'CANCELLED', error = $2 WHERE queue_id = ANY($1::text[]) AND status IN ('PENDING', 'BLOCKED')`,
  (p) => [p.queueIds, p.reason],
);
