import { statement } from '../../db/statement.js';
import type { Dispatch } from '../../generated/prisma/client.js';

/**
 * Puts a dispatch on the team's queue in one statement: share-locks the owner's team (a
 * concurrent stop waits for this insert, then cancels what it added) and, when it is active,
 * inserts the dispatch and its tasks: one for any idle member, or one reserved for each member.
 * Answers the team's status (null: no such team) and the dispatch when it was created.
 */
export const insertDispatch = statement<
  { ownerId: string; teamId: string; id: string; task: string; taskName: string; tools: string[]; parallel: boolean; taskIds: string[] },
  { teamStatus: string | null; dispatch: (Omit<Dispatch, 'createdAt'> & { createdAt: string }) | null }
>(
  'teams_insert_dispatch',
  `WITH team AS (
     SELECT id, queue_id, status::text AS status FROM teams WHERE id = $2 AND owner_id = $1 FOR SHARE
   ),
   dispatch AS (
     INSERT INTO dispatches (id, team_id, task, tools, parallel)
     SELECT $3, team.id, $4, $6::text[], $7 FROM team WHERE team.status = 'ACTIVE'
     RETURNING *
   ),
   reserved AS (
     SELECT m.name, row_number() OVER (ORDER BY m.position) AS n FROM team_members m WHERE $7 AND m.team_id = $2
     UNION ALL
     SELECT NULL, 1 WHERE NOT $7
   ),
   tasks AS (
     INSERT INTO tasks (id, queue_id, name, payload, reserved_for, dispatch_id)
     SELECT ($8::text[])[r.n], team.queue_id, $5,
            jsonb_build_object('task', $4::text, 'tools', to_jsonb($6::text[]), 'dispatchId', dispatch.id),
            r.name, dispatch.id
     FROM dispatch, team, reserved r
   )
   SELECT (SELECT status FROM team) AS "teamStatus",
          (SELECT json_build_object('id', d.id, 'teamId', d.team_id, 'task', d.task, 'tools', d.tools,
                                    'parallel', d.parallel, 'createdAt', d.created_at) FROM dispatch d) AS dispatch`,
  (p) => [p.ownerId, p.teamId, p.id, p.task, p.taskName, p.tools, p.parallel, p.taskIds],
);
