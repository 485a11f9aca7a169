import type { Prisma, TaskEvent } from '../generated/prisma/client.js';
import { REPLAY_PAGE, replayThenLive } from '../events/replayThenLive.js';
import { requireQueue } from '../queues/workQueues.js';
import { requireTeam } from '../teams/teams.js';
import type { StreamDeps } from './deps.js';
import { ownerTaskEvents } from './sql/ownerTaskEvents.js';

/**
 * Task events of one queue, of every queue of a team, or of every queue of the owner,
 * owner-checked before anything is read: those after `after` from the database, then live ones.
 * Without a cursor: live events only.
 */
export async function taskEventStream(
  deps: StreamDeps,
  ownerId: string,
  scope: { queueId: string } | { teamId: string } | 'all',
  after: bigint | null,
): Promise<AsyncGenerator<TaskEvent>> {
  const { db, bus } = deps;
  let page: (cursor: bigint, end: bigint) => Promise<TaskEvent[]>;
  let live;
  const pageWhere = (where: Prisma.TaskEventWhereInput) => (cursor: bigint, end: bigint) =>
    db.prisma.taskEvent.findMany({ where: { ...where, id: { gt: cursor, lte: end } }, orderBy: { id: 'asc' }, take: REPLAY_PAGE });
  if (scope === 'all') {
    page = (cursor, end) => ownerTaskEvents.rows(db.pool, { ownerId, after: cursor, upTo: end, limit: REPLAY_PAGE });
    live = bus.subscribe('ownerTasks', ownerId);
  } else if ('queueId' in scope) {
    page = pageWhere({ queueId: (await requireQueue(db, ownerId, scope.queueId)).id });
    live = bus.subscribe('queueTasks', scope.queueId);
  } else {
    page = pageWhere({ teamId: (await requireTeam(db, ownerId, scope.teamId)).id });
    live = bus.subscribe('teamTasks', scope.teamId);
  }
  const upTo = (await deps.positions()).tasks;
  return replayThenLive<TaskEvent>({ live, after: after ?? upTo, upTo, page, cursor: (e) => e.id });
}
