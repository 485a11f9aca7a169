import type { Dispatch, Task, TaskStatus } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { notFound } from '../errors.js';
import { lockActiveTeam } from './teams.js';
import type { BackgroundInput, DispatchInput } from './validation.js';

export type DispatchStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** Task names are short; the full instruction travels in the payload. */
const taskName = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

/**
 * Puts work on the team's queue. `parallel: false` → one task any idle member may take;
 * `parallel: true` → one task per member, each reserved for that member only.
 */
export async function dispatchToTeam(db: Db, ownerId: string, teamId: string, input: DispatchInput): Promise<Dispatch> {
  return db.$transaction(async (tx) => {
    const team = await lockActiveTeam(tx, ownerId, teamId);
    const tools = input.tools ?? [];
    const parallel = input.parallel ?? false;
    const dispatch = await tx.dispatch.create({ data: { id: newId('Dispatch'), teamId, task: input.task, tools, parallel } });
    const members = parallel
      ? await tx.teamMember.findMany({ where: { teamId }, orderBy: { position: 'asc' }, select: { name: true } })
      : [{ name: null }];
    await tx.task.createMany({
      data: members.map((m) => ({
        id: newId('Task'),
        queueId: team.queueId,
        name: taskName(input.task),
        payload: { task: input.task, tools, dispatchId: dispatch.id },
        reservedFor: m.name,
        dispatchId: dispatch.id,
      })),
    });
    return dispatch;
  });
}

/**
 * Fire-and-forget work on the team's queue: answered at once; once a member takes it, the
 * sweeper fails it with "exceeded max runtime" if it is still running after the limit.
 */
export async function startBackgroundTask(db: Db, ownerId: string, teamId: string, input: BackgroundInput): Promise<Task> {
  return db.$transaction(async (tx) => {
    const team = await lockActiveTeam(tx, ownerId, teamId);
    const maxRuntimeSeconds = input.maxRuntimeSeconds ?? 3600;
    return tx.task.create({
      data: {
        id: newId('Task'),
        queueId: team.queueId,
        name: taskName(input.task),
        payload: { task: input.task, background: true, maxRuntimeSeconds },
        maxRuntimeSeconds,
      },
    });
  });
}

/** The owner's dispatch (of `teamId` when given), or NOT_FOUND. */
export async function requireDispatch(db: Db, ownerId: string, id: string, teamId?: string | null): Promise<Dispatch> {
  const dispatch = await db.dispatch.findFirst({ where: { id, team: { ownerId }, ...(teamId ? { teamId } : {}) } });
  if (!dispatch) throw notFound('dispatch', id);
  return dispatch;
}

/** Completed when every task completed, failed when any failed or expired, else running. */
export function dispatchStatus(statuses: TaskStatus[]): DispatchStatus {
  if (statuses.some((s) => s === 'FAILED' || s === 'EXPIRED')) return 'FAILED';
  if (statuses.length > 0 && statuses.every((s) => s === 'COMPLETED')) return 'COMPLETED';
  if (statuses.length > 0 && statuses.every((s) => s === 'COMPLETED' || s === 'CANCELLED')) return 'CANCELLED';
  return 'RUNNING';
}
