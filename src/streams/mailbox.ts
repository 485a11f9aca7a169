import type { Message } from '../generated/prisma/client.js';
import { REPLAY_PAGE, replayThenLive } from '../events/replayThenLive.js';
import { inboxWhere, isFor, requireTeamMember } from '../mailbox/messages.js';
import type { StreamDeps } from './deps.js';

/**
 * A member's messages after `after` (a seq; default: its read cursor), then live ones. History
 * stops where the tailer stands in the message log; later messages arrive live, in order.
 */
export async function mailboxStream(deps: StreamDeps, ownerId: string, teamId: string, agent: string, after: number | null): Promise<AsyncGenerator<Message>> {
  const { db, bus } = deps;
  const member = await requireTeamMember(db, ownerId, teamId, agent);
  const live = bus.subscribe('mailbox', teamId);
  const upTo = (await deps.positions()).messages;
  return replayThenLive<Message>({
    live,
    after: BigInt(after ?? member.readSeq),
    upTo,
    page: (cursor, end) =>
      db.prisma.message.findMany({
        where: { ...inboxWhere(teamId, agent), seq: { gt: Number(cursor) }, logId: { lte: end } },
        orderBy: { seq: 'asc' },
        take: REPLAY_PAGE,
      }),
    cursor: (m) => BigInt(m.seq),
    accept: isFor(agent),
  });
}
