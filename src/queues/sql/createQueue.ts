import { statement } from '../../db/statement.js';
import type { WorkQueue } from '../../generated/prisma/client.js';

export const queueColumns = (q: string) => `
  ${q}.id, ${q}.owner_id AS "ownerId", ${q}.name, ${q}.steal_group AS "stealGroup", ${q}.team_id AS "teamId",
  ${q}.visibility_timeout_seconds AS "visibilityTimeoutSeconds", ${q}.max_attempts AS "maxAttempts",
  ${q}.created_at AS "createdAt", ${q}.deleted_at AS "deletedAt"`;

/**
 * Creates a queue (recording its owner on first write). Its steal group is any string; when the
 * group names one of the owner's teams, the queue also belongs to that team.
 */
export const createQueue = statement<
  { id: string; ownerId: string; name: string; stealGroup: string | null; visibilityTimeoutSeconds: number | null; maxAttempts: number | null },
  WorkQueue
>(
  'queues_create_queue',
  `WITH owner AS (INSERT INTO owners (id) VALUES ($2) ON CONFLICT DO NOTHING),
   q AS (
     INSERT INTO work_queues (id, owner_id, name, steal_group, team_id, visibility_timeout_seconds, max_attempts)
     VALUES ($1, $2, $3, $4,
             (SELECT t.id FROM teams t WHERE t.id = $4 AND t.owner_id = $2),
             COALESCE($5::int, 300), COALESCE($6::int, 3))
     RETURNING *
   )
   SELECT ${queueColumns('q')} FROM q`,
  (p) => [p.id, p.ownerId, p.name, p.stealGroup, p.visibilityTimeoutSeconds, p.maxAttempts],
);
