import type { Db } from '../db/client.js';
import { coalesceBy } from '../db/coalesce.js';
import { retryOnDeadlock } from '../db/pgErrors.js';
import { DomainError, type ErrorCode } from '../errors.js';
import { observeFinished } from '../metrics/tasks.js';
import { parseInput } from '../validation.js';
import { completeTasks as completeStatement } from './sql/completeTasks.js';
import { extendLease } from './sql/extendLeases.js';
import { failTasks as failStatement } from './sql/failTasks.js';
import { FAILABLE, type ItemRow } from './sql/finishOutcome.js';
import type { TaskRow } from './sql/taskColumns.js';
import {
  completeBatchSchema,
  completeItemSchema,
  failBatchSchema,
  failItemSchema,
  heartbeatSchema,
  type CompleteItemInput,
  type FailItemInput,
  type HeartbeatInput,
} from './validation.js';

/** What became of one item of a batch: the task when it took effect, else why not. */
export interface TaskOutcome {
  id: string;
  ok: boolean;
  code: ErrorCode | null;
  message: string | null;
  task: TaskRow | null;
}

/** Nothing changed for this item: say why, from what the statement saw. */
function missReason(row: ItemRow, action: string, allowed: readonly string[] = ['ASSIGNED']): DomainError {
  const id = row._itemId;
  if (!row._found) return new DomainError('NOT_FOUND', `task ${id} not found`);
  if (row._status === 'CANCELLED') {
    return new DomainError('CONFLICT', `task ${id} was cancelled (${row._error}); it can no longer be ${action}`);
  }
  if (!allowed.includes(row._status!)) {
    return new DomainError('CONFLICT', `task ${id} is ${row._status}; only ${allowed.map((s) => `an ${s}`).join(' or ')} task can be ${action}`);
  }
  if (!row._leaseMatches) {
    return new DomainError(
      'CONFLICT',
      `task ${id}: the lease token does not match its current lease (the lease expired and the task was handed out again, or the token is wrong)`,
    );
  }
  if (!row._agentMatches) return new DomainError('CONFLICT', `task ${id} is assigned to another agent`);
  return new DomainError('CONFLICT', `task ${id} changed concurrently; it can no longer be ${action}`);
}

export function outcomeOf(row: ItemRow, action: string, allowed?: readonly string[]): TaskOutcome {
  if (row.id != null) {
    const { _ord, _itemId, _found, _status, _error, _leaseMatches, _agentMatches, holder, ...task } = row as ItemRow & { holder?: unknown };
    return { id: row._itemId, ok: true, code: null, message: null, task: task as TaskRow };
  }
  const miss = missReason(row, action, allowed);
  return { id: row._itemId, ok: false, code: miss.code, message: miss.message, task: null };
}

/** The task of a single-item call, or its miss as the error. */
export function single(outcome: TaskOutcome): TaskRow {
  if (outcome.ok) return outcome.task!;
  throw new DomainError(outcome.code!, outcome.message!);
}

/** Each item's outcome; the finished tasks' run times are measured. */
function outcomes(rows: ItemRow[], action: string, allowed?: readonly string[]): TaskOutcome[] {
  const all = rows.map((r) => outcomeOf(r, action, allowed));
  observeFinished(all.map((o) => o.task));
  return all;
}

const completeItems = (items: ReturnType<typeof completeBatchSchema.parse>) =>
  items.map((i) => ({ id: i.id, leaseToken: i.leaseToken ?? null, agentId: i.agentId ?? null, result: i.result ?? null, cost: i.cost ?? null }));
const failItems = (items: ReturnType<typeof failBatchSchema.parse>) =>
  items.map((i) => ({ id: i.id, leaseToken: i.leaseToken ?? null, agentId: i.agentId ?? null, error: i.error, retry: i.retry ?? false, cost: i.cost ?? null }));

/**
 * Completes ASSIGNED tasks (one statement for the whole batch), each fenced by its lease token
 * and agent when given. A stale item does not fail the others: each answers for itself.
 */
export async function completeTasks(db: Db, ownerId: string, items: CompleteItemInput[]): Promise<TaskOutcome[]> {
  const parsed = completeItems(parseInput(completeBatchSchema, items, 'items'));
  return outcomes(await retryOnDeadlock(() => completeStatement.rows(db.pool, { ownerId, items: parsed })), 'completed');
}

/** At most this many single calls share one statement (the batch calls' own limit). */
const COALESCED_MAX = 500;

type Completion = { ownerId: string } & ReturnType<typeof completeItems>[number];
type Failure = { ownerId: string } & ReturnType<typeof failItems>[number];

/**
 * Single completes and fails of one owner that arrive while one of theirs is in flight run
 * together as one statement (see coalesceBy): each still fenced and answered for itself, and
 * answered only after the commit that holds it, as before.
 */
const coalesced = new WeakMap<Db, { complete(item: Completion): Promise<ItemRow>; fail(item: Failure): Promise<ItemRow> }>();

function coalescedFor(db: Db) {
  let c = coalesced.get(db);
  if (!c) {
    const common = { group: (i: { ownerId: string }) => i.ownerId, key: (i: { id: string }) => i.id, max: COALESCED_MAX };
    c = {
      complete: coalesceBy<Completion, ItemRow>({
        ...common,
        run: (ownerId, items) => retryOnDeadlock(() => completeStatement.rows(db.pool, { ownerId, items })),
      }),
      fail: coalesceBy<Failure, ItemRow>({
        ...common,
        run: (ownerId, items) => retryOnDeadlock(() => failStatement.rows(db.pool, { ownerId, items })),
      }),
    };
    coalesced.set(db, c);
  }
  return c;
}

export async function completeTask(db: Db, ownerId: string, item: CompleteItemInput): Promise<TaskRow> {
  const [parsed] = completeItems([parseInput(completeItemSchema, item)]);
  return single(outcomes([await coalescedFor(db).complete({ ownerId, ...parsed! })], 'completed')[0]!);
}

/** Fails ASSIGNED tasks; with `retry` and attempts left in an open queue a task is requeued. */
export async function failTasks(db: Db, ownerId: string, items: FailItemInput[]): Promise<TaskOutcome[]> {
  const parsed = failItems(parseInput(failBatchSchema, items, 'items'));
  return outcomes(await retryOnDeadlock(() => failStatement.rows(db.pool, { ownerId, items: parsed })), 'failed', FAILABLE);
}

export async function failTask(db: Db, ownerId: string, item: FailItemInput): Promise<TaskRow> {
  const [parsed] = failItems([parseInput(failItemSchema, item)]);
  return single(outcomes([await coalescedFor(db).fail({ ownerId, ...parsed! })], 'failed', FAILABLE)[0]!);
}

/** Extends the lease (by the queue's visibility timeout unless `extendSeconds` is given). */
export async function heartbeatTask(db: Db, ownerId: string, input: HeartbeatInput): Promise<TaskRow> {
  const i = parseInput(heartbeatSchema, input);
  const row = await extendLease.row(db.pool, {
    ownerId,
    id: i.id,
    leaseToken: i.leaseToken ?? null,
    agentId: i.agentId ?? null,
    seconds: i.extendSeconds ?? null,
  });
  return single(outcomeOf(row!, 'extended'));
}
