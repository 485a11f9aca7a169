import { itemsStatement } from '../../db/statement.js';
import { addCost, chargeTeams } from './chargeTeams.js';
import { FAILABLE, heldBy, itemsAnswer, markHoldersSeen, type ItemRow } from './finishOutcome.js';
import { taskColumns } from './taskColumns.js';

export interface FailItem {
  id: string;
  leaseToken: string | null;
  agentId: string | null;
  error: string;
  /** Requeue when attempts remain and the queue is open (not deleted, team not stopped). */
  retry: boolean;
  /** What this attempt cost, added to the task and its team's spend (also when requeued). */
  cost: number | null;
}

/**
 * Fails ASSIGNED (or INPUT_REQUIRED: the agent gives up waiting) tasks of the owner in one
 * statement, fenced per item like completeTasks. With `retry` and attempts left, in an open queue, the task goes back to PENDING, due after its
 * backoff (`retry_delay` of the queue's retryBackoff with the task's overrides); the error stays
 * as the reason it was requeued. Otherwise it is FAILED for good, `exhausted` when a retry was
 * asked for but its attempts ran out. The reported cost counts in either case (chargeTeams).
 */
export const failTasks = itemsStatement<{ ownerId: string; items: FailItem[] }, FailItem, ItemRow>('queues_fail_tasks', {
  leading: (p) => [p.ownerId],
  leadingCount: 1,
  columns: [
    { name: 'id', type: 'text', value: (i) => i.id },
    { name: 'lease_token', type: 'text', value: (i) => i.leaseToken },
    { name: 'agent_id', type: 'text', value: (i) => i.agentId },
    { name: 'error', type: 'text', value: (i) => i.error },
    { name: 'retry', type: 'boolean', value: (i) => i.retry },
    { name: 'cost', type: 'float8', value: (i) => i.cost },
  ],
  text: (items) => `WITH input AS (${items}),
   done AS (
     UPDATE tasks t
     SET status = CASE WHEN d.requeue THEN 'PENDING'::"TaskStatus" ELSE 'FAILED'::"TaskStatus" END,
         error = input.error,
         cost = ${addCost('t', 'input')},
         run_at = CASE WHEN d.requeue THEN now() + retry_delay(prior.attempts, q.retry_backoff || COALESCE(prior.retry_backoff, '{}'))
                       ELSE t.run_at END,
         exhausted = input.retry AND NOT d.requeue AND d.closed_reason IS NULL
     -- prior: the row before this change (a requeue clears the agent; it is still marked seen).
     FROM input
     JOIN tasks prior ON prior.id = input.id
     JOIN work_queues q ON q.id = prior.queue_id AND q.owner_id = $1
     LEFT JOIN teams tm ON tm.id = q.team_id
     CROSS JOIN LATERAL (SELECT queue_closed_reason(q.deleted_at, tm.status) AS closed_reason) c
     CROSS JOIN LATERAL (
       SELECT input.retry AND prior.attempts < prior.max_attempts AND c.closed_reason IS NULL AS requeue, c.closed_reason
     ) d
     WHERE t.id = prior.id
       AND ${heldBy('t', 'input', FAILABLE)}
     RETURNING ${taskColumns('t')}, prior.assigned_agent_id AS holder
   ),
   seen AS (${markHoldersSeen('done')}),
   charged AS (${chargeTeams('done', 'input')})
   ${itemsAnswer('input', 'done', '$1')}`,
});
