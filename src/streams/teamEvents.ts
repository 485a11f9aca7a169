import type { TeamEvent } from '../generated/prisma/client.js';
import { closable } from '../events/closable.js';
import { REPLAY_PAGE, replayThenLive } from '../events/replayThenLive.js';
import { requireTeam } from '../teams/teams.js';
import type { StreamDeps } from './deps.js';

/** A team's events; the stream ends after TEAM_STOPPED (also when the team stopped earlier). */
export async function teamEventStream(deps: StreamDeps, ownerId: string, teamId: string, after: bigint | null): Promise<AsyncGenerator<TeamEvent>> {
  const { db, bus } = deps;
  const team = await requireTeam(db, ownerId, teamId);
  const live = bus.subscribe('teamEvents', team.id);
  const upTo = (await deps.positions()).teams;
  let start = after;
  if (team.status === 'STOPPED') {
    // Subscribed after the end: deliver what remains up to the final event, then complete.
    const stop = await db.prisma.teamEvent.findFirst({ where: { teamId, type: 'TEAM_STOPPED' }, select: { id: true } });
    if (stop && start !== null && start >= stop.id) {
      await live.return();
      return (async function* () {})();
    }
    if (start === null && stop) start = stop.id - 1n;
  }
  const events = replayThenLive<TeamEvent>({
    live,
    after: start ?? upTo,
    upTo,
    page: (cursor, end) =>
      db.prisma.teamEvent.findMany({ where: { teamId: team.id, id: { gt: cursor, lte: end } }, orderBy: { id: 'asc' }, take: REPLAY_PAGE }),
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

/**
 * Events of every team of the owner (creations as MEMBER_ADDED, member states, dispatch
 * progress, stops): one subscription keeps a whole dashboard current. It never ends by itself.
 */
export async function ownerTeamEventStream(deps: StreamDeps, ownerId: string, after: bigint | null): Promise<AsyncGenerator<TeamEvent>> {
  const { db, bus } = deps;
  const live = bus.subscribe('ownerTeamEvents', ownerId);
  const upTo = (await deps.positions()).teams;
  return replayThenLive<TeamEvent>({
    live,
    after: after ?? upTo,
    upTo,
    page: (cursor, end) =>
      db.prisma.teamEvent.findMany({ where: { team: { ownerId }, id: { gt: cursor, lte: end } }, orderBy: { id: 'asc' }, take: REPLAY_PAGE }),
    cursor: (e) => e.id,
  });
}
