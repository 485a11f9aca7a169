import { z } from 'zod';
import { idSchema } from '../../queues/validation.js';
import type { MemberView } from '../../teams/members.js';
import { countDispatches, pageDispatchesBackward, pageDispatchesForward } from '../../teams/sql/pageDispatches.js';
import { addTeamMember, createTeam, requireTeam, stopTeam } from '../../teams/teams.js';
import { builder } from '../builder.js';
import { groupByParent, nodeQuery, relatedPage, totalCountOf } from '../connection.js';
import { newestFirst, planPage } from '../pagination.js';
import { setTeamBudget, resumeTeam } from '../../teams/budgets.js';
import { Spend, TeamBudget, TeamBudgetInput } from './budget.js';
import { Dispatch } from './dispatch.js';
import { Task } from './task.js';

export const TeamStatusEnum = builder.enumType('TeamStatus', {
  description: 'ACTIVE; PAUSED once its budget ran out (its queues hand out nothing, no dispatches) until resumeTeam; STOPPED for good.',
  values: ['ACTIVE', 'PAUSED', 'STOPPED'] as const,
});
const MemberStateEnum = builder.enumType('MemberState', {
  description:
    'BUSY while the member holds an assigned task of its team (also in a paused team: it may finish it), STOPPED once the team stopped, IDLE otherwise.',
  values: ['IDLE', 'BUSY', 'STOPPED'] as const,
});

export const Team = builder.prismaNode('Team', {
  description: 'A team of persistent agents agent-1…agent-N sharing a work queue.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, ownerId: ctx.ownerId }),
  fields: (t) => ({
    name: t.exposeString('name'),
    size: t.exposeInt('size', { description: 'Number of members (1–10).' }),
    model: t.exposeString('model', { nullable: true }),
    mode: t.exposeString('mode', { nullable: true }),
    systemPrompt: t.exposeString('systemPrompt', { nullable: true }),
    status: t.expose('status', { type: TeamStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    stoppedAt: t.expose('stoppedAt', { type: 'DateTime', nullable: true }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true, description: 'When its budget ran out (while PAUSED).' }),
    budget: t.field({
      type: TeamBudget,
      description: 'Its spending limits (null limits: none).',
      select: { budget: true },
      resolve: (team) => ({ maxCost: team.budget?.maxCost ?? null, maxTasks: team.budget?.maxTasks ?? null }),
    }),
    spent: t.field({
      type: Spend,
      description:
        'What the team spent, the meter its budget is checked against: every cost reported by completeTask/failTask on its queues (requeued failures too), and the tasks finished with them (completed, or failed for good).',
      select: { budget: true },
      resolve: (team) => ({ cost: team.budget?.spentCost ?? 0, tasks: team.budget?.spentTasks ?? 0 }),
    }),
    queue: t.relation('queue', { description: "The team's own work queue." }),
    queueDepth: t.int({
      description: "Pending tasks on the team's queues.",
      resolve: (team, _args, ctx) => ctx.loaders.teamDepth().load(team.id),
    }),
    agents: t.stringList({
      description: 'Member names, agent-1 first.',
      select: { members: { select: { name: true, position: true }, orderBy: { position: 'asc' } } },
      resolve: (team) => team.members.map((m) => m.name),
    }),
    members: t.field({
      type: [TeamMember],
      resolve: (team, _args, ctx) => ctx.loaders.members().load(team.id),
    }),
    dispatches: t.connection(
      {
        type: Dispatch,
        description: 'Work dispatched to the team, newest first.',
        resolve: async (team, args, ctx, info) => {
          const plan = planPage(args, { ownerId: ctx.ownerId, list: `dispatches:${team.id}` }, newestFirst);
          const rows = await relatedPage(ctx, info, team.id, args, async (teamIds, query) => {
            const page = await (plan.backward ? pageDispatchesBackward : pageDispatchesForward).rows(ctx.db.pool, {
              teamIds: [...teamIds],
              afterCreatedAt: plan.position?.[0] ?? null,
              afterId: plan.position?.[1] ?? null,
              limit: plan.query.take,
            });
            const dispatches = await ctx.db.prisma.dispatch.findMany({ ...query, where: { id: { in: page.map((p) => p.id) } } });
            return groupByParent(page, dispatches);
          });
          const counts = ctx.loaders.batch<number>('dispatchCounts', async (teamIds) => {
            const byTeam = new Map((await countDispatches.rows(ctx.db.pool, { teamIds: [...teamIds] })).map((r) => [r.teamId, r.count]));
            return teamIds.map((id) => byTeam.get(id) ?? 0);
          });
          return plan.connection(rows, () => counts.load(team.id));
        },
      },
      { fields: (c) => ({ totalCount: c.int({ resolve: totalCountOf }) }) },
    ),
  }),
});

const TeamMember = builder.objectRef<MemberView>('TeamMember').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    state: t.field({ type: MemberStateEnum, resolve: (m) => m.state }),
    currentTask: t.field({
      type: Task,
      nullable: true,
      resolve: (m, _args, ctx) => (m.currentTaskId ? ctx.loaders.task().load(m.currentTaskId) : null),
    }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true, description: 'Last call naming this member.' }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime' }),
  }),
});

