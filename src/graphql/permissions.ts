import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import type { AgentClaim } from '../auth/tokens.js';
import { idType } from '../db/ids.js';
import { forbidden } from '../errors.js';
import type { Context } from './context.js';

/**
 * What an agent token may do, in one place. Every root field of the schema (Query, Mutation,
 * Subscription) passes through `guardRootFields`: owner tokens go straight on; an agent token is
 * let through only by the field's rule below, and a field without a rule is FORBIDDEN to agents,
 * so a new operation is owner-only until someone writes its rule here. A rule may also fill in
 * the arguments an agent leaves out (its own agentId, its team) before the resolver runs.
 * Lookups that find nothing leave the answer to the resolver (NOT_FOUND or BAD_USER_INPUT, as
 * for owners); a resource of another team of the same owner is FORBIDDEN.
 */
type Args = Record<string, unknown>;
type Rule = (args: Args, ctx: Context, agent: AgentClaim) => Promise<void> | void;

const OWNER_ONLY = 'only the owner may do this; an agent token acts only as its member on its team';

const deny = (what: string) => forbidden(`agent token of ${what}`);

function ownTeam(field: string, required: boolean): Rule {
  return (args, _ctx, agent) => {
    const teamId = args[field];
    if (teamId == null && !required) return;
    if (teamId !== agent.teamId) throw deny(`${agent.agentId} of team ${agent.teamId} may only use its own team (${field})`);
  };
}

/** The agent's own name in `field` of `args` (filled in when left out). */
function asSelf(args: Args, field: string, agent: AgentClaim, label = field) {
  if (args[field] == null) args[field] = agent.agentId;
  else if (args[field] !== agent.agentId) throw deny(`${agent.agentId} may only act as itself (${label}: ${String(args[field])})`);
}

/** The team of a live queue of the owner: undefined when there is none, null for a queue of no team. */
async function teamOfQueue(ctx: Context, queueId: unknown): Promise<string | null | undefined> {
  if (typeof queueId !== 'string') return undefined;
  const queue = await ctx.db.prisma.workQueue.findFirst({ where: { id: queueId, ownerId: ctx.ownerId, deletedAt: null }, select: { teamId: true } });
  return queue ? queue.teamId : undefined;
}

async function ownQueue(ctx: Context, agent: AgentClaim, queueId: unknown) {
  const team = await teamOfQueue(ctx, queueId);
  if (team !== undefined && team !== agent.teamId) throw deny(`team ${agent.teamId} may only use its team's queues (queue ${String(queueId)})`);
}

const queueArg = (field: string): Rule => (args, ctx, agent) => ownQueue(ctx, agent, args[field]);

/** The owner's tasks among `ids` with the team of their queue and their holder. */
async function tasksOf(ctx: Context, ids: unknown[]) {
  const strings = ids.filter((id): id is string => typeof id === 'string');
  if (!strings.length) return [];
  return ctx.db.prisma.task.findMany({
    where: { id: { in: strings }, queue: { ownerId: ctx.ownerId } },
    select: { id: true, assignedAgentId: true, status: true, queue: { select: { teamId: true } } },
  });
}

async function ownTasks(ctx: Context, agent: AgentClaim, ids: unknown[], held: boolean) {
  for (const task of await tasksOf(ctx, ids)) {
    if (task.queue.teamId !== agent.teamId) throw deny(`team ${agent.teamId} may only touch its team's tasks (task ${task.id})`);
    // A task nobody holds is left to the resolver (CONFLICT: it is not assigned).
    if (held && task.assignedAgentId && task.assignedAgentId !== agent.agentId) {
      throw deny(`${agent.agentId} may only finish its own tasks (task ${task.id} is held by another agent)`);
    }
  }
}

/** complete/fail/heartbeat/requestInput: a task of its team that it holds, acting as itself. */
const heldTask: Rule = async (args, ctx, agent) => {
  asSelf(args, 'agentId', agent);
  await ownTasks(ctx, agent, [args.id], true);
};

const heldItems: Rule = async (args, ctx, agent) => {
  const items = Array.isArray(args.items) ? (args.items as Args[]) : [];
  items.forEach((item, i) => asSelf(item, 'agentId', agent, `items[${i}].agentId`));
  await ownTasks(ctx, agent, items.map((item) => item.id), true);
};

/** dequeue/steal: on a queue of its team, as itself. */
const claim: Rule = async (args, ctx, agent) => {
  asSelf(args, 'agentId', agent);
  await ownQueue(ctx, agent, args.queueId);
};

/** Its own mailbox: its team, its name. */
const ownMailbox: Rule = (args, ctx, agent) => {
  ownTeam('teamId', true)(args, ctx, agent);
  asSelf(args, 'agent', agent);
};

const enqueue: Rule = async (args, ctx, agent) => {
  await ownQueue(ctx, agent, args.queueId);
  const inputs = (Array.isArray(args.tasks) ? args.tasks : [args.input]) as (Args | null | undefined)[];
  const dependsOn = inputs.flatMap((input) => (Array.isArray(input?.dependsOn) ? input.dependsOn : []));
  await ownTasks(ctx, agent, dependsOn, false);
};

