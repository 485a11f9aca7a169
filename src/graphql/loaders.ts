import DataLoader from 'dataloader';
import type { Db } from '../db/client.js';
import type { Dispatch, Task, TaskEvent } from '../generated/prisma/client.js';
import { countPending, countTasksByStatus } from '../queues/sql/countTasks.js';
import { pendingByPriority } from '../queues/sql/pendingByPriority.js';
import { throughput, type ThroughputRow } from '../queues/sql/throughput.js';
import { membersOfTeams, type MemberView } from '../teams/members.js';
import { countTeamPending } from '../teams/sql/countTeamPending.js';

export interface PriorityCount {
  priority: number;
  count: number;
  oldestCreatedAt: Date;
}

/** Tasks per status, plus DELAYED: the PENDING ones not yet due. */
export type StatusCounts = Record<
  'BLOCKED' | 'PENDING' | 'ASSIGNED' | 'INPUT_REQUIRED' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'EXPIRED' | 'DELAYED',
  number
>;

const zeroCounts = (): StatusCounts => ({ BLOCKED: 0, PENDING: 0, ASSIGNED: 0, INPUT_REQUIRED: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, EXPIRED: 0, DELAYED: 0 });

/** Numbers by key, 0 for keys without a row. */
const countsBy = <K extends string>(keys: readonly string[], rows: Array<{ [key in K]: string } & { count: number }>, key: K) => {
  const byKey = new Map<string, number>(rows.map((r) => [r[key] as string, r.count]));
  return keys.map((k) => byKey.get(k) ?? 0);
};

/**
 * Batches the loads of one tick into one query, and caches nothing: the context of a subscription
 * lives as long as the subscription (each event must see the rows as they are now), and later
 * fields of a mutation must see what earlier ones changed.
 */
const batched = <K, V>(load: DataLoader.BatchLoadFn<K, V>) => new DataLoader<K, V>(load, { cache: false });

/**
 * Per-request batch loaders for fields that look up related data per parent (members, depths,
 * counts, a member's current task, a task's events, an event's task or dispatch): a list of 50
 * teams costs one query per field, not one per team. Built lazily, so a request that needs none pays nothing.
 */
export function createLoaders(db: Db) {
  const lazy = <T>(make: () => T) => {
    let value: T | undefined;
    return () => (value ??= make());
  };
  const batches = new Map<string, DataLoader<string, unknown>>();
  return {
    /** A loader of its own for each key (e.g. one field with one set of arguments), made on first use. */
    batch<V>(key: string, load: (ids: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
      let loader = batches.get(key);
      if (!loader) batches.set(key, (loader = batched<string, V>(load)));
      return loader as DataLoader<string, V>;
    },
    members: lazy(() => batched<string, MemberView[]>((teamIds) => membersOfTeams(db, teamIds))),
    teamDepth: lazy(
      () =>
        batched<string, number>(async (teamIds) =>
          countsBy(teamIds, await countTeamPending.rows(db.pool, { teamIds: [...teamIds] }), 'teamId'),
        ),
    ),
    queueDepth: lazy(
      () =>
        batched<string, number>(async (queueIds) =>
          countsBy(queueIds, await countPending.rows(db.pool, { queueIds: [...queueIds] }), 'queueId'),
        ),
    ),
    queueCounts: lazy(
      () =>
        batched<string, StatusCounts>(async (queueIds) => {
          const byQueue = new Map(queueIds.map((id) => [id, zeroCounts()]));
          for (const row of await countTasksByStatus.rows(db.pool, { queueIds: [...queueIds] })) {
            byQueue.get(row.queueId)![row.status as keyof StatusCounts] = row.count;
          }
          return queueIds.map((id) => byQueue.get(id)!);
        }),
    ),
    pendingByPriority: lazy(
      () =>
        batched<string, PriorityCount[]>(async (queueIds) => {
          const byQueue = new Map(queueIds.map((id) => [id, [] as PriorityCount[]]));
          for (const { queueId, ...row } of await pendingByPriority.rows(db.pool, { queueIds: [...queueIds] })) byQueue.get(queueId)!.push(row);
          return queueIds.map((id) => byQueue.get(id)!);
        }),
    ),
    /** Keyed by `minutes:queueId`: one query per window size asked for in the request. */
    throughput: lazy(
      () =>
        batched<string, ThroughputRow>(async (keys) => {
          const byWindow = new Map<number, string[]>();
          for (const key of keys) {
            const [minutes, queueId] = [Number(key.slice(0, key.indexOf(':'))), key.slice(key.indexOf(':') + 1)];
            byWindow.set(minutes, [...(byWindow.get(minutes) ?? []), queueId]);
          }
          const rows = new Map<string, ThroughputRow>();
          for (const [minutes, queueIds] of byWindow) {
            for (const row of await throughput.rows(db.pool, { queueIds, minutes })) rows.set(`${minutes}:${row.queueId}`, row);
          }
          return keys.map((key) => rows.get(key)!);
        }),
    ),
    task: lazy(
      () =>
        batched<string, Task | null>(async (ids) => {
          const rows = await db.prisma.task.findMany({ where: { id: { in: [...ids] } } });
          const byId = new Map(rows.map((r) => [r.id, r]));
          return ids.map((id) => byId.get(id) ?? null);
        }),
    ),
    /** Each task's events, oldest first (events keep their task's id, no relation: see schema.prisma). */
    taskEvents: lazy(
      () =>
        batched<string, TaskEvent[]>(async (taskIds) => {
          const byTask = new Map(taskIds.map((id) => [id, [] as TaskEvent[]]));
          const rows = await db.prisma.taskEvent.findMany({ where: { taskId: { in: [...taskIds] } }, orderBy: { id: 'asc' } });
          for (const row of rows) byTask.get(row.taskId)!.push(row);
          return taskIds.map((id) => byTask.get(id)!);
        }),
    ),
    dispatch: lazy(
      () =>
        batched<string, Dispatch | null>(async (ids) => {
          const rows = await db.prisma.dispatch.findMany({ where: { id: { in: [...ids] } } });
          const byId = new Map(rows.map((r) => [r.id, r]));
          return ids.map((id) => byId.get(id) ?? null);
        }),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
