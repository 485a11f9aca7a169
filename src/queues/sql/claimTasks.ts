import { statement, variants } from '../../db/statement.js';
import { taskColumns, type TaskRow } from './taskColumns.js';

/**
 * Whether the queue `q` may hand out work: it belongs to no team, or to an ACTIVE one. The team
 * row is share-locked for the statement, so a concurrent pause (or stop) either waits for the
 * claim or is seen by it: no task is claimed from a team after it paused.
 */
export const handsOutWork = (q: string) =>
  `(${q}.team_id IS NULL OR EXISTS (SELECT 1 FROM teams tm WHERE tm.id = ${q}.team_id AND tm.status = 'ACTIVE' FOR SHARE))`;

export interface ClaimOutcome {
  /** False: no live queue of the owner has this id. */
  queueFound: boolean;
  /** The team the queue belongs to, if any. */
  teamId: string | null;
  /** The agent is a member of that team: without `asMember` nothing was claimed. */
  isMember: boolean;
  /** With `asMember`: the task the member already holds (then nothing was claimed). */
  heldTaskId: string | null;
}

/** One row per claimed task (or one row with a null id when none was), each with the outcome. */
export type ClaimRow = Partial<TaskRow> & { _queueFound: boolean; _teamId: string | null; _isMember: boolean; _heldTaskId: string | null };

/**
 * The answer of a claim: the claimed rows (CTE `claimed`), each with what the statement found out
 * about the queue (CTE `queue`) and the member (CTE `held`), or one row of outcome alone.
 */
export const claimAnswer = (queue: string) => `
  SELECT (${queue}.id IS NOT NULL) AS "_queueFound", ${queue}.team_id AS "_teamId",
         COALESCE(${queue}.is_member, false) AS "_isMember",
         (SELECT current_task_id FROM held) AS "_heldTaskId",
         claimed.*
  FROM (SELECT 1) one
  LEFT JOIN ${queue} ON true
  LEFT JOIN claimed ON true`;

/** The outcome of a claim statement and the tasks it claimed. */
export function claimResult(rows: ClaimRow[]): ClaimOutcome & { tasks: TaskRow[] } {
  const first = rows[0]!;
  const tasks = rows.filter((r) => r.id != null).map(({ _queueFound, _teamId, _isMember, _heldTaskId, ...task }) => task as TaskRow);
  return { queueFound: first._queueFound, teamId: first._teamId, isMember: first._isMember, heldTaskId: first._heldTaskId, tasks };
}

type ClaimParams = { ownerId: string; queueId: string; agentId: string; limit: number; asMember: boolean };

/** The claim for a limit (a number, or `$4`) and for a member or not, inlined where fixed. */
const claimText = (limit: string, asMember: boolean) => `WITH queue AS (
     SELECT q.id, q.team_id, q.visibility_timeout_seconds, (m.name IS NOT NULL) AS is_member,
            ${handsOutWork('q')} AS hands_out
     FROM work_queues q
     LEFT JOIN team_members m ON m.team_id = q.team_id AND m.name = $3
     WHERE q.id = $2 AND q.owner_id = $1 AND q.deleted_at IS NULL
   ),
   held AS (
     SELECT s.current_task_id FROM queue JOIN team_member_states s ON s.team_id = queue.team_id AND s.name = $3
     WHERE ${asMember} AND queue.is_member
   ),
   next AS (
     SELECT t.id FROM tasks t
     WHERE t.queue_id = $2
       AND EXISTS (SELECT 1 FROM queue WHERE (NOT queue.is_member OR ${asMember}) AND queue.hands_out)
       AND NOT EXISTS (SELECT 1 FROM held WHERE held.current_task_id IS NOT NULL)
       AND t.status = 'PENDING'
       AND (t.deadline IS NULL OR t.deadline > now())
       AND (t.run_at IS NULL OR t.run_at <= now())
       AND (t.reserved_for IS NULL OR t.reserved_for = $3)
     ORDER BY t.priority DESC, t.seq
     LIMIT ${limit}
     FOR UPDATE SKIP LOCKED
   ),
   claimed AS (
     UPDATE tasks t
     SET status = 'ASSIGNED',
         assigned_agent_id = $3,
         lease_token = gen_random_uuid()::text,
         lease_expires_at = now() + queue.visibility_timeout_seconds * interval '1 second'
     FROM queue
     WHERE t.id = ANY (ARRAY(SELECT id FROM next))
     RETURNING ${taskColumns('t')}
   )
   ${claimAnswer('queue')}`;

const claimOne = statement<ClaimParams, ClaimRow>('queues_claim_tasks', claimText('1', false), (p) => [p.ownerId, p.queueId, p.agentId]);
const claimOneAsMember = statement<ClaimParams, ClaimRow>('queues_claim_tasks_as_member', claimText('1', true), (p) => [p.ownerId, p.queueId, p.agentId]);
const claimMany = statement<ClaimParams, ClaimRow>('queues_claim_tasks_batch', claimText('$4', false), (p) => [p.ownerId, p.queueId, p.agentId, p.limit]);

/**
 * Dequeue: assigns up to `limit` of the queue's claimable tasks to `agentId` in one statement,
 * and says in the same round trip why nothing came back (no queue, a member of the queue's team
 * whose rules apply first). Order is priority descending, then insertion order, over
 * `tasks_claimable_idx` (pending rows only). SKIP LOCKED lets concurrent claimers pass over rows
 * another one holds, so each task goes to exactly one agent and nobody waits. Tasks past their
 * deadline are never handed out, nor tasks before their `run_at` (a retry's backoff, a delay); a task reserved for a member (parallel dispatch) goes to that
 * member only. A queue of a team that is not ACTIVE (PAUSED: its budget ran out) hands out
 * nothing: the team's status is read under a share lock (handsOutWork), so a claim waits for a
 * finish that is pausing the team and then sees it paused. With `asMember` the caller holds the
 * member's row lock (see dequeue.ts): a member that already holds a task gets nothing, checked in
 * this statement's snapshot, taken after that lock. Every lease token is fresh. A member claims
 * one task at a time; other agents up to `limit`.
 */
export const claimTasks = variants(claimOne, (p: ClaimParams) => (p.asMember ? claimOneAsMember : p.limit === 1 ? claimOne : claimMany));
