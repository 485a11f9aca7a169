import { statement, variants, type Statement } from '../../db/statement.js';
import type { ClaimRow } from './claimTasks.js';
import { taskColumns } from './taskColumns.js';

/** One row per agent, in the order given: its claimed task (a null id when it got none) and the outcome. */
export type AgentClaimRow = ClaimRow & { _ord: number };

type Params = { ownerId: string; queueId: string; agentIds: string[] };

/**
 * The claim of several agents of a queue that belongs to no team, each for one task: the queue's
 * next claimable tasks, one per agent, are locked (SKIP LOCKED) and handed out in order: the first
 * agent gets the first task, and so on. The same rules as claimTasks: open queue of the owner,
 * deadline and run_at respected, fresh lease tokens. A team's queue hands out nothing here: its
 * members claim under their row lock (`_isMember` says who is one, see dequeue.ts), and a task
 * may be reserved for an agent there (a dispatch), which claimTasks alone weighs against the rest;
 * `_teamId` tells the caller to claim alone. Only as many tasks as agents are locked: `size` bounds
 * the scan for the plan, the outer LIMIT stops the locking at the number of agents.
 */
const claimText = (size: number) => `WITH agents AS (
     SELECT a.agent_id, a.ord FROM unnest($3::text[]) WITH ORDINALITY AS a(agent_id, ord)
   ),
   queue AS (
     SELECT q.id, q.team_id, q.visibility_timeout_seconds
     FROM work_queues q
     WHERE q.id = $2 AND q.owner_id = $1 AND q.deleted_at IS NULL
   ),
   callers AS (
     SELECT agents.agent_id, agents.ord, (m.name IS NOT NULL) AS is_member
     FROM agents
     LEFT JOIN team_members m ON m.team_id = (SELECT team_id FROM queue) AND m.name = agents.agent_id
   ),
   takers AS (
     SELECT agent_id, row_number() OVER (ORDER BY ord) AS rn FROM callers WHERE NOT is_member
   ),
   next AS (
     SELECT * FROM (
       SELECT t.id, t.priority, t.seq FROM tasks t
       WHERE t.queue_id = $2
         AND EXISTS (SELECT 1 FROM queue WHERE queue.team_id IS NULL)
         AND EXISTS (SELECT 1 FROM takers)
         AND t.status = 'PENDING'
         AND (t.deadline IS NULL OR t.deadline > now())
         AND (t.run_at IS NULL OR t.run_at <= now())
         AND t.reserved_for IS NULL
       ORDER BY t.priority DESC, t.seq
       LIMIT ${size}
       FOR UPDATE SKIP LOCKED
     ) candidates
     LIMIT (SELECT count(*) FROM takers)
   ),
   pairs AS (
     SELECT n.id, k.agent_id
     FROM (SELECT id, row_number() OVER (ORDER BY priority DESC, seq) AS rn FROM next) n
     JOIN takers k ON k.rn = n.rn
   ),
   claimed AS (
     UPDATE tasks t
     SET status = 'ASSIGNED',
         assigned_agent_id = pairs.agent_id,
         lease_token = gen_random_uuid()::text,
         lease_expires_at = now() + (SELECT visibility_timeout_seconds FROM queue) * interval '1 second'
     FROM pairs
     WHERE t.id = pairs.id AND t.id = ANY (ARRAY(SELECT id FROM pairs))
     RETURNING ${taskColumns('t')}
   )
   SELECT callers.ord::int AS "_ord", EXISTS (SELECT 1 FROM queue) AS "_queueFound",
          (SELECT team_id FROM queue) AS "_teamId", callers.is_member AS "_isMember", NULL::text AS "_heldTaskId",
          claimed.*
   FROM callers
   LEFT JOIN claimed ON claimed."assignedAgentId" = callers.agent_id
   ORDER BY callers.ord`;

/** Prepared for these many agents at most; a call takes the smallest that fits (each gets a generic plan). */
export const CLAIM_SIZES = [2, 4, 8, 16, 32] as const;
export const MAX_AGENTS_PER_CLAIM = CLAIM_SIZES.at(-1)!;

const bySize = new Map<number, Statement<Params, AgentClaimRow>>(
  CLAIM_SIZES.map((size) => [
    size,
    statement<Params, AgentClaimRow>(`queues_claim_for_agents_${size}`, claimText(size), (p) => [p.ownerId, p.queueId, p.agentIds]),
  ]),
);

/**
 * Claims one task for each of up to MAX_AGENTS_PER_CLAIM distinct agents of one queue in one
 * statement: N agents asking at once cost one round trip and one commit. The agents are distinct
 * (the same agent twice would be matched to one task).
 */
export const claimForAgents = variants(bySize.get(MAX_AGENTS_PER_CLAIM)!, (p: Params) => {
  const size = CLAIM_SIZES.find((s) => s >= p.agentIds.length);
  if (!size) throw new RangeError(`at most ${MAX_AGENTS_PER_CLAIM} agents claim together (got ${p.agentIds.length})`);
  return bySize.get(size)!;
});
