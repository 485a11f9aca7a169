/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** COMPLETED when every task completed (FIRST: when one did), FAILED when any failed or expired. */
export type DispatchStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'RUNNING';

/** BUSY while the member holds an assigned task of its team (also in a paused team: it may finish it), STOPPED once the team stopped, IDLE otherwise. */
export type MemberState =
  | 'BUSY'
  | 'IDLE'
  | 'STOPPED';

export type TaskEventType =
  | 'ASSIGNED'
  | 'BLOCKED'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'CREATED'
  | 'EXPIRED'
  | 'FAILED'
  | 'INPUT_PROVIDED'
  | 'INPUT_REQUIRED'
  | 'REQUEUED'
  | 'RETRIED'
  | 'STOLEN'
  | 'UNBLOCKED';

export type TaskStatus =
  | 'ASSIGNED'
  | 'BLOCKED'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'EXPIRED'
  | 'FAILED'
  | 'INPUT_REQUIRED'
  | 'PENDING';

export type TeamEventType =
  | 'AGENT_TOKENS_REVOKED'
  | 'BUDGET_EXHAUSTED'
  | 'DISPATCH_PROGRESS'
  | 'MEMBER_ADDED'
  | 'MEMBER_STATE'
  | 'TEAM_RESUMED'
  | 'TEAM_STOPPED';

/** ACTIVE; PAUSED once its budget ran out (its queues hand out nothing, no dispatches) until resumeTeam; STOPPED for good. */
export type TeamStatus =
  | 'ACTIVE'
  | 'PAUSED'
  | 'STOPPED';

export type MessageLineFragment = { id: string, seq: number, from: string, to: string | null, body: string, createdAt: string };

export type DashboardMessagesQueryVariables = Exact<{
  teamId: string | number;
  last?: number | null | undefined;
}>;


export type DashboardMessagesQuery = { team: { id: string, name: string, status: TeamStatus, agents: Array<string> }, messages: { totalCount: number, edges: Array<{ node: { id: string, seq: number, from: string, to: string | null, body: string, createdAt: string } }> } };

export type DashboardTeamMessagesSubscriptionVariables = Exact<{
  teamId: string | number;
  after?: number | null | undefined;
}>;


export type DashboardTeamMessagesSubscription = { teamMessages: { id: string, seq: number, from: string, to: string | null, body: string, createdAt: string } };

export type QueueCardFragment = { id: string, name: string, teamId: string | null, createdAt: string, depth: number, oldestPendingAt: string | null, team: { id: string, name: string } | null, counts: { pending: number, assigned: number, completed: number, failed: number, expired: number, cancelled: number, total: number }, pendingByPriority: Array<{ priority: number, count: number }> };

export type QueueThroughputFragment = { throughput: { lastEventId: string | null, minutes: Array<{ minute: string, completed: number, failed: number }> } };

export type DashboardQueuesQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type DashboardQueuesQuery = { workQueues: { totalCount: number, edges: Array<{ node: { id: string, name: string, teamId: string | null, createdAt: string, depth: number, oldestPendingAt: string | null, team: { id: string, name: string } | null, counts: { pending: number, assigned: number, completed: number, failed: number, expired: number, cancelled: number, total: number }, pendingByPriority: Array<{ priority: number, count: number }>, throughput: { lastEventId: string | null, minutes: Array<{ minute: string, completed: number, failed: number }> } } }> } };

export type DashboardQueueQueryVariables = Exact<{
  id: string | number;
  withThroughput: boolean;
}>;


export type DashboardQueueQuery = { workQueue: { id: string, name: string, teamId: string | null, createdAt: string, depth: number, oldestPendingAt: string | null, team: { id: string, name: string } | null, counts: { pending: number, assigned: number, completed: number, failed: number, expired: number, cancelled: number, total: number }, pendingByPriority: Array<{ priority: number, count: number }> } & { throughput?: { lastEventId: string | null, minutes: Array<{ minute: string, completed: number, failed: number }> } } };

export type DashboardQueueDetailQueryVariables = Exact<{
  id: string | number;
  status?: TaskStatus | null | undefined;
  last?: number | null | undefined;
}>;


