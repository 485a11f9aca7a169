import { statement, variants } from '../../db/statement.js';
import { claimAnswer, handsOutWork, type ClaimRow } from './claimTasks.js';
import { taskColumns } from './taskColumns.js';

/** Queues with at least this many claimable tasks count as equally busy. */
export const STEAL_COUNT_CAP = 10_000;

/**
 * Work stealing in one statement: among the owner's other live queues in the thief's steal group
 * (the same group, or both without one), the victim is the one with the most claimable tasks
 * (counted up to STEAL_COUNT_CAP, so a steal stays cheap however deep the queues are); the stolen
 * task is its highest-priority one. When every claimable row of the busiest queue is locked by
 * concurrent claimers, the next busiest is tried. `victims` is materialised in order and `next`
 * has no ORDER BY of its own: the LATERAL claim runs victim by victim and stops at the first row,
 * so it locks exactly one task. Neither a thief of a paused team's queue nor
 * a paused team's queue as the victim takes part (handsOutWork). Reserved tasks (parallel dispatch) and tasks not yet due (`run_at`) are never stolen. The outcome
 * columns are those of claimTasks (a member of the thief queue's team follows the member rules).
 */
type StealParams = { ownerId: string; thiefQueueId: string; agentId: string; asMember: boolean };

/** The steal for a member or not, inlined (a flag parameter keeps PostgreSQL from a generic plan). */
const stealText = (asMember: boolean) => `WITH thief AS (
     SELECT q.id, q.owner_id, q.steal_group, q.team_id, (m.name IS NOT NULL) AS is_member, ${handsOutWork('q')} AS hands_out
     FROM work_queues q
     LEFT JOIN team_members m ON m.team_id = q.team_id AND m.name = $3
     WHERE q.id = $2 AND q.owner_id = $1 AND q.deleted_at IS NULL
   ),
   held AS (
     SELECT s.current_task_id FROM thief JOIN team_member_states s ON s.team_id = thief.team_id AND s.name = $3
     WHERE ${asMember} AND thief.is_member
   ),
   victims AS MATERIALIZED (
     SELECT v.id, v.visibility_timeout_seconds, c.claimable
     FROM thief
     JOIN work_queues v
       ON v.owner_id = thief.owner_id
      AND v.id <> thief.id
      AND v.deleted_at IS NULL
      AND v.steal_group IS NOT DISTINCT FROM thief.steal_group
     CROSS JOIN LATERAL (
       SELECT count(*) AS claimable FROM (
         SELECT 1 FROM tasks p
         WHERE p.queue_id = v.id
           AND p.status = 'PENDING'
           AND p.reserved_for IS NULL
           AND (p.deadline IS NULL OR p.deadline > now())
           AND (p.run_at IS NULL OR p.run_at <= now())
         LIMIT ${STEAL_COUNT_CAP}
       ) pending
     ) c
     WHERE (NOT thief.is_member OR ${asMember})
       AND thief.hands_out
       AND ${handsOutWork('v')}
       AND NOT EXISTS (SELECT 1 FROM held WHERE held.current_task_id IS NOT NULL)
       AND c.claimable > 0
     ORDER BY c.claimable DESC, v.id
   ),
   next AS (
     SELECT c.id, victims.visibility_timeout_seconds
     FROM victims
     CROSS JOIN LATERAL (
       SELECT id FROM tasks
       WHERE queue_id = victims.id
         AND status = 'PENDING'
         AND reserved_for IS NULL
         AND (deadline IS NULL OR deadline > now())
         AND (run_at IS NULL OR run_at <= now())
       ORDER BY priority DESC, seq
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     ) c
     LIMIT 1
   ),
   claimed AS (
     UPDATE tasks t
     SET status = 'ASSIGNED',
         assigned_agent_id = $3,
         lease_token = gen_random_uuid()::text,
         lease_expires_at = now() + next.visibility_timeout_seconds * interval '1 second',
         stolen_by_queue_id = $2,
         stolen_at = clock_timestamp()
     FROM next
     WHERE t.id = next.id
     RETURNING ${taskColumns('t')}
   )
   ${claimAnswer('thief')}`;

const values = (p: StealParams) => [p.ownerId, p.thiefQueueId, p.agentId];
const steal = statement<StealParams, ClaimRow>('queues_steal_task', stealText(false), values);
const stealAsMember = statement<StealParams, ClaimRow>('queues_steal_task_as_member', stealText(true), values);

export const stealTask = variants(steal, (p: StealParams) => (p.asMember ? stealAsMember : steal));
