import type { TaskRow } from './taskColumns.js';

/**
 * Complete, fail and heartbeat take items and answer one row per item, in order: the changed
 * task, or what the task looked like when nothing changed (missing, wrong status, another lease
 * or agent), so the caller can say why without a second round trip.
 */
export type ItemRow = Partial<TaskRow> & {
  _ord: number;
  _itemId: string;
  /** The task exists and belongs to the owner. */
  _found: boolean;
  _status: string | null;
  _leaseMatches: boolean | null;
  _agentMatches: boolean | null;
};

/** The task of the owner, as the statement saw it, for explaining a miss. */
export const currentOf = (input: string, owner: string) => `
  LEFT JOIN LATERAL (
    SELECT cur.status::text AS status, cur.lease_token, cur.assigned_agent_id
    FROM tasks cur JOIN work_queues cq ON cq.id = cur.queue_id AND cq.owner_id = ${owner}
    WHERE cur.id = ${input}.id
  ) cur ON true`;

/** The outcome columns of one item. */
export const outcomeColumns = (input: string) => `
  ${input}.ord::int AS "_ord", ${input}.id AS "_itemId", (cur.status IS NOT NULL) AS "_found", cur.status AS "_status",
  (${input}.lease_token IS NULL OR cur.lease_token = ${input}.lease_token) AS "_leaseMatches",
  (${input}.agent_id IS NULL OR cur.assigned_agent_id = ${input}.agent_id) AS "_agentMatches"`;

/** Marks the holders of the changed tasks (`done`) seen when they are members of the queue's team. */
export const markHoldersSeen = (done: string) => `
  UPDATE team_members m SET last_seen_at = now()
  FROM (SELECT DISTINCT q.team_id, d.holder FROM ${done} d JOIN work_queues q ON q.id = d."queueId" WHERE q.team_id IS NOT NULL) h
  WHERE m.team_id = h.team_id AND m.name = h.holder`;

/** The item's task as the change may touch it: ASSIGNED, of the owner, under the item's lease and agent when given. */
export const heldBy = (t: string, input: string) => `
  ${t}.status = 'ASSIGNED'
  AND (${input}.lease_token IS NULL OR ${t}.lease_token = ${input}.lease_token)
  AND (${input}.agent_id IS NULL OR ${t}.assigned_agent_id = ${input}.agent_id)`;

/** The answer of a finish statement: one row per input item with its outcome and the changed task. */
export const itemsAnswer = (input: string, done: string, owner: string) => `
  SELECT ${outcomeColumns(input)}, ${done}.*
  FROM ${input}
  LEFT JOIN ${done} ON ${done}.id = ${input}.id
  ${currentOf(input, owner)}
  ORDER BY ${input}.ord`;