export type DashboardQueueDetailQuery = { workQueue: { visibilityTimeoutSeconds: number, maxAttempts: number, id: string, name: string, teamId: string | null, createdAt: string, depth: number, oldestPendingAt: string | null, tasks: { totalCount: number, edges: Array<{ node: { id: string, name: string, status: TaskStatus, priority: number, assignedAgentId: string | null, attempts: number, createdAt: string } }> }, team: { id: string, name: string } | null, counts: { pending: number, assigned: number, completed: number, failed: number, expired: number, cancelled: number, total: number }, pendingByPriority: Array<{ priority: number, count: number }>, throughput: { lastEventId: string | null, minutes: Array<{ minute: string, completed: number, failed: number }> } } };

export type DashboardDeleteQueueMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardDeleteQueueMutation = { deleteWorkQueue: { id: string, cancelledTasks: number } };

export type DashboardTaskEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardTaskEventsSubscription = { taskEvents: { id: string, type: TaskEventType, taskId: string, queueId: string, teamId: string | null, createdAt: string } };

export type DashboardTaskQueryVariables = Exact<{
  id: string | number;
}>;


export type DashboardTaskQuery = { task: { id: string, name: string, status: TaskStatus, priority: number, payload: Record<string, unknown>, result: unknown, error: string | null, attempts: number, maxAttempts: number, assignedAgentId: string | null, reservedFor: string | null, dispatchId: string | null, stolen: boolean, stolenByQueueId: string | null, deadline: string | null, leaseExpiresAt: string | null, inputRequest: Record<string, unknown> | null, inputRequestedAt: string | null, createdAt: string, assignedAt: string | null, finishedAt: string | null, queue: { id: string, name: string, team: { id: string, name: string } | null }, events: Array<{ id: string, type: TaskEventType, agentId: string | null, detail: unknown, createdAt: string }> } };

export type DashboardCancelTaskMutationVariables = Exact<{
  id: string | number;
  reason?: string | null | undefined;
}>;


export type DashboardCancelTaskMutation = { cancelTask: { id: string, status: TaskStatus } };

export type DashboardRetryTaskMutationVariables = Exact<{
  id: string | number;
}>;


export type DashboardRetryTaskMutation = { retryTask: { id: string, status: TaskStatus } };

export type DashboardProvideInputMutationVariables = Exact<{
  id: string | number;
  response: Record<string, unknown>;
}>;


export type DashboardProvideInputMutation = { provideInput: { id: string, status: TaskStatus } };

export type TeamCardFragment = { id: string, name: string, status: TeamStatus, size: number, model: string | null, mode: string | null, queueDepth: number, createdAt: string, stoppedAt: string | null, pausedAt: string | null, budget: { maxCost: number | null, maxTasks: number | null }, spent: { cost: number, tasks: number }, queue: { id: string }, members: Array<{ name: string, state: MemberState, lastSeenAt: string | null, currentTask: { id: string, name: string, assignedAt: string | null } | null }>, dispatches: { totalCount: number, edges: Array<{ node: { id: string, task: string, status: DispatchStatus, parallel: boolean, createdAt: string, tasks: Array<{ id: string, status: TaskStatus }> } }> } };

export type DashboardTeamsQueryVariables = Exact<{
  first?: number | null | undefined;
  dispatches?: number | null | undefined;
}>;


export type DashboardTeamsQuery = { teams: { totalCount: number, edges: Array<{ node: { id: string, name: string, status: TeamStatus, size: number, model: string | null, mode: string | null, queueDepth: number, createdAt: string, stoppedAt: string | null, pausedAt: string | null, budget: { maxCost: number | null, maxTasks: number | null }, spent: { cost: number, tasks: number }, queue: { id: string }, members: Array<{ name: string, state: MemberState, lastSeenAt: string | null, currentTask: { id: string, name: string, assignedAt: string | null } | null }>, dispatches: { totalCount: number, edges: Array<{ node: { id: string, task: string, status: DispatchStatus, parallel: boolean, createdAt: string, tasks: Array<{ id: string, status: TaskStatus }> } }> } } }> } };

export type DashboardTeamQueryVariables = Exact<{
  id: string | number;
  dispatches?: number | null | undefined;
}>;


