import type { Message, Prisma, TeamMember } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { badInput, conflict, notFound } from '../errors.js';
import { requireTeam } from '../teams/teams.js';
import { parseInput } from '../validation.js';
import { insertMessage } from './sql/insertMessage.js';
import { markRead } from './sql/markRead.js';
import { cursorSchema, memberNameSchema, messageInputSchema, type MessageInput } from './validation.js';

// Durable mailboxes: every message is stored with a per-team sequence (its cursor).

/** Sends from a member to one member (`to`) or the whole team; a stopped team takes no messages. */
export async function sendMessage(db: Db, ownerId: string, teamId: string, input: MessageInput): Promise<Message> {
  const data = parseInput(messageInputSchema, input, 'input');
  const row = await insertMessage.row(db.pool, { ownerId, teamId, id: newId('Message'), from: data.from, to: data.to ?? null, body: data.body });
  if (row?.id) {
    const { _teamStatus, _fromKnown, _toKnown, ...message } = row;
    return message as Message;
  }
  if (!row?._teamStatus) throw notFound('team', teamId);
  if (!row._fromKnown) throw badInput('from', `${data.from} is not a member of team ${teamId}`);
  if (!row._toKnown) throw badInput('to', `${data.to} is not a member of team ${teamId}`);
  throw conflict(`team ${teamId} is stopped; it takes no new messages`);
}

/** Messages addressed to `agent`: direct ones and broadcasts by others. */
export function inboxWhere(teamId: string, agent: string): Prisma.MessageWhereInput {
  return { teamId, OR: [{ toAgent: agent }, { toAgent: null, fromAgent: { not: agent } }] };
}

export const isFor = (agent: string) => (m: Message) => m.toAgent === agent || (m.toAgent === null && m.fromAgent !== agent);

/** The owner's team member, or NOT_FOUND for the team / BAD_USER_INPUT for the member. */
export async function requireTeamMember(db: Db, ownerId: string, teamId: string, agent: string, field = 'agent'): Promise<TeamMember> {
  await requireTeam(db, ownerId, teamId);
  const member = await db.prisma.teamMember.findUnique({ where: { teamId_name: { teamId, name: agent } } });
  if (!member) throw badInput(field, `${agent} is not a member of team ${teamId}`);
  return member;
}

/** The member's messages after `after` (default: after what it marked read), oldest first. */
export async function inbox(db: Db, ownerId: string, teamId: string, agent: string, options: { after?: number | null; limit: number }) {
  parseInput(memberNameSchema, agent, 'agent');
  const member = await requireTeamMember(db, ownerId, teamId, agent);
  const after = options.after == null ? member.readSeq : parseInput(cursorSchema, options.after, 'after');
  return db.prisma.message.findMany({
    where: { ...inboxWhere(teamId, agent), seq: { gt: after } },
    orderBy: { seq: 'asc' },
    take: options.limit,
  });
}

/** Marks everything up to `upTo` read (never moves backwards); returns the member's read cursor. */
export async function markMessagesRead(db: Db, ownerId: string, teamId: string, agent: string, upTo: number): Promise<number> {
  parseInput(memberNameSchema, agent, 'agent');
  parseInput(cursorSchema, upTo, 'upTo');
  const row = await markRead.row(db.pool, { ownerId, teamId, agent, upTo });
  if (row) return row.readSeq;
  await requireTeamMember(db, ownerId, teamId, agent);
  throw notFound('team member', agent);
}
