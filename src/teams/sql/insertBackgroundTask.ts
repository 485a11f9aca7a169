import { statement } from '../../db/statement.js';
import { taskColumns, type TaskRow } from '../../queues/sql/taskColumns.js';

/**
 * Fire-and-forget work on the team's queue in one statement, share-locking the active team like a
 * dispatch. Answers the team's status (null: no such team) and the task when it was created.
 */
export const insertBackgroundTask = statement<
  { ownerId: string; teamId: string; id: string; task: string; taskName: string; maxRuntimeSeconds: number },
  Partial<TaskRow> & { _teamStatus: string | null }
>(
  'teams_insert_background_task',
  `WITH team AS (
     SELECT id, queue_id, status::text AS status FROM teams WHERE id = $2 AND owner_id = $1 FOR SHARE
   ),
   task AS (
     INSERT INTO tasks (id, queue_id, name, payload, max_runtime_seconds)
     SELECT $3, team.queue_id, $5, jsonb_build_object('task', $4::text, 'background', true, 'maxRuntimeSeconds', $6::int), $6
     FROM team WHERE team.status = 'ACTIVE'
     RETURNING *
   )
   SELECT (SELECT status FROM team) AS "_teamStatus", ${taskColumns('task')}
   FROM (SELECT 1) one LEFT JOIN task ON true`,
  (p) => [p.ownerId, p.teamId, p.id, p.task, p.taskName, p.maxRuntimeSeconds],
);
