import { z } from 'zod';
import type { TeamEvent as TeamEventRow } from '../../generated/prisma/client.js';
import { ownerTeamEventStream, teamEventStream } from '../../streams/teamEvents.js';
import { idSchema } from '../../queues/validation.js';
import { builder } from '../builder.js';
import { Spend, TeamBudget } from './budget.js';
import { Dispatch } from './dispatch.js';
import { eventCursorSchema } from './taskEvent.js';

const TeamEventTypeEnum = builder.enumType('TeamEventType', {
  values: ['MEMBER_STATE', 'MEMBER_ADDED', 'DISPATCH_PROGRESS', 'TEAM_STOPPED', 'AGENT_TOKENS_REVOKED', 'BUDGET_EXHAUSTED', 'TEAM_RESUMED'] as const,
});

interface Detail {
  state?: string;
  taskId?: string;
  taskStatus?: string;
  limit?: string;
  spent?: { cost: number; tasks: number };
  budget?: { maxCost: number | null; maxTasks: number | null };
}
const detailOf = (e: TeamEventRow) => (e.detail ?? {}) as Detail;

export const TeamEvent = builder.prismaObject('TeamEvent', {
  description: "A member going busy or idle, a member added, progress of a dispatch, the budget running out, a resume, the team stopping, a member's agent tokens revoked.",
  fields: (t) => ({
    id: t.id({ description: 'Increasing: pass it as `after` to resume.', resolve: (e) => e.id.toString() }),
    teamId: t.exposeID('teamId'),
    type: t.expose('type', { type: TeamEventTypeEnum }),
    agent: t.exposeString('agent', { nullable: true, description: 'The member concerned.' }),
    state: t.string({ nullable: true, description: 'MEMBER_STATE: IDLE or BUSY.', resolve: (e) => detailOf(e).state ?? null }),
    taskId: t.id({ nullable: true, resolve: (e) => detailOf(e).taskId ?? null }),
    taskStatus: t.string({ nullable: true, description: 'DISPATCH_PROGRESS: the status the task reached.', resolve: (e) => detailOf(e).taskStatus ?? null }),
    limit: t.string({
      nullable: true,
      description: 'BUDGET_EXHAUSTED: the limit that was reached, maxCost or maxTasks.',
      resolve: (e) => detailOf(e).limit ?? null,
    }),
    spent: t.field({
      type: Spend,
      nullable: true,
      description: 'BUDGET_EXHAUSTED: what the team had spent when it paused.',
      resolve: (e) => detailOf(e).spent ?? null,
    }),
    budget: t.field({
      type: TeamBudget,
      nullable: true,
      description: 'BUDGET_EXHAUSTED: the budget that ran out.',
      resolve: (e) => detailOf(e).budget ?? null,
    }),
    dispatch: t.field({
      type: Dispatch,
      nullable: true,
      description: 'DISPATCH_PROGRESS: the dispatch, with its overall status now.',
      resolve: (e, _args, ctx) => (e.dispatchId ? ctx.loaders.dispatch().load(e.dispatchId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.subscriptionFields((t) => ({
  teamEvents: t.field({
    type: TeamEvent,
    description:
      "Member state changes, dispatch progress, BUDGET_EXHAUSTED (the team paused) and TEAM_RESUMED, and the final TEAM_STOPPED event, after which the stream ends. Without teamId: the events of all your teams (a new team's members arrive as MEMBER_ADDED), never ending.",
    args: { teamId: t.arg.id(), after: t.arg.id({ description: 'Replay events after this id first.' }) },
    validate: z.object({ teamId: idSchema.nullish(), after: eventCursorSchema.nullish() }),
    subscribe: (_root, args, ctx) => {
      const after = args.after == null ? null : BigInt(args.after);
      return args.teamId ? teamEventStream(ctx, ctx.ownerId, args.teamId, after) : ownerTeamEventStream(ctx, ctx.ownerId, after);
    },
    resolve: (event) => event,
  }),
}));
