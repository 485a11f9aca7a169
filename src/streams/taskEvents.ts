import type { TaskEvent } from '../generated/prisma/client.js';
import { REPLAY_PAGE, replayThenLive } from '../events/replayThenLive.js';
import { requireQueue } from '../queues/workQueues.js';
import { requireTeam } from '../teams/teams.js';
import type { StreamDeps } from './deps.js';

/**
 * Task events of one queue, or of every queue of a team, owner-checked before anything is read:
 * those after `after` from the database, then live ones. Without a cursor: live events only.
 */
export async function taskEventStream(
  deps: StreamDeps,
  ownerId: string,
  scope: { queueId: string } | { teamId: string },
  after: bigint | null,
): Promise<AsyncGenerator<TaskEvent>> {
  const { db, bus } = deps;
  const where =
    'queueId' in scope ? { queueId: (await requireQueue(db, ownerId, scope.queueId)).id } : { teamId: (await requireTeam(db, ownerId, scope.teamId)).id };
  const live = where.queueId ? bus.subscribe('queueTasks', where.queueId) : bus.subscribe('teamTasks', where.teamId!);
  const upTo = deps.positions().tasks;
  return replayThenLive<TaskEvent>({
    live,
    after: after ?? upTo,
    upTo,
    page: (cursor, end) =>
      db.prisma.taskEvent.findMany({ where: { ...where, id: { gt: cursor, lte: end } }, orderBy: { id: 'asc' }, take: REPLAY_PAGE }),
    cursor: (e) => e.id,
  });
}