/** node(id) / nodes(ids): only objects of its team (and, of messages, those its inbox shows or it sent). */
async function ownNode(ctx: Context, agent: AgentClaim, id: unknown) {
  if (typeof id !== 'string') return;
  const type = idType(id);
  const refuse = () => deny(`team ${agent.teamId} may only read its own team's objects (${id})`);
  switch (type) {
    case 'Team':
      if (id !== agent.teamId) throw refuse();
      return;
    case 'WorkQueue':
      return ownQueue(ctx, agent, id);
    case 'Task':
      return ownTasks(ctx, agent, [id], false);
    case 'Dispatch': {
      const dispatch = await ctx.db.prisma.dispatch.findFirst({ where: { id, team: { ownerId: ctx.ownerId } }, select: { teamId: true } });
      if (dispatch && dispatch.teamId !== agent.teamId) throw refuse();
      return;
    }
    case 'Message': {
      const m = await ctx.db.prisma.message.findFirst({ where: { id, team: { ownerId: ctx.ownerId } }, select: { teamId: true, fromAgent: true, toAgent: true } });
      if (m && (m.teamId !== agent.teamId || (m.toAgent !== null && m.toAgent !== agent.agentId && m.fromAgent !== agent.agentId))) throw refuse();
      return;
    }
    case undefined:
      return;
    default:
      throw refuse();
  }
}

/** A list or stream over the owner's whole account must name the agent's team (or queue). */
const scoped =
  (fields: { team?: string; queue?: string }): Rule =>
  async (args, ctx, agent) => {
    const team = fields.team ? args[fields.team] : undefined;
    const queue = fields.queue ? args[fields.queue] : undefined;
    if (team == null && queue == null) throw deny(`${agent.agentId} may only list or follow its own team (pass ${[fields.team, fields.queue].filter(Boolean).join(' or ')})`);
    if (team != null) ownTeam(fields.team!, true)(args, ctx, agent);
    if (queue != null) await ownQueue(ctx, agent, queue);
  };

/**
 * The agent's rules, by `Type.field`. Absent: FORBIDDEN to agents (owner only): createTeam,
 * addTeamMember, stopTeam, createWorkQueue, deleteWorkQueue, cancelTask, retryTask(s),
 * provideInput, schedules, dispatchToTeam, startBackgroundTask, createAgentToken,
 * revokeAgentTokens, teams, messages (a team's whole history), teamMessages.
 */
export const AGENT_RULES: Record<string, Rule> = {
  'Query.node': (args, ctx, agent) => ownNode(ctx, agent, args.id),
  'Query.nodes': async (args, ctx, agent) => {
    for (const id of Array.isArray(args.ids) ? args.ids : []) await ownNode(ctx, agent, id);
  },
  'Query.team': ownTeam('id', true),
  'Query.workQueue': queueArg('id'),
  'Query.workQueues': scoped({ team: 'teamId' }),
  'Query.task': (args, ctx, agent) => ownTasks(ctx, agent, [args.id], false),
  'Query.awaitingInput': scoped({ team: 'teamId', queue: 'queueId' }),
  // One dispatch: looked up within the agent's team.
  'Query.dispatch': (args, ctx, agent) => {
    if (args.teamId == null) args.teamId = agent.teamId;
    ownTeam('teamId', true)(args, ctx, agent);
  },
  'Query.inbox': ownMailbox,

  'Mutation.enqueueTask': enqueue,
  'Mutation.enqueueTasks': enqueue,
  'Mutation.dequeueTask': claim,
  'Mutation.dequeueTasks': claim,
  'Mutation.stealTask': claim,
  'Mutation.heartbeatTask': heldTask,
  'Mutation.completeTask': heldTask,
  'Mutation.failTask': heldTask,
  'Mutation.requestInput': heldTask,
  'Mutation.completeTasks': heldItems,
  'Mutation.failTasks': heldItems,
  'Mutation.sendMessage': (args, ctx, agent) => {
    ownTeam('teamId', true)(args, ctx, agent);
    if (args.input && typeof args.input === 'object') asSelf(args.input as Args, 'from', agent, 'input.from');
  },
  'Mutation.markMessagesRead': ownMailbox,

  'Subscription.mailbox': ownMailbox,
  'Subscription.taskEvents': scoped({ team: 'teamId', queue: 'queueId' }),
  'Subscription.teamEvents': scoped({ team: 'teamId' }),
};

/** Applies the rules: wraps `resolve` (queries, mutations) and `subscribe` (subscriptions) of every root field. */
export function guardRootFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields()) as unknown as GraphQLFieldConfig<unknown, Context>[]) {
      const key = `${type.name}.${(field as unknown as { name: string }).name}`;
      const rule = AGENT_RULES[key];
      const hook = type === schema.getSubscriptionType() ? 'subscribe' : 'resolve';
      const original = field[hook] ?? defaultFieldResolver;
      field[hook] = (source, args, ctx, info) => {
        const agent = ctx.identity?.agent;
        if (!agent) return original(source, args, ctx, info);
        if (!rule) throw forbidden(`${(field as unknown as { name: string }).name}: ${OWNER_ONLY}`);
        // The rule may fill in arguments: the resolver gets a copy, never the shared object.
        const own = structuredClone(args) as Args;
        return (async () => {
          await rule(own, ctx, agent);
          return original(source, own, ctx, info);
        })();
      };
    }
  }
  return schema;
}
