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
  /** The task's error or cancel reason as the statement saw it. */
  _error: string | null;
  _leaseMatches: boolean | null;
  _agentMatches: boolean | null;
};

/**
 * The task of the owner, as the statement saw it, for explaining a miss; with `done` (the changed
 * rows) it is looked up only for the items that did not change (for the others it is null).
 */
export const currentOf = (input: string, owner: string, done?: string) => `
  LEFT JOIN LATERAL (
    SELECT cur.status::text AS status, cur.error, cur.lease_token, cur.assigned_agent_id
    FROM tasks cur JOIN work_queues cq ON cq.id = cur.queue_id AND cq.owner_id = ${owner}
    WHERE cur.id = ${input}.id${done ? ` AND ${done}.id IS NULL` : ''}
  ) cur ON true`;

/** The outcome columns of one item. */
export const outcomeColumns = (input: string) => `
  ${input}.ord::int AS "_ord", ${input}.id AS "_itemId", (cur.status IS NOT NULL) AS "_found", cur.status AS "_status", cur.error AS "_error",
  (${input}.lease_token IS NULL OR cur.lease_token = ${input}.lease_token) AS "_leaseMatches",
  (${input}.agent_id IS NULL OR cur.assigned_agent_id = ${input}.agent_id) AS "_agentMatches"`;

/** Marks the holders of the changed tasks (`done`) seen when they are members of the queue's team. */
export const markHoldersSeen = (done: string) => `
  UPDATE team_members m SET last_seen_at = now()
  FROM (SELECT DISTINCT q.team_id, d.holder FROM ${done} d JOIN work_queues q ON q.id = d."queueId" WHERE q.team_id IS NOT NULL) h
  WHERE m.team_id = h.team_id AND m.name = h.holder`;

/** The statuses an agent may fail a task in: running it, or waiting for input on it. */
export const FAILABLE = ['ASSIGNED', 'INPUT_REQUIRED'] as const;

/**
 * The item's task as the change may touch it: ASSIGNED (or one of `statuses`), of the owner,
 * under the item's lease and agent when given. The status is compared as text so that no partial
 * status index can serve the lookup: their statistics say little about how many tasks are
 * ASSIGNED right now, and a plan that scans one of them per item grows with every running task;
 * the primary key finds each item's row in the same few steps however many there are.
 */
export const heldBy = (t: string, input: string, statuses: readonly string[] = ['ASSIGNED']) => `
  ${t}.status::text IN (${statuses.map((s) => `'${s}'`).join(', ')})
  AND (${input}.lease_token IS NULL OR ${t}.lease_token = ${input}.lease_token)
  AND (${input}.agent_id IS NULL OR ${t}.assigned_agent_id = ${input}.agent_id)`;

/** The answer of a finish statement: one row per input item with its outcome and the changed task. */
export const itemsAnswer = (input: string, done: string, owner: string) => `
  SELECT ${outcomeColumns(input)}, ${done}.*
  FROM ${input}
  LEFT JOIN ${done} ON ${done}.id = ${input}.id
  ${currentOf(input, owner, done)}
  ORDER BY ${input}.ord`;
