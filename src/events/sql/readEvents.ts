import { statement } from '../../db/statement.js';

/** How many rows of each log one read takes; a longer backlog is read over several passes. */
export const READ_LIMIT = 1000;

/** A row of an event log; `pos` is its place in the log (a bigint, as text). */
export type LogRow<T> = T & { pos: string };

/** JSON of rows as the event tailer publishes them (ids as text: they are bigints). */
export interface LogRows {
  tasks: Array<LogRow<{ id: string; taskId: string; queueId: string; teamId: string | null; ownerId: string; type: string; agentId: string | null; detail: unknown; createdAt: string }>>;
  teams: Array<LogRow<{ id: string; teamId: string; ownerId: string; type: string; agent: string | null; dispatchId: string | null; detail: unknown; createdAt: string }>>;
  messages: Array<LogRow<{ id: string; logId: string; teamId: string; seq: number; fromAgent: string; toAgent: string | null; body: string; createdAt: string }>>;
  /** The reading snapshot's bounds (xid8 as text): which in-flight writers may still commit. */
  xmin: string;
  xmax: string;
  /** When the database ran the read (its clock, like the rows' createdAt): delivery lag is measured from there. */
  readAt: Date;
}

/**
 * One round trip for the tailer: the rows of the three event logs after each position (task
 * events, team events, messages by their global log id), and the snapshot's xmin/xmax, which
 * tell whether a missing id can still commit. Task and team events carry their owner (a primary
 * key lookup per row read, after the limit), so owner-wide streams (a dashboard) need no query of their own.
 */
export const readEvents = statement<{ tasksAfter: bigint; teamsAfter: bigint; messagesAfter: bigint }, LogRows>(
  'events_read_logs',
  `SELECT
     (SELECT COALESCE(json_agg(json_build_object(
        'pos', e.id::text, 'id', e.id::text, 'taskId', e.task_id, 'queueId', e.queue_id, 'teamId', e.team_id,
        'ownerId', (SELECT q.owner_id FROM work_queues q WHERE q.id = e.queue_id), 'type', e.type,
        'agentId', e.agent_id, 'detail', e.detail, 'createdAt', e.created_at) ORDER BY e.id), '[]')
      FROM (SELECT * FROM task_events WHERE id > $1 ORDER BY id LIMIT ${READ_LIMIT}) e) AS tasks,
     (SELECT COALESCE(json_agg(json_build_object(
        'pos', e.id::text, 'id', e.id::text, 'teamId', e.team_id,
        'ownerId', (SELECT t.owner_id FROM teams t WHERE t.id = e.team_id), 'type', e.type, 'agent', e.agent, 'dispatchId', e.dispatch_id,
        'detail', e.detail, 'createdAt', e.created_at) ORDER BY e.id), '[]')
      FROM (SELECT * FROM team_events WHERE id > $2 ORDER BY id LIMIT ${READ_LIMIT}) e) AS teams,
     (SELECT COALESCE(json_agg(json_build_object(
        'pos', m.log_id::text, 'id', m.id, 'logId', m.log_id::text, 'teamId', m.team_id, 'seq', m.seq,
        'fromAgent', m.from_agent, 'toAgent', m.to_agent, 'body', m.body, 'createdAt', m.created_at) ORDER BY m.log_id), '[]')
      FROM (SELECT * FROM messages WHERE log_id > $3 ORDER BY log_id LIMIT ${READ_LIMIT}) m) AS messages,
     pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
     pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
     statement_timestamp() AS "readAt"`,
  (p) => [p.tasksAfter, p.teamsAfter, p.messagesAfter],
);

/** Where the logs end now: a tailer starts a little below, so nothing in flight at boot is missed. */
export const logHeads = statement<Record<string, never>, { tasks: bigint; teams: bigint; messages: bigint }>(
  'events_log_heads',
  `SELECT (SELECT COALESCE(max(id), 0) FROM task_events) AS tasks,
          (SELECT COALESCE(max(id), 0) FROM team_events) AS teams,
          (SELECT COALESCE(max(log_id), 0) FROM messages) AS messages`,
  () => [],
);
