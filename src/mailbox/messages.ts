import type { Message, Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import type { Tx } from '../db/tx.js';
import { badInput, conflict, notFound } from '../errors.js';
import { requireTeam } from '../teams/teams.js';
import type { MessageInput } from './validation.js';

// Durable mailboxes: every message is stored with a per-team sequence (its cursor). The sequence
// is taken by incrementing the team row, whose lock is held until commit, so messages of a team
// commit in sequence order and a cursor never skips one that commits later.

async function requireMember(db: Tx, teamId: string, name: string, field: string): Promise<void> {
  const member = await db.teamMember.findUnique({ where: { teamId_name: { teamId, name } }, select: { name: true } });
  if (!member) throw badInput(field, `${name} is not a member of team ${teamId}`);
}

/** Sends from a member to one member (`to`) or the whole team; a stopped team takes no messages. */
export async function sendMessage(db: Db, ownerId: string, teamId: string, input: MessageInput): Promise<Message> {
  return db.$transaction(async (tx) => {
    await requireTeam(tx, ownerId, teamId);
    await requireMember(tx, teamId, input.from, 'from');
    if (input.to) await requireMember(tx, teamId, input.to, 'to');
    const [team] = await tx.$queryRaw<{ seq: number }[]>`
      UPDATE teams SET message_seq = message_seq + 1
      WHERE id = ${teamId} AND status = 'ACTIVE'
      RETURNING message_seq AS seq`;
    if (!team) throw conflict(`team ${teamId} is stopped; it takes no new messages`);
    await tx.teamMember.update({ where: { teamId_name: { teamId, name: input.from } }, data: { lastSeenAt: new Date() } });
    return tx.message.create({
      data: { id: newId('Message'), teamId, seq: team.seq, fromAgent: input.from, toAgent: input.to ?? null, body: input.body },
    });
  });
}

/** Messages addressed to `agent`: direct ones and broadcasts by others. */
export function inboxWhere(teamId: string, agent: string): Prisma.MessageWhereInput {
  return { teamId, OR: [{ toAgent: agent }, { toAgent: null, fromAgent: { not: agent } }] };
}

export const isFor = (agent: string) => (m: Message) => m.toAgent === agent || (m.toAgent === null && m.fromAgent !== agent);

export async function requireTeamMember(db: Tx, ownerId: string, teamId: string, agent: string, field = 'agent') {
  await requireTeam(db, ownerId, teamId);
  await requireMember(db, teamId, agent, field);
  return db.teamMember.findUniqueOrThrow({ where: { teamId_name: { teamId, name: agent } } });
}

/** The member's messages after `after` (default: after what it marked read), oldest first. */
export async function inbox(db: Db, ownerId: string, teamId: string, agent: string, options: { after?: number | null; limit: number }) {
  const member = await requireTeamMember(db, ownerId, teamId, agent);
  const after = options.after ?? member.readSeq;
  return db.message.findMany({
    where: { ...inboxWhere(teamId, agent), seq: { gt: after } },
    orderBy: { seq: 'asc' },
    take: options.limit,
  });
}

/** Marks everything up to `upTo` read (never moves backwards); returns the member's read cursor. */
export async function markMessagesRead(db: Db, ownerId: string, teamId: string, agent: string, upTo: number): Promise<number> {
  await requireTeamMember(db, ownerId, teamId, agent);
  const [row] = await db.$queryRaw<{ readSeq: number }[]>`
    UPDATE team_members
    SET read_seq = GREATEST(read_seq, LEAST(${upTo}::int, (SELECT message_seq FROM teams WHERE id = ${teamId}))),
        last_seen_at = now()
    WHERE team_id = ${teamId} AND name = ${agent}
    RETURNING read_seq AS "readSeq"`;
  if (!row) throw notFound('team member', agent);
  return row.readSeq;
}
