import { itemsStatement } from '../../db/statement.js';
import { addCost, chargeTeams } from './chargeTeams.js';
import { heldBy, itemsAnswer, markHoldersSeen, type ItemRow } from './finishOutcome.js';
import { taskColumns } from './taskColumns.js';

export interface CompleteItem {
  id: string;
  /** When set, the task must still be under this lease (not expired and handed out again). */
  leaseToken: string | null;
  /** When set, the task must be assigned to this agent. */
  agentId: string | null;
  result: unknown;
  /** What this attempt cost (the user's units), added to the task and its team's spend. */
  cost: number | null;
}

/**
 * Completes ASSIGNED tasks of the owner in one statement, each item fenced by its lease token
 * and agent when given; stores the result and adds the reported cost to the task and to its team's
 * spend (chargeTeams). A single complete is a batch of one.
 */
export const completeTasks = itemsStatement<{ ownerId: string; items: CompleteItem[] }, CompleteItem, ItemRow>('queues_complete_tasks', {
  leading: (p) => [p.ownerId],
  leadingCount: 1,
  columns: [
    { name: 'id', type: 'text', value: (i) => i.id },
    { name: 'lease_token', type: 'text', value: (i) => i.leaseToken },
    { name: 'agent_id', type: 'text', value: (i) => i.agentId },
    { name: 'result', type: 'jsonb', value: (i) => JSON.stringify(i.result ?? null) },
    { name: 'cost', type: 'float8', value: (i) => i.cost },
  ],
  text: (items) => `WITH input AS (${items}),
   done AS (
     UPDATE tasks t
     SET status = 'COMPLETED', result = input.result, cost = ${addCost('t', 'input')}
     FROM input, work_queues q
     WHERE t.id = input.id
       AND q.id = t.queue_id AND q.owner_id = $1
       AND ${heldBy('t', 'input')}
     RETURNING ${taskColumns('t')}, t.assigned_agent_id AS holder
   ),
   seen AS (${markHoldersSeen('done')}),
   charged AS (${chargeTeams('done', 'input')})
   ${itemsAnswer('input', 'done', '$1')}`,
});
