import { statement } from '../../db/statement.js';
import { currentOf, heldBy, itemsAnswer, markHoldersSeen, outcomeColumns, type ItemRow } from './finishOutcome.js';
import { taskColumns } from './taskColumns.js';

/**
 * The holder of an ASSIGNED task asks a person for input, fenced by its lease token (required
 * here) and agent when given: the task becomes INPUT_REQUIRED with the request. Its lease stops running; the
 * agent keeps the task and the token (it may still fail it). Answers like completeTasks.
 */
export const requestInput = statement<{ ownerId: string; id: string; leaseToken: string; agentId: string | null; request: unknown }, ItemRow>(
  'queues_request_input',
  `WITH input AS (
     SELECT $2::text AS id, $3::text AS lease_token, $4::text AS agent_id, 1 AS ord
   ),
   done AS (
     UPDATE tasks t
     SET status = 'INPUT_REQUIRED', input_request = $5::jsonb
     FROM input, work_queues q
     WHERE t.id = input.id
       AND q.id = t.queue_id AND q.owner_id = $1
       AND ${heldBy('t', 'input')}
     RETURNING ${taskColumns('t')}, t.assigned_agent_id AS holder
   ),
   seen AS (${markHoldersSeen('done')})
   ${itemsAnswer('input', 'done', '$1')}`,
  (p) => [p.ownerId, p.id, p.leaseToken, p.agentId, JSON.stringify(p.request)],
);

/**
 * A person answers: an INPUT_REQUIRED task of the owner becomes ASSIGNED to the same agent again
 * under a fresh lease token and a new lease of the queue's visibility timeout; the INPUT_PROVIDED
 * event carries the response.
 */
export const provideInput = statement<{ ownerId: string; id: string; response: unknown }, ItemRow>(
  'queues_provide_input',
  `WITH input AS (
     SELECT $2::text AS id, NULL::text AS lease_token, NULL::text AS agent_id, 1 AS ord
   ),
   done AS (
     UPDATE tasks t
     SET status = 'ASSIGNED', input_response = $3::jsonb,
         lease_token = gen_random_uuid()::text,
         lease_expires_at = now() + q.visibility_timeout_seconds * interval '1 second'
     FROM work_queues q
     WHERE t.id = $2
       AND t.status = 'INPUT_REQUIRED'
       AND q.id = t.queue_id AND q.owner_id = $1
     RETURNING ${taskColumns('t')}
   )
   SELECT ${outcomeColumns('input')}, done.*
   FROM input
   LEFT JOIN done ON done.id = input.id
   ${currentOf('input', '$1')}`,
  (p) => [p.ownerId, p.id, JSON.stringify(p.response)],
);
