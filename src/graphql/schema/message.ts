import { z } from 'zod';
import { badInput } from '../../errors.js';
import { inbox, markMessagesRead, sendMessage } from '../../mailbox/messages.js';
import { cursorSchema, memberNameSchema } from '../../mailbox/validation.js';
import { idSchema } from '../../queues/validation.js';
import { mailboxStream } from '../../streams/mailbox.js';
import { teamMessageStream } from '../../streams/teamMessages.js';
import { requireTeam } from '../../teams/teams.js';
import { intBetween } from '../../validation.js';
import { builder } from '../builder.js';
import { nodeQuery, totalCountOf } from '../connection.js';
import { bySeq, planPage } from '../pagination.js';

const MAX_INBOX_PAGE = 100;

export const Message = builder.prismaNode('Message', {
  description: 'A mailbox message between members of a team.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, team: { ownerId: ctx.ownerId } }),
  fields: (t) => ({
    teamId: t.exposeID('teamId'),
    seq: t.exposeInt('seq', { description: 'Per-team increasing sequence: the mailbox cursor.' }),
    from: t.exposeString('fromAgent'),
    to: t.exposeString('toAgent', { nullable: true, description: 'Null for a message to the whole team.' }),
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** Owner tokens name the member; agent tokens have it filled in by the permission rules. */
function member(agent: string | null | undefined): string {
  if (agent == null) throw badInput('agent', 'is required');
  return agent;
}

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    from: t.string({ description: 'The sending member, e.g. agent-1 (an agent token: itself, the default).' }),
    to: t.string({ description: 'One member; omit to send to the whole team.' }),
    body: t.string({ required: true }),
  }),
});

builder.queryFields((t) => ({
  messages: t.connection(
    {
      type: Message,
      description: "A team's message history, oldest first.",
      args: { teamId: t.arg.id({ required: true }) },
      // Loose: the connection's own arguments (first, after, …) are checked by planPage.
      validate: z.looseObject({ teamId: idSchema }),
      resolve: async (_parent, args, ctx, info) => {
        const plan = planPage(args, { ownerId: ctx.ownerId, list: `messages:${args.teamId}` }, bySeq(2n ** 31n - 1n));
        await requireTeam(ctx.db, ctx.ownerId, args.teamId);
        const rows = await ctx.db.prisma.message.findMany({
          ...nodeQuery(ctx, info),
          where: { AND: [{ teamId: args.teamId }, plan.query.where] },
          orderBy: plan.query.orderBy,
          take: plan.query.take,
        });
        return plan.connection(rows, () => ctx.db.prisma.message.count({ where: { teamId: args.teamId } }));
      },
    },
    { fields: (c) => ({ totalCount: c.int({ resolve: totalCountOf }) }) },
  ),
  inbox: t.field({
    type: [Message],
    description: "A member's messages (direct and broadcasts by others) after `after`; by default the unread ones.",
    args: {
      teamId: t.arg.id({ required: true }),
      agent: t.arg.string({ description: 'The member; an agent token defaults it to itself (and allows no other).' }),
      after: t.arg.int({ description: 'A message seq; default: the member\u2019s read cursor.' }),
      limit: t.arg.int({ description: `At most ${MAX_INBOX_PAGE} (default 50).` }),
    },
    validate: z.object({
      teamId: idSchema,
      agent: memberNameSchema.nullish(),
      after: cursorSchema.nullish(),
      limit: intBetween(1, MAX_INBOX_PAGE).nullish(),
    }),
    resolve: (_parent, args, ctx) => inbox(ctx.db, ctx.ownerId, args.teamId, member(args.agent), { after: args.after, limit: args.limit ?? 50 }),
  }),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: Message,
    description: 'From a member to one member or the whole team. BAD_USER_INPUT for non-members, CONFLICT when the team stopped.',
    args: { teamId: t.arg.id({ required: true }), input: t.arg({ type: SendMessageInput, required: true }) },
    validate: z.looseObject({ teamId: idSchema }),
    resolve: (_parent, args, ctx) => {
      if (args.input.from == null) throw badInput('input.from', 'is required');
      return sendMessage(ctx.db, ctx.ownerId, args.teamId, { ...args.input, from: args.input.from });
    },
  }),
  markMessagesRead: t.int({
    description: "Marks the member's messages up to `upTo` (a seq) read; returns its read cursor.",
    args: { teamId: t.arg.id({ required: true }), agent: t.arg.string({ description: 'The member; an agent token defaults it to itself (and allows no other).' }), upTo: t.arg.int({ required: true }) },
    validate: z.object({ teamId: idSchema, agent: memberNameSchema.nullish(), upTo: cursorSchema }),
    resolve: (_parent, args, ctx) => markMessagesRead(ctx.db, ctx.ownerId, args.teamId, member(args.agent), args.upTo),
  }),
}));

builder.subscriptionFields((t) => ({
  mailbox: t.field({
    type: Message,
    description:
      "A member's messages: first those after `after` (default: its read cursor) from the database, then new ones as they are sent, with no gap or repeat.",
    args: { teamId: t.arg.id({ required: true }), agent: t.arg.string({ description: 'The member; an agent token defaults it to itself (and allows no other).' }), after: t.arg.int() },
    validate: z.object({ teamId: idSchema, agent: memberNameSchema.nullish(), after: cursorSchema.nullish() }),
    subscribe: (_root, args, ctx) => mailboxStream(ctx, ctx.ownerId, args.teamId, member(args.agent), args.after ?? null),
    resolve: (message) => message,
  }),
  teamMessages: t.field({
    type: Message,
    description:
      "Every message of a team, in seq order: those after `after` from the database first, then new ones as they are sent, with no gap or repeat. Without `after`: new ones only.",
    args: { teamId: t.arg.id({ required: true }), after: t.arg.int() },
    validate: z.object({ teamId: idSchema, after: cursorSchema.nullish() }),
    subscribe: (_root, args, ctx) => teamMessageStream(ctx, ctx.ownerId, args.teamId, args.after ?? null),
    resolve: (message) => message,
  }),
}));
