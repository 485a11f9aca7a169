import { z } from 'zod';
import { idSchema } from '../../queues/validation.js';
import { dispatchStatus, dispatchToTeam, requireDispatch, startBackgroundTask } from '../../teams/dispatch.js';
import { builder } from '../builder.js';
import { Task } from './task.js';

const DispatchStatusEnum = builder.enumType('DispatchStatus', {
  description: 'COMPLETED when every task completed, FAILED when any failed or expired.',
  values: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const,
});

export const Dispatch = builder.prismaNode('Dispatch', {
  description: "Work dispatched to a team: one task, or one per member when parallel.",
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, team: { ownerId: ctx.ownerId } }),
  fields: (t) => ({
    team: t.relation('team'),
    task: t.exposeString('task'),
    tools: t.exposeStringList('tools'),
    parallel: t.exposeBoolean('parallel'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    status: t.field({
      type: DispatchStatusEnum,
      select: { tasks: { select: { status: true }, orderBy: { seq: 'asc' } } },
      resolve: (d) => dispatchStatus(d.tasks.map((task) => task.status)),
    }),
    tasks: t.relation('tasks', { description: 'With each result or error.', query: { orderBy: { seq: 'asc' } } }),
  }),
});

const DispatchInput = builder.inputType('DispatchInput', {
  fields: (t) => ({
    task: t.string({ required: true, description: 'What the team should do.' }),
    tools: t.stringList({ description: 'Tools the members may use.' }),
    parallel: t.boolean({ description: 'One task per member (true) or one task for the first idle member (false, default).' }),
  }),
});

const BackgroundTaskInput = builder.inputType('BackgroundTaskInput', {
  fields: (t) => ({
    task: t.string({ required: true }),
    maxRuntimeSeconds: t.int({ description: 'Fails with "exceeded max runtime" when running longer (default 3600).' }),
  }),
});

builder.queryFields((t) => ({
  dispatch: t.field({
    type: Dispatch,
    description: 'One of your dispatches; with teamId, only if it was dispatched to that team. NOT_FOUND otherwise.',
    args: { id: t.arg.id({ required: true }), teamId: t.arg.id() },
    validate: z.object({ id: idSchema, teamId: idSchema.nullish() }),
    resolve: (_parent, args, ctx) => requireDispatch(ctx.db, ctx.ownerId, args.id, args.teamId),
  }),
}));

builder.mutationFields((t) => ({
  dispatchToTeam: t.field({
    type: Dispatch,
    description: 'Puts work on the team queue. CONFLICT when the team is stopped.',
    args: { teamId: t.arg.id({ required: true }), input: t.arg({ type: DispatchInput, required: true }) },
    validate: z.looseObject({ teamId: idSchema }),
    resolve: (_parent, args, ctx) => dispatchToTeam(ctx.db, ctx.ownerId, args.teamId, args.input),
  }),
  startBackgroundTask: t.field({
    type: Task,
    description: 'Fire-and-forget work for the team, answered at once.',
    args: { teamId: t.arg.id({ required: true }), input: t.arg({ type: BackgroundTaskInput, required: true }) },
    validate: z.looseObject({ teamId: idSchema }),
    resolve: (_parent, args, ctx) => startBackgroundTask(ctx.db, ctx.ownerId, args.teamId, args.input),
  }),
}));
