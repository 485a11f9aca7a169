import type { Message, TeamEvent } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { inboxWhere, isFor, requireTeamMember } from '../mailbox/messages.js';
import { requireQueue } from '../queues/workQueues.js';
import { requireTeam } from '../teams/teams.js';
import type { EventBus, TaskEventPayload } from './bus.js';
import { closable } from './closable.js';
import { REPLAY_PAGE, replayThenLive } from './replayThenLive.js';

// The subscription streams, owner-checked before anything is read. A stream without a cursor
// starts at the current head of its table: live events only, yet it can still re-read what a
// dropped LISTEN connection missed.

async function head(db: Db, table: 'task_events' | 'team_events'): Promise<bigint> {
  const [row] = await db.$queryRawUnsafe<{ max: bigint | null }[]>(`SELECT max(id) AS max FROM ${table}`);
  return row?.max ?? 0n;
}

/** Task events of one queue, or of every queue of a team. */
export async function taskEventStream(
  db: Db,
  bus: EventBus,
  ownerId: string,
  scope: { queueId: string } | { teamId: string },
  after: bigint | null,
): Promise<AsyncGenerator<TaskEventPayload>> {
  const start = after ?? (await head(db, 'task_events'));
  if ('queueId' in scope) {
    const queue = await requireQueue(db, ownerId, scope.queueId);
    return replayThenLive<TaskEventPayload>({
      live: bus.subscribe('queueTasks', queue.id),
      after: start,
      page: async (cursor) =>
        (await db.taskEvent.findMany({ where: { queueId: queue.id, id: { gt: cursor } }, orderBy: { id: 'asc' }, take: REPLAY_PAGE })).map(
          (e) => ({ ...e, teamId: null }),
        ),
      cursor: (e) => e.id,
    });
  }
  const team = await requireTeam(db, ownerId, scope.teamId);
  return replayThenLive<TaskEventPayload>({
    live: bus.subscribe('teamTasks', team.id),
    after: start,
    page: async (cursor) =>
      (
        await db.taskEvent.findMany({
          where: { queue: { teamId: team.id, ownerId: team.ownerId }, id: { gt: cursor } },
          orderBy: { id: 'asc' },
          take: REPLAY_PAGE,
        })
      ).map((e) => ({ ...e, teamId: team.id })),
    cursor: (e) => e.id,
  });
}

/** A team's events; the stream ends after TEAM_STOPPED (also when the team stopped earlier). */
export async function teamEventStream(db: Db, bus: EventBus, ownerId: string, teamId: string, after: bigint | null) {
  const team = await requireTeam(db, ownerId, teamId);
  let start = after;
  if (team.status === 'STOPPED') {
    // Subscribed after the end: deliver what remains up to the final event, then complete.
    const stop = await db.teamEvent.findFirst({ where: { teamId, type: 'TEAM_STOPPED' }, select: { id: true } });
    if (stop && start !== null && start >= stop.id) return (async function* () {})();
    if (start === null) start = stop ? stop.id - 1n : null;
  }
  const events = replayThenLive<TeamEvent>({
    live: bus.subscribe('teamEvents', team.id),
    after: start ?? (await head(db, 'team_events')),
    page: (cursor) => db.teamEvent.findMany({ where: { teamId: team.id, id: { gt: cursor } }, orderBy: { id: 'asc' }, take: REPLAY_PAGE }),
    cursor: (e) => e.id,
  });
  const untilStopped = (async function* () {
    for await (const event of events) {
      yield event;
      if (event.type === 'TEAM_STOPPED') return;
    }
  })();
  return closable(untilStopped, () => events.return(undefined));
}

/** A member's messages after `after` (default: its read cursor), then live ones. */
export async function mailboxStream(db: Db, bus: EventBus, ownerId: string, teamId: string, agent: string, after: number | null) {
  const member = await requireTeamMember(db, ownerId, teamId, agent);
  const start = after ?? member.readSeq;
  return replayThenLive<Message>({
    live: bus.subscribe('mailbox', teamId),
    after: BigInt(start),
    page: (cursor) =>
      db.message.findMany({ where: { ...inboxWhere(teamId, agent), seq: { gt: Number(cursor) } }, orderBy: { seq: 'asc' }, take: REPLAY_PAGE }),
    cursor: (m) => BigInt(m.seq),
    accept: (m) => isFor(agent)(m) && m.seq > start,
  });
}
