import { statement } from '../../db/statement.js';
import type { Schedule } from '../../generated/prisma/client.js';

const scheduleColumns = (s: string) => `
  ${s}.id, ${s}.queue_id AS "queueId", ${s}.cron, ${s}.timezone, ${s}.task, ${s}.next_run_at AS "nextRunAt",
  ${s}.last_run_at AS "lastRunAt", ${s}.last_task_id AS "lastTaskId", ${s}.created_at AS "createdAt"`;

/**
 * Creates a schedule on the owner's live queue in one statement; answers why not (no queue, or a
 * closed one) in the same round trip.
 */
export const insertSchedule = statement<
  { ownerId: string; id: string; queueId: string; cron: string; timezone: string; task: unknown; nextRunAt: Date },
  Partial<Schedule> & { _queueFound: boolean; _closedReason: string | null }
>(
  'queues_insert_schedule',
  `WITH queue AS (
     SELECT q.id, queue_closed_reason(q.deleted_at, tm.status) AS closed_reason
     FROM work_queues q LEFT JOIN teams tm ON tm.id = q.team_id
     WHERE q.id = $3 AND q.owner_id = $1 AND q.deleted_at IS NULL
   ),
   created AS (
     INSERT INTO schedules (id, queue_id, cron, timezone, task, next_run_at)
     SELECT $2, queue.id, $4, $5, $6::jsonb, $7 FROM queue WHERE queue.closed_reason IS NULL
     RETURNING *
   )
   SELECT (SELECT count(*) FROM queue) > 0 AS "_queueFound", (SELECT closed_reason FROM queue) AS "_closedReason",
          ${scheduleColumns('created')}
   FROM (SELECT 1) one LEFT JOIN created ON true`,
  (p) => [p.ownerId, p.id, p.queueId, p.cron, p.timezone, JSON.stringify(p.task), p.nextRunAt],
);

/** Deletes one of the owner's schedules; answers its id, or nothing. */
export const deleteSchedule = statement<{ ownerId: string; id: string }, { id: string }>(
  'queues_delete_schedule',
  `DELETE FROM schedules s USING work_queues q
   WHERE s.id = $2 AND q.id = s.queue_id AND q.owner_id = $1
   RETURNING s.id`,
  (p) => [p.ownerId, p.id],
);

/** The schedules of deleted queues go with them. */
export const deleteQueueSchedules = statement<{ queueId: string }>(
  'queues_delete_queue_schedules',
  `DELETE FROM schedules WHERE queue_id = $1`,
  (p) => [p.queueId],
);

/**
 * Inside a tick's transaction: takes the most overdue schedule that no other instance holds
 * (SKIP LOCKED), with its queue's owner. Its row lock keeps other instances off it until the tick
 * is enqueued and the schedule advanced; they take another one or none.
 */
export const lockDueSchedule = statement<Record<string, never>, Schedule & { ownerId: string }>(
  'queues_lock_due_schedule',
  `SELECT ${scheduleColumns('s')}, q.owner_id AS "ownerId"
   FROM schedules s JOIN work_queues q ON q.id = s.queue_id
   WHERE s.next_run_at <= now()
   ORDER BY s.next_run_at
   LIMIT 1
   FOR UPDATE OF s SKIP LOCKED`,
  () => [],
);

/** Records the tick enqueued (or skipped) and when the next one is due. */
export const advanceSchedule = statement<{ id: string; lastRunAt: Date; lastTaskId: string | null; nextRunAt: Date }>(
  'queues_advance_schedule',
  `UPDATE schedules SET last_run_at = $2, last_task_id = COALESCE($3, last_task_id), next_run_at = $4 WHERE id = $1`,
  (p) => [p.id, p.lastRunAt, p.lastTaskId, p.nextRunAt],
);

/** When the next schedule of any queue is due (the ticker sleeps until then). */
export const nextScheduleAt = statement<Record<string, never>, { at: Date | null }>(
  'queues_next_schedule_at',
  `SELECT min(next_run_at) AS at FROM schedules`,
  () => [],
);
