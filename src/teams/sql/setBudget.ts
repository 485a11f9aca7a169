import { statement } from '../../db/statement.js';

/**
 * Replaces the budget of the owner's team that is not stopped, under the budget row's lock (the
 * lock finishes take to add their spend). A limit at or below what was spent pauses an active
 * team at once, through the budget row's trigger, like a finish that reaches it. No row: the
 * team is missing or stopped.
 */
export const setBudget = statement<{ ownerId: string; teamId: string; maxCost: number | null; maxTasks: number | null }, { teamId: string }>(
  'teams_set_budget',
  `UPDATE team_budgets b SET max_cost = $3, max_tasks = $4
   FROM teams t
   WHERE b.team_id = t.id AND t.id = $2 AND t.owner_id = $1 AND t.status <> 'STOPPED'
   RETURNING b.team_id AS "teamId"`,
  (p) => [p.ownerId, p.teamId, p.maxCost, p.maxTasks],
);
