import type { Dispatch, Task, TaskStatus } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { conflict, notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { budgetExhausted, budgetOf } from './budgets.js';
import { insertBackgroundTask } from './sql/insertBackgroundTask.js';
import { insertDispatch } from './sql/insertDispatch.js';
import { backgroundInputSchema, dispatchInputSchema, MAX_TEAM_SIZE, type BackgroundInput, type DispatchInput } from './validation.js';

export type DispatchStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** Task names are short; the full instruction travels in the payload. */
const taskName = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

/** Why the team took no work: missing, paused (its budget, in figures) or stopped. */
async function refused(db: Db, teamId: string, status: string | null): Promise<never> {
  if (status === null) throw notFound('team', teamId);
  if (status === 'PAUSED') throw budgetExhausted(teamId, await budgetOf(db, teamId));
  throw conflict(`team ${teamId} is stopped`);
}

/**
 * Puts work on the team's queue. `parallel: false` → one task any idle member may take;
 * `parallel: true` → one task per member, each reserved for that member only. A paused team
 * (budget exhausted) or a stopped one takes none: CONFLICT.
 */
export async function dispatchToTeam(db: Db, ownerId: string, teamId: string, input: DispatchInput): Promise<Dispatch> {
  const data = parseInput(dispatchInputSchema, input, 'input');
  const row = await insertDispatch.row(db.pool, {
    ownerId,
    teamId,
    id: newId('Dispatch'),
    task: data.task,
    taskName: taskName(data.task),
    tools: data.tools ?? [],
    parallel: data.parallel ?? false,
    completion: data.completion ?? 'ALL',
    taskIds: Array.from({ length: MAX_TEAM_SIZE }, () => newId('Task')),
  });
  if (!row?.dispatch) return refused(db, teamId, row?.teamStatus ?? null);
  const { decidedAt, ...dispatch } = row.dispatch;
  return { ...dispatch, decidedAt: decidedAt ? new Date(decidedAt) : null, createdAt: new Date(dispatch.createdAt) };
}

/**
 * Fire-and-forget work on the team's queue: answered at once; once a member takes it, the
 * sweeper fails it with "exceeded max runtime" if it is still running after the limit.
 */
export async function startBackgroundTask(db: Db, ownerId: string, teamId: string, input: BackgroundInput): Promise<Task> {
  const data = parseInput(backgroundInputSchema, input, 'input');
  const row = await insertBackgroundTask.row(db.pool, {
    ownerId,
    teamId,
    id: newId('Task'),
    task: data.task,
    taskName: taskName(data.task),
    maxRuntimeSeconds: data.maxRuntimeSeconds ?? 3600,
  });
  if (!row?.id) return refused(db, teamId, row?._teamStatus ?? null);
  const { _teamStatus, ...task } = row;
  return task as Task;
}

/** The owner's dispatch (of `teamId` when given), or NOT_FOUND. */
export async function requireDispatch(db: Db, ownerId: string, id: string, teamId?: string | null): Promise<Dispatch> {
  const dispatch = await db.prisma.dispatch.findFirst({ where: { id, team: { ownerId }, ...(teamId ? { teamId } : {}) } });
  if (!dispatch) throw notFound('dispatch', id);
  return dispatch;
}

/**
 * ALL: completed when every task completed, failed when any failed or expired, else running.
 * FIRST: completed as soon as one task completed; otherwise as ALL.
 */
export function dispatchStatus(statuses: TaskStatus[], completion: 'ALL' | 'FIRST' = 'ALL'): DispatchStatus {
  if (completion === 'FIRST' && statuses.includes('COMPLETED')) return 'COMPLETED';
  if (statuses.some((s) => s === 'FAILED' || s === 'EXPIRED')) return 'FAILED';
  if (statuses.length > 0 && statuses.every((s) => s === 'COMPLETED')) return 'COMPLETED';
  if (statuses.length > 0 && statuses.every((s) => s === 'COMPLETED' || s === 'CANCELLED')) return 'CANCELLED';
  return 'RUNNING';
}
