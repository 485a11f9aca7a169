import type { Task } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { conflict, notFound } from '../errors.js';
import type { TaskInput } from './validation.js';

export interface EnqueueResult {
  task: Task;
  /** False when an idempotency key matched an earlier task, which is returned instead. */
  created: boolean;
}

/**
 * Adds tasks to a queue in one transaction: all of them or none. A deadline already in the past
 * is accepted and the task is created EXPIRED, so it is never handed out. A repeated
 * idempotency key returns the first task with that key instead of a duplicate.
 */
export async function enqueueTasks(
  db: Db,
  ownerId: string,
  queueId: string,
  tasks: TaskInput[],
): Promise<EnqueueResult[]> {

  return db.$transaction(async (tx) => {
    // FOR SHARE: a concurrent delete waits for this insert, then cancels what it added.
    const [queue] = await tx.$queryRaw<{ max_attempts: number }[]>`
      SELECT max_attempts FROM work_queues
      WHERE id = ${queueId} AND owner_id = ${ownerId} AND deleted_at IS NULL
      FOR SHARE`;
    if (!queue) throw notFound('work queue', queueId);
    // A stopped team's queues take no new work; FOR SHARE orders this against a concurrent stop.
    const [team] = await tx.$queryRaw<{ id: string; status: string }[]>`
      SELECT t.id, t.status::text AS status FROM teams t
      JOIN work_queues q ON t.id = q.team_id AND t.owner_id = q.owner_id
      WHERE q.id = ${queueId}
      FOR SHARE OF t`;
    if (team?.status === 'STOPPED') throw conflict(`team ${team.id} is stopped; its queues take no new work`);

    const now = new Date();
    const rows = tasks.map((t) => {
      const expired = t.deadline != null && t.deadline <= now;
      return {
        id: newId('Task'),
        queueId,
        name: t.name,
        priority: t.priority ?? 3,
        payload: (t.payload ?? {}) as object,
        deadline: t.deadline ?? null,
        idempotencyKey: t.idempotencyKey ?? null,
        maxAttempts: t.maxAttempts ?? queue.max_attempts,
        status: expired ? ('EXPIRED' as const) : ('PENDING' as const),
        error: expired ? 'deadline passed' : null,
        finishedAt: expired ? now : null,
      };
    });
    // ON CONFLICT DO NOTHING on (queue_id, idempotency_key): repeats come back below.
    const inserted = await tx.task.createManyAndReturn({ data: rows, skipDuplicates: true });
    const byId = new Map(inserted.map((t) => [t.id, t]));
    const missingKeys = rows.filter((r) => !byId.has(r.id) && r.idempotencyKey).map((r) => r.idempotencyKey!);
    const existing = missingKeys.length
      ? await tx.task.findMany({ where: { queueId, idempotencyKey: { in: missingKeys } } })
      : [];
    // This also covers a key repeated inside one batch: the first row was inserted, the later
    // ones conflicted with it and find it here.
    const byKey = new Map(existing.map((t) => [t.idempotencyKey, t]));

    return rows.map((r) => {
      const created = byId.get(r.id);
      if (created) return { task: created, created: true };
      const earlier = byKey.get(r.idempotencyKey);
      if (!earlier) throw new Error(`task ${r.id} was neither inserted nor found by idempotency key`);
      return { task: earlier, created: false };
    });
  });
}
