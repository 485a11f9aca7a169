import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { badInput, conflict, notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import type { HandOff } from './handOff.js';
import { insertTasks, tasksByKey, type InsertRow } from './sql/insertTasks.js';
import { releaseTask } from './sql/releaseTask.js';
import type { TaskRow } from './sql/taskColumns.js';
import { givenKeys, idSchema, taskBatchSchema, taskInputSchema, type TaskInput } from './validation.js';

export interface EnqueueResult {
  task: TaskRow;
  /** False when an idempotency key matched an earlier task, which is returned instead. */
  created: boolean;
}

const withoutOutcome = ({ _queueFound, _closedReason, _inserted, _missingDeps, ...task }: InsertRow) => task as TaskRow;

/**
 * Adds tasks to a queue in one statement: all of them or none. A deadline already in the past is
 * accepted and the task is created EXPIRED, so it is never handed out. A task with `runAt` or
 * `delaySeconds` is PENDING but not claimable, stealable or counted as ready before then. A repeated idempotency key
 * returns the first task with that key instead of a duplicate (also within one batch).
 */
export function enqueueTasks(db: Db, ownerId: string, queueId: string, input: TaskInput[]): Promise<EnqueueResult[]> {
  return insert(db, ownerId, parseInput(idSchema, queueId, 'queueId'), parseInput(taskBatchSchema, input, 'tasks'), 'tasks');
}

/**
 * One task: enqueueTasks with a batch of one, its input named `input`. With `handOff`, a long poll
 * waiting on this instance for the queue is handed the task: it is created ASSIGNED to that agent
 * when it could be claimed at once (see insertTasks), and the poll answers with it.
 */
export async function enqueueTask(db: Db, ownerId: string, queueId: string, input: TaskInput, handOff?: HandOff): Promise<EnqueueResult> {
  const id = parseInput(idSchema, queueId, 'queueId');
  const task = parseInput(taskInputSchema, input, 'input');
  // Only a task due now with nothing to wait for can be handed over (the statement checks the rest).
  const due = !task.runAt && !task.delaySeconds && !task.dependsOn?.length && !(task.deadline && task.deadline.getTime() <= Date.now());
  const poll = due ? handOff?.take(ownerId, id) : undefined;
  let handed: TaskRow | null = null;
  let result: EnqueueResult | undefined;
  try {
    [result] = await insert(db, ownerId, id, [task], 'input', poll?.agentId);
    if (poll && result!.created && result!.task.status === 'ASSIGNED') handed = result!.task;
  } finally {
    if (poll && !poll.settle(handed) && handed) {
      // The poll gave up before the task was created (its client left): give the task back. A
      // failure here leaves it to its lease, which the sweeper expires; the enqueue itself stands.
      const released = await releaseTask.row(db.pool, { id: handed.id, leaseToken: handed.leaseToken! }).catch(() => null);
      if (released) result = { task: released, created: true };
    }
  }
  return result!;
}

async function insert(
  db: Db,
  ownerId: string,
  queueId: string,
  input: ReturnType<typeof taskBatchSchema.parse>,
  argument: string,
  assignTo?: string,
): Promise<EnqueueResult[]> {
  const tasks = input.map((t) => ({
    id: newId('Task'),
    name: t.name,
    priority: t.priority ?? 3,
    payload: t.payload ?? {},
    deadline: t.deadline ?? null,
    idempotencyKey: t.idempotencyKey ?? null,
    maxAttempts: t.maxAttempts ?? null,
    retryBackoff: Object.keys(givenKeys(t.retryBackoff)).length ? givenKeys(t.retryBackoff) : null,
    runAt: t.runAt ?? null,
    delaySeconds: t.delaySeconds ?? null,
    dependsOn: [...new Set(t.dependsOn ?? [])],
  }));
  const rows = await insertTasks.rows(db.pool, { ownerId, queueId, tasks, assignTo });
  const first = rows[0]!;
  if (!first._queueFound) throw notFound('work queue', queueId);
  if (first._closedReason) throw conflict(`work queue ${queueId} takes no new work: ${first._closedReason}`);
  if (first._missingDeps?.length) throw badInput(`${argument}.dependsOn`, `no task ${first._missingDeps.join(', ')} (dependencies must exist)`);

  const inserted = new Map<string, TaskRow>();
  const byKey = new Map<string, TaskRow>();
  for (const row of rows) {
    if (row.id == null) continue;
    const task = withoutOutcome(row);
    if (row._inserted) inserted.set(task.id, task);
    // An earlier task with the key, or the first task of this batch with it.
    if (task.idempotencyKey && (!row._inserted || !byKey.has(task.idempotencyKey))) byKey.set(task.idempotencyKey, task);
  }
  // A repeat whose first task another transaction inserted concurrently (after this statement's
  // snapshot): read it now that the conflict has been resolved.
  const unseen = tasks.filter((t) => !inserted.has(t.id) && t.idempotencyKey && !byKey.has(t.idempotencyKey)).map((t) => t.idempotencyKey!);
  if (unseen.length) for (const task of await tasksByKey.rows(db.pool, { queueId, keys: unseen })) byKey.set(task.idempotencyKey!, task);

  return tasks.map((t) => {
    const created = inserted.get(t.id);
    if (created) return { task: created, created: true };
    const earlier = byKey.get(t.idempotencyKey!);
    if (!earlier) throw new Error(`task ${t.id} was neither inserted nor found by idempotency key`);
    return { task: earlier, created: false };
  });
}