const CreateTeamInput = builder.inputType('CreateTeamInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique among your active teams.' }),
    size: t.int({ description: 'Members agent-1…agent-N, 1–10 (default 3).' }),
    model: t.string(),
    mode: t.string({ description: 'e.g. "coordinate".' }),
    systemPrompt: t.string(),
    budget: t.field({ type: TeamBudgetInput, description: 'Spending limits (none by default).' }),
  }),
});

builder.queryFields((t) => ({
  teams: t.connection(
    {
      type: Team,
      description: 'Your teams, newest first.',
      resolve: async (_parent, args, ctx, info) => {
        const plan = planPage(args, { ownerId: ctx.ownerId, list: 'teams' }, newestFirst);
        const rows = await ctx.db.prisma.team.findMany({
          ...nodeQuery(ctx, info),
          where: { AND: [{ ownerId: ctx.ownerId }, plan.query.where] },
          orderBy: plan.query.orderBy,
          take: plan.query.take,
        });
        return plan.connection(rows, () => ctx.db.prisma.team.count({ where: { ownerId: ctx.ownerId } }));
      },
    },
    { fields: (c) => ({ totalCount: c.int({ resolve: totalCountOf }) }) },
  ),
  team: t.field({
    type: Team,
    description: 'One of your teams (active or stopped); NOT_FOUND for a missing or foreign id.',
    args: { id: t.arg.id({ required: true }) },
    validate: z.object({ id: idSchema }),
    resolve: (_parent, args, ctx) => requireTeam(ctx.db, ctx.ownerId, args.id),
  }),
}));

builder.mutationFields((t) => ({
  createTeam: t.field({
    type: Team,
    description: 'Creates the team, its members and its work queue. CONFLICT when an active team has the name.',
    args: { input: t.arg({ type: CreateTeamInput, required: true }) },
    resolve: (_parent, args, ctx) => createTeam(ctx.db, ctx.ownerId, args.input),
  }),
  addTeamMember: t.field({
    type: Team,
    description: 'Adds the next member agent-(N+1). CONFLICT "Team already at max size" at 10.',
    args: { teamId: t.arg.id({ required: true }) },
    validate: z.object({ teamId: idSchema }),
    resolve: (_parent, args, ctx) => addTeamMember(ctx.db, ctx.ownerId, args.teamId),
  }),
  stopTeam: t.field({
    type: Team,
    description:
      'Stops the members and cancels pending team work; assigned work may still finish, unless cancelRunning (the kill switch) cancels it too. Idempotent.',
    args: {
      id: t.arg.id({ required: true }),
      cancelRunning: t.arg.boolean({
        defaultValue: false,
        description: 'Also cancel the tasks members are running (also on a team stopped before); holders are told at once.',
      }),
    },
    validate: z.looseObject({ id: idSchema }),
    resolve: (_parent, args, ctx) => stopTeam(ctx.db, ctx.ownerId, args.id, { cancelRunning: args.cancelRunning }),
  }),
  setTeamBudget: t.field({
    type: Team,
    description:
      "Replaces the team's budget (a limit left out or null: none). A limit already reached pauses an active team at once; raising one does not resume a paused team (resumeTeam does). CONFLICT for a stopped team.",
    args: { teamId: t.arg.id({ required: true }), budget: t.arg({ type: TeamBudgetInput, required: true }) },
    validate: z.looseObject({ teamId: idSchema }),
    resolve: (_parent, args, ctx) => setTeamBudget(ctx.db, ctx.ownerId, args.teamId, args.budget),
  }),
  resumeTeam: t.field({
    type: Team,
    description:
      'Makes a PAUSED team ACTIVE again (its queues hand out work, waiting dequeues wake up). CONFLICT while its budget is still exhausted (raise it with setTeamBudget first) and for a stopped team; an active team stays as it is.',
    args: { teamId: t.arg.id({ required: true }) },
    validate: z.object({ teamId: idSchema }),
    resolve: (_parent, args, ctx) => resumeTeam(ctx.db, ctx.ownerId, args.teamId),
  }),
}));
