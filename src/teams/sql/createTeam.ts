import { statement } from '../../db/statement.js';
import type { Team } from '../../generated/prisma/client.js';
import { teamColumns } from './teamColumns.js';

/**
 * Creates the team, its members agent-1…agent-N and its own work queue (which belongs to it and
 * forms its steal group) and its budget row in one statement, recording the owner on first write; each member's
 * MEMBER_ADDED event tells owner-wide subscribers (dashboards) of the new team. A name already
 * used by an active team of the owner violates `teams_active_name_key`.
 */
export const createTeam = statement<
  {
    id: string;
    queueId: string;
    ownerId: string;
    name: string;
    size: number;
    model: string | null;
    mode: string | null;
    systemPrompt: string | null;
    maxCost: number | null;
    maxTasks: number | null;
  },
  Team
>(
  'teams_create_team',
  `WITH owner AS (INSERT INTO owners (id) VALUES ($3) ON CONFLICT DO NOTHING),
   queue AS (
     INSERT INTO work_queues (id, owner_id, name, steal_group, team_id) VALUES ($2, $3, $4, $1, $1)
   ),
   team AS (
     INSERT INTO teams (id, owner_id, name, size, model, mode, system_prompt, queue_id)
     VALUES ($1, $3, $4, $5, $6, $7, $8, $2)
     RETURNING *
   ),
   members AS (
     INSERT INTO team_members (team_id, name, position)
     SELECT $1, 'agent-' || n, n FROM generate_series(1, $5::int) n
   ),
   budget AS (INSERT INTO team_budgets (team_id, max_cost, max_tasks) VALUES ($1, $9, $10)),
   joined AS (
     INSERT INTO team_events (team_id, type, agent)
     SELECT $1, 'MEMBER_ADDED', 'agent-' || n FROM generate_series(1, $5::int) n
   )
   SELECT ${teamColumns('team')} FROM team`,
  (p) => [p.id, p.queueId, p.ownerId, p.name, p.size, p.model, p.mode, p.systemPrompt, p.maxCost, p.maxTasks],
);
