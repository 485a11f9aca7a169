import type { TaskEvent } from '../../generated/prisma/client.js';
import { statement } from '../../db/statement.js';

/**
 * A replay page of the task events of every queue of an owner (deleted queues included: their
 * history stays the owner's), in id order, between two positions. Events keep their queue's id
 * without a relation (schema.prisma), so the owner is found through the queue here.
 */
export const ownerTaskEvents = statement<{ ownerId: string; after: bigint; upTo: bigint; limit: number }, TaskEvent>(
  'streams_owner_task_events',
  `SELECT e.id, e.task_id AS "taskId", e.queue_id AS "queueId", e.team_id AS "teamId", e.type::text AS type,
          e.agent_id AS "agentId", e.detail, e.created_at AS "createdAt"
   FROM task_events e
   JOIN work_queues q ON q.id = e.queue_id AND q.owner_id = $1
   WHERE e.id > $2 AND e.id <= $3
   ORDER BY e.id
   LIMIT $4`,
  (p) => [p.ownerId, p.after.toString(), p.upTo.toString(), p.limit],
);