export type DashboardTeamQuery = { team: { id: string, name: string, status: TeamStatus, size: number, model: string | null, mode: string | null, queueDepth: number, createdAt: string, stoppedAt: string | null, pausedAt: string | null, budget: { maxCost: number | null, maxTasks: number | null }, spent: { cost: number, tasks: number }, queue: { id: string }, members: Array<{ name: string, state: MemberState, lastSeenAt: string | null, currentTask: { id: string, name: string, assignedAt: string | null } | null }>, dispatches: { totalCount: number, edges: Array<{ node: { id: string, task: string, status: DispatchStatus, parallel: boolean, createdAt: string, tasks: Array<{ id: string, status: TaskStatus }> } }> } } };

export type DashboardStopTeamMutationVariables = Exact<{
  id: string | number;
  dispatches?: number | null | undefined;
}>;


export type DashboardStopTeamMutation = { stopTeam: { id: string, name: string, status: TeamStatus, size: number, model: string | null, mode: string | null, queueDepth: number, createdAt: string, stoppedAt: string | null, pausedAt: string | null, budget: { maxCost: number | null, maxTasks: number | null }, spent: { cost: number, tasks: number }, queue: { id: string }, members: Array<{ name: string, state: MemberState, lastSeenAt: string | null, currentTask: { id: string, name: string, assignedAt: string | null } | null }>, dispatches: { totalCount: number, edges: Array<{ node: { id: string, task: string, status: DispatchStatus, parallel: boolean, createdAt: string, tasks: Array<{ id: string, status: TaskStatus }> } }> } } };

