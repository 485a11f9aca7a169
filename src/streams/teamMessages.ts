import type { Message } from '../generated/prisma/client.js';
import { REPLAY_PAGE, replayThenLive } from '../events/replayThenLive.js';
import { requireTeam } from '../teams/teams.js';
import type { StreamDeps } from './deps.js';

/**
 * Every message of a team (what a dashboard shows as the team's stream): those after `after` (a
 * seq) from the database, then live ones, with no gap or repeat. Without a cursor: live only.
 */
export async function teamMessageStream(deps: StreamDeps, ownerId: string, teamId: string, after: number | null): Promise<AsyncGenerator<Message>> {
  const { db, bus } = deps;
  const team = await requireTeam(db, ownerId, teamId);
  const live = bus.subscribe('mailbox', team.id);
  const upTo = (await deps.positions()).messages;
  // A live-only stream starts after the last message the tailer has delivered.
  const start =
    after ?? (await db.prisma.message.findFirst({ where: { teamId: team.id, logId: { lte: upTo } }, orderBy: { seq: 'desc' }, select: { seq: true } }))?.seq ?? 0;
  return replayThenLive<Message>({
    live,
    after: BigInt(start),
    upTo,
    page: (cursor, end) =>
      db.prisma.message.findMany({ where: { teamId: team.id, seq: { gt: Number(cursor) }, logId: { lte: end } }, orderBy: { seq: 'asc' }, take: REPLAY_PAGE }),
    cursor: (m) => BigInt(m.seq),
  });
}
