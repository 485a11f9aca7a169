import type { Schedule } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { inTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseInput } from '../validation.js';
import { lastTickBy, nextTick, parseCron } from './cron.js';
import { insertTasks } from './sql/insertTasks.js';
import { advanceSchedule, deleteSchedule as deleteStatement, insertSchedule, lockDueSchedule } from './sql/schedules.js';
import { requireQueue } from './workQueues.js';
import { givenKeys, scheduleInputSchema, type ScheduleInput } from './validation.js';

/** The idempotency key of a tick's task: unique per schedule and tick, so a tick enqueues once. */
export const tickKey = (scheduleId: string, tick: Date) => `schedule:${scheduleId}:${tick.toISOString()}`;

/** Creates a schedule on an open queue; its first tick is the first one after now. */
export async function createSchedule(db: Db, ownerId: string, input: ScheduleInput): Promise<Schedule> {
  const data = parseInput(scheduleInputSchema, input);
  const timezone = data.timezone ?? 'UTC';
  const cron = parseCron(data.cron, timezone);
  const task = {
    name: data.task.name,
    ...(data.task.priority != null ? { priority: data.task.priority } : {}),
    ...(data.task.payload != null ? { payload: data.task.payload } : {}),
    ...(data.task.maxAttempts != null ? { maxAttempts: data.task.maxAttempts } : {}),
    ...(Object.keys(givenKeys(data.task.retryBackoff)).length ? { retryBackoff: givenKeys(data.task.retryBackoff) } : {}),
  };
  const row = (await insertSchedule.row(db.pool, {
    ownerId,
    id: newId('Schedule'),
    queueId: data.queueId,
    cron: data.cron,
    timezone,
    task,
    nextRunAt: nextTick(cron, new Date())!,
  }))!;
  if (!row._queueFound) throw notFound('work queue', data.queueId);
  if (row._closedReason) throw conflict(`work queue ${data.queueId} takes no new work: ${row._closedReason}`);
  const { _queueFound, _closedReason, ...schedule } = row;
  return schedule as Schedule;
}

export async function deleteSchedule(db: Db, ownerId: string, id: string): Promise<{ id: string }> {
  const row = await deleteStatement.row(db.pool, { ownerId, id });
  if (!row) throw notFound('schedule', id);
  return row;
}

/** The schedules of the owner's queue, oldest first. */
export async function listSchedules(db: Db, ownerId: string, queueId: string): Promise<Schedule[]> {
  await requireQueue(db, ownerId, queueId);
  return db.prisma.schedule.findMany({ where: { queueId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

type ScheduledTask = { name: string; priority?: number; payload?: unknown; maxAttempts?: number; retryBackoff?: Record<string, number> };

/**
 * Enqueues the tick of one due schedule, if any, in one transaction with the schedule's row lock:
 * the task (keyed by schedule and tick, so a tick is enqueued once however many instances try)
 * and the schedule's next tick commit together. Missed ticks collapse into the last one. A closed
 * queue (team stopped) skips the tick. Answers false when nothing was due.
 */
export async function runOneDueSchedule(db: Db, log: Logger): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const schedule = await lockDueSchedule.row(tx, {});
    if (!schedule) return false;
    const at = new Date();
    const cron = parseCron(schedule.cron, schedule.timezone);
    const tick = lastTickBy(cron, schedule.nextRunAt, at);
    const next = nextTick(cron, at > tick ? at : tick);
    const template = schedule.task as ScheduledTask;
    const rows = await insertTasks.rows(tx, {
      ownerId: schedule.ownerId,
      queueId: schedule.queueId,
      tasks: [
        {
          id: newId('Task'),
          name: template.name,
          priority: template.priority ?? 3,
          payload: { ...((template.payload as object) ?? {}), scheduleId: schedule.id, tick: tick.toISOString() },
          deadline: null,
          idempotencyKey: tickKey(schedule.id, tick),
          maxAttempts: template.maxAttempts ?? null,
          retryBackoff: template.retryBackoff ?? null,
          runAt: null,
          delaySeconds: null,
          dependsOn: [],
        },
      ],
    });
    const taskId = rows[0]?.id ?? null;
    if (!taskId) log.info({ scheduleId: schedule.id, reason: rows[0]?._closedReason ?? 'queue deleted' }, 'schedule tick skipped: its queue takes no work');
    if (!next) {
      // The expression never fires again: the schedule is done.
      await deleteStatement.count(tx, { ownerId: schedule.ownerId, id: schedule.id });
      return true;
    }
    await advanceSchedule.count(tx, { id: schedule.id, lastRunAt: tick, lastTaskId: taskId, nextRunAt: next });
    return true;
  });
}