export type DashboardTeamEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardTeamEventsSubscription = { teamEvents: { id: string, type: TeamEventType, teamId: string, agent: string | null, state: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const MessageLineFragmentDoc = new TypedDocumentString(`
    fragment MessageLine on Message {
  id
  seq
  from
  to
  body
  createdAt
}
    `, {"fragmentName":"MessageLine"}) as unknown as TypedDocumentString<MessageLineFragment, unknown>;
export const QueueCardFragmentDoc = new TypedDocumentString(`
    fragment QueueCard on WorkQueue {
  id
  name
  teamId
  team {
    id
    name
  }
  createdAt
  depth
  oldestPendingAt
  counts {
    pending
    assigned
    completed
    failed
    expired
    cancelled
    total
  }
  pendingByPriority {
    priority
    count
  }
}
    `, {"fragmentName":"QueueCard"}) as unknown as TypedDocumentString<QueueCardFragment, unknown>;
export const QueueThroughputFragmentDoc = new TypedDocumentString(`
    fragment QueueThroughput on WorkQueue {
  throughput(minutes: 15) {
    lastEventId
    minutes {
      minute
      completed
      failed
    }
  }
}
    `, {"fragmentName":"QueueThroughput"}) as unknown as TypedDocumentString<QueueThroughputFragment, unknown>;
export const TeamCardFragmentDoc = new TypedDocumentString(`
    fragment TeamCard on Team {
  id
  name
  status
  size
  model
  mode
  queueDepth
  createdAt
  stoppedAt
  pausedAt
  budget {
    maxCost
    maxTasks
  }
  spent {
    cost
    tasks
  }
  queue {
    id
  }
  members {
    name
    state
    lastSeenAt
    currentTask {
      id
      name
      assignedAt
    }
  }
  dispatches(first: $dispatches) {
    totalCount
    edges {
      node {
        id
        task
        status
        parallel
        createdAt
        tasks {
          id
          status
        }
      }
    }
  }
}
    `, {"fragmentName":"TeamCard"}) as unknown as TypedDocumentString<TeamCardFragment, unknown>;
export const DashboardMessagesDocument = new TypedDocumentString(`
    query DashboardMessages($teamId: ID!, $last: Int = 100) {
  team(id: $teamId) {
    id
    name
    status
    agents
  }
  messages(teamId: $teamId, last: $last) {
    totalCount
    edges {
      node {
        ...MessageLine
      }
    }
  }
}
    fragment MessageLine on Message {
  id
  seq
  from
  to
  body
  createdAt
}`) as unknown as TypedDocumentString<DashboardMessagesQuery, DashboardMessagesQueryVariables>;
export const DashboardTeamMessagesDocument = new TypedDocumentString(`
    subscription DashboardTeamMessages($teamId: ID!, $after: Int) {
  teamMessages(teamId: $teamId, after: $after) {
    ...MessageLine
  }
}
    fragment MessageLine on Message {
  id
  seq
  from
  to
  body
  createdAt
}`) as unknown as TypedDocumentString<DashboardTeamMessagesSubscription, DashboardTeamMessagesSubscriptionVariables>;
export const DashboardQueuesDocument = new TypedDocumentString(`
    query DashboardQueues($first: Int = 50) {
  workQueues(first: $first) {
    totalCount
    edges {
      node {
        ...QueueCard
        ...QueueThroughput
      }
    }
  }
}
    fragment QueueCard on WorkQueue {
  id
  name
  teamId
  team {
    id
    name
  }
  createdAt
  depth
  oldestPendingAt
  counts {
    pending
    assigned
    completed
    failed
    expired
    cancelled
    total
  }
  pendingByPriority {
    priority
    count
  }
}
fragment QueueThroughput on WorkQueue {
  throughput(minutes: 15) {
    lastEventId
    minutes {
      minute
      completed
      failed
    }
  }
}`) as unknown as TypedDocumentString<DashboardQueuesQuery, DashboardQueuesQueryVariables>;
export const DashboardQueueDocument = new TypedDocumentString(`
    query DashboardQueue($id: ID!, $withThroughput: Boolean!) {
  workQueue(id: $id) {
    ...QueueCard
    ...QueueThroughput @include(if: $withThroughput)
  }
}
    fragment QueueCard on WorkQueue {
  id
  name
  teamId
  team {
    id
    name
  }
  createdAt
  depth
  oldestPendingAt
  counts {
    pending
    assigned
    completed
    failed
    expired
    cancelled
    total
  }
  pendingByPriority {
    priority
    count
  }
}
fragment QueueThroughput on WorkQueue {
  throughput(minutes: 15) {
    lastEventId
    minutes {
      minute
      completed
      failed
    }
  }
}`) as unknown as TypedDocumentString<DashboardQueueQuery, DashboardQueueQueryVariables>;
export const DashboardQueueDetailDocument = new TypedDocumentString(`
    query DashboardQueueDetail($id: ID!, $status: TaskStatus, $last: Int = 50) {
  workQueue(id: $id) {
    ...QueueCard
    visibilityTimeoutSeconds
    maxAttempts
    ...QueueThroughput
    tasks(last: $last, status: $status) {
      totalCount
      edges {
        node {
          id
          name
          status
          priority
          assignedAgentId
          attempts
          createdAt
        }
      }
    }
  }
}
    fragment QueueCard on WorkQueue {
  id
  name
  teamId
  team {
    id
    name
  }
  createdAt
  depth
  oldestPendingAt
  counts {
    pending
    assigned
    completed
    failed
    expired
    cancelled
    total
  }
  pendingByPriority {
    priority
    count
  }
}
fragment QueueThroughput on WorkQueue {
  throughput(minutes: 15) {
    lastEventId
    minutes {
      minute
      completed
      failed
    }
  }
}`) as unknown as TypedDocumentString<DashboardQueueDetailQuery, DashboardQueueDetailQueryVariables>;
export const DashboardDeleteQueueDocument = new TypedDocumentString(`
    mutation DashboardDeleteQueue($id: ID!) {
  deleteWorkQueue(id: $id) {
    id
    cancelledTasks
  }
}
    `) as unknown as TypedDocumentString<DashboardDeleteQueueMutation, DashboardDeleteQueueMutationVariables>;
export const DashboardTaskEventsDocument = new TypedDocumentString(`
    subscription DashboardTaskEvents {
  taskEvents {
    id
    type
    taskId
    queueId
    teamId
    createdAt
  }
}
    `) as unknown as TypedDocumentString<DashboardTaskEventsSubscription, DashboardTaskEventsSubscriptionVariables>;
export const DashboardTaskDocument = new TypedDocumentString(`
    query DashboardTask($id: ID!) {
  task(id: $id) {
    id
    name
    status
    priority
    payload
    result
    error
    attempts
    maxAttempts
    assignedAgentId
    reservedFor
    dispatchId
    stolen
    stolenByQueueId
    deadline
    leaseExpiresAt
    inputRequest
    inputRequestedAt
    createdAt
    assignedAt
    finishedAt
    queue {
      id
      name
      team {
        id
        name
      }
    }
    events {
      id
      type
      agentId
      detail
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardTaskQuery, DashboardTaskQueryVariables>;
export const DashboardCancelTaskDocument = new TypedDocumentString(`
    mutation DashboardCancelTask($id: ID!, $reason: String) {
  cancelTask(id: $id, reason: $reason) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<DashboardCancelTaskMutation, DashboardCancelTaskMutationVariables>;
export const DashboardRetryTaskDocument = new TypedDocumentString(`
    mutation DashboardRetryTask($id: ID!) {
  retryTask(id: $id, resetAttempts: true) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<DashboardRetryTaskMutation, DashboardRetryTaskMutationVariables>;
export const DashboardProvideInputDocument = new TypedDocumentString(`
    mutation DashboardProvideInput($id: ID!, $response: JSONObject!) {
  provideInput(id: $id, response: $response) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<DashboardProvideInputMutation, DashboardProvideInputMutationVariables>;
export const DashboardTeamsDocument = new TypedDocumentString(`
    query DashboardTeams($first: Int = 50, $dispatches: Int = 5) {
  teams(first: $first) {
    totalCount
    edges {
      node {
        ...TeamCard
      }
    }
  }
}
    fragment TeamCard on Team {
  id
  name
  status
  size
  model
  mode
  queueDepth
  createdAt
  stoppedAt
  pausedAt
  budget {
    maxCost
    maxTasks
  }
  spent {
    cost
    tasks
  }
  queue {
    id
  }
  members {
    name
    state
    lastSeenAt
    currentTask {
      id
      name
      assignedAt
    }
  }
  dispatches(first: $dispatches) {
    totalCount
    edges {
      node {
        id
        task
        status
        parallel
        createdAt
        tasks {
          id
          status
        }
      }
    }
  }
}`) as unknown as TypedDocumentString<DashboardTeamsQuery, DashboardTeamsQueryVariables>;
export const DashboardTeamDocument = new TypedDocumentString(`
    query DashboardTeam($id: ID!, $dispatches: Int = 5) {
  team(id: $id) {
    ...TeamCard
  }
}
    fragment TeamCard on Team {
  id
  name
  status
  size
  model
  mode
  queueDepth
  createdAt
  stoppedAt
  pausedAt
  budget {
    maxCost
    maxTasks
  }
  spent {
    cost
    tasks
  }
  queue {
    id
  }
  members {
    name
    state
    lastSeenAt
    currentTask {
      id
      name
      assignedAt
    }
  }
  dispatches(first: $dispatches) {
    totalCount
    edges {
      node {
        id
        task
        status
        parallel
        createdAt
        tasks {
          id
          status
        }
      }
    }
  }
}`) as unknown as TypedDocumentString<DashboardTeamQuery, DashboardTeamQueryVariables>;
export const DashboardStopTeamDocument = new TypedDocumentString(`
    mutation DashboardStopTeam($id: ID!, $dispatches: Int = 5) {
  stopTeam(id: $id) {
    ...TeamCard
  }
}
    fragment TeamCard on Team {
  id
  name
  status
  size
  model
  mode
  queueDepth
  createdAt
  stoppedAt
  pausedAt
  budget {
    maxCost
    maxTasks
  }
  spent {
    cost
    tasks
  }
  queue {
    id
  }
  members {
    name
    state
    lastSeenAt
    currentTask {
      id
      name
      assignedAt
    }
  }
  dispatches(first: $dispatches) {
    totalCount
    edges {
      node {
        id
        task
        status
        parallel
        createdAt
        tasks {
          id
          status
        }
      }
    }
  }
}`) as unknown as TypedDocumentString<DashboardStopTeamMutation, DashboardStopTeamMutationVariables>;
export const DashboardTeamEventsDocument = new TypedDocumentString(`
    subscription DashboardTeamEvents {
  teamEvents {
    id
    type
    teamId
    agent
    state
  }
}
    `) as unknown as TypedDocumentString<DashboardTeamEventsSubscription, DashboardTeamEventsSubscriptionVariables>;