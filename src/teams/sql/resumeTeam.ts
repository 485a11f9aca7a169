import { statement } from '../../db/statement.js';

export interface ResumeOutcome {
  /** The team's status before (null: no such team of the owner). */
  teamStatus: string | null;
  resumed: boolean;
  /** The budget as the statement saw it, under its lock. */
  exhausted: boolean | null;
  maxCost: number | null;
  maxTasks: number | null;
  spentCost: number | null;
  spentTasks: number | null;
}

/**
 * Makes the owner's PAUSED team ACTIVE again when its budget is no longer exhausted, in one
 * statement. The budget row is locked first (FOR UPDATE: the latest spend, after any finish in
 * flight), so a finish that reaches the limit either waits for the resume and pauses the team
 * again, or is seen here and the resume is refused. The TEAM_RESUMED event names the team's
 * queues, so claims waiting on them (long polls, on every instance) wake up. Answers what it
 * found, to say why nothing changed.
 */
export const resumeTeam = statement<{ ownerId: string; teamId: string }, ResumeOutcome>(
  'teams_resume_team',
  `WITH team AS (SELECT id, status::text AS status FROM teams WHERE id = $2 AND owner_id = $1),
   budget AS (SELECT b.* FROM team_budgets b WHERE b.team_id = (SELECT id FROM team) FOR UPDATE),
   resumed AS (
     UPDATE teams t SET status = 'ACTIVE', paused_at = NULL
     FROM budget b
     WHERE t.id = b.team_id AND t.status = 'PAUSED'
       AND NOT team_budget_exhausted(b.max_cost, b.max_tasks, b.spent_cost, b.spent_tasks)
     RETURNING t.id
   ),
   event AS (
     INSERT INTO team_events (team_id, type, detail)
     SELECT r.id, 'TEAM_RESUMED',
            jsonb_build_object('queueIds', ARRAY(SELECT q.id FROM work_queues q WHERE q.team_id = r.id AND q.deleted_at IS NULL ORDER BY q.id))
     FROM resumed r
   )
   SELECT (SELECT status FROM team) AS "teamStatus", EXISTS (SELECT 1 FROM resumed) AS resumed,
          team_budget_exhausted(b.max_cost, b.max_tasks, b.spent_cost, b.spent_tasks) AS exhausted,
          b.max_cost AS "maxCost", b.max_tasks AS "maxTasks", b.spent_cost AS "spentCost", b.spent_tasks AS "spentTasks"
   FROM (SELECT 1) one LEFT JOIN budget b ON true`,
  (p) => [p.ownerId, p.teamId],
);
