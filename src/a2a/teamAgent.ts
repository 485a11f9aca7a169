import type { AgentCard, CancelTaskRequest, GetTaskRequest, Message, SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task } from '@a2a-js/sdk';
import { ExtendedAgentCardNotConfiguredError, PushNotificationNotSupportedError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import type { Yoga } from '../graphql/yoga.js';
import type { TeamFacts } from './agentCard.js';
import { invalidParams } from './errors.js';
import { run, subscribe, type Caller } from './graphql.js';
import { answerOf, instructionOf, messageInput } from './messageInput.js';
import {
  A2ACancelTaskDocument,
  A2ADispatchDocument,
  A2AProvideInputDocument,
  A2ATeamTaskEventsDocument,
  type A2ATeamTaskEventsSubscription,
} from './operations.generated.js';
import { TeamTaskStore, type StoredTask } from './taskStore.js';
import { a2aTask, contextOf, isSettled, isTerminal, resultArtifact, stateOfEvent, stateOfStatus, statusUpdate } from './taskView.js';

type TeamEvent = A2ATeamTaskEventsSubscription['taskEvents'];

/** Event ids are bigints sent as decimal strings (as the GraphQL subscription takes them). */
const CURSOR = /^\d{1,19}$/;

// GraphQL argument paths as the A2A fields they come from.
const DISPATCH_FIELDS = { fields: { 'input.task': 'message.parts', 'input.tools': 'message.metadata.tools' } };
const INPUT_FIELDS = { fields: { response: 'message.parts' } };

/**
 * A team as an A2A agent. A message becomes one task on the team's queue (dispatchToTeam, not
 * parallel: the first free member takes it) and the A2A task is that queue task; a message for a
 * task waiting for input answers it (provideInput). Streams follow the team's task events from
 * our event log (the taskEvents subscription with a cursor), so a resubscribe with the last
 * cursor (Last-Event-ID) loses and repeats nothing. Every read and change is a GraphQL
 * operation run in-process with the caller's token, so every permission rule applies as on
 * /graphql. One instance serves one request.
 */
export class TeamAgent implements A2ARequestHandler {
  private readonly tasks: TeamTaskStore;

  constructor(
    private readonly yoga: Yoga,
    private readonly caller: Caller,
    private readonly team: TeamFacts,
    private readonly card: AgentCard,
    /** The client's cursor for tasks/resubscribe (the Last-Event-ID header). */
    private readonly lastEventId: string | undefined,
  ) {
    this.tasks = new TeamTaskStore(yoga, caller, team.id);
  }

  getAgentCard(): Promise<AgentCard> {
    return Promise.resolve(this.card);
  }

  getAuthenticatedExtendedAgentCard(): Promise<AgentCard> {
    return Promise.reject(new ExtendedAgentCardNotConfiguredError('this agent has no extended card'));
  }

  async sendMessage(params: SendMessageRequest): Promise<Task> {
    const immediate = params.configuration?.returnImmediately ?? false;
    const { task, events } = await this.start(params.message, !immediate);
    if (!events) return a2aTask(task);
    try {
      for await (const event of this.taskEvents(events, task.id)) if (isSettled(stateOfEvent(event.type))) break;
    } finally {
      await events.return(undefined);
    }
    return a2aTask(await this.tasks.row(task.id));
  }

  async *sendMessageStream(params: SendMessageRequest): AsyncGenerator<StreamResponse> {
    const { task, events } = await this.start(params.message, true);
    yield { payload: { $case: 'task', value: a2aTask(task) } };
    // The Task shows the events the operation answered with (CREATED, INPUT_PROVIDED): not again.
    yield* this.updates(events!, task, isSettled, task.events.at(-1)?.id);
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    return a2aTask(await this.tasks.row(params.id));
  }

  async cancelTask(params: CancelTaskRequest): Promise<Task> {
    await this.tasks.row(params.id);
    const reason = typeof params.metadata?.reason === 'string' ? params.metadata.reason : 'cancelled by the A2A client';
    // A finished task answers CONFLICT: not cancelable.
    const { cancelTask } = await run(this.yoga, this.caller, A2ACancelTaskDocument, { id: params.id, reason }, { conflict: 'notCancelable' });
    return a2aTask(cancelTask);
  }

  /**
   * With a cursor (Last-Event-ID): exactly the task's events after it, then live ones, until a
   * terminal state. Without: the task as it is now (its cursor in metadata), then what follows.
   */
  async *resubscribe(params: SubscribeToTaskRequest): AsyncGenerator<StreamResponse> {
    const after = this.lastEventId;
    if (after !== undefined && !CURSOR.test(after)) throw invalidParams('Last-Event-ID', 'must be an event id (metadata.cursor of an event)');
    const task = await this.tasks.row(params.id);
    const last = task.events.at(-1)?.id;
    const done = isTerminal(stateOfStatus(task.status, task.attempts));
    if (after === undefined) {
      if (done) throw new UnsupportedOperationError(`task ${task.id} is finished (${task.status}): tasks/get shows it`);
      const events = await this.openEvents(last ?? null);
      yield { payload: { $case: 'task', value: a2aTask(task) } };
      yield* this.updates(events, task, isTerminal);
      return;
    }
    // Nothing was missed and nothing more will happen.
    if (done && last !== undefined && BigInt(last) <= BigInt(after)) return;
    yield* this.updates(await this.openEvents(after), task, isTerminal);
  }

  listTasks(): never {
    throw new UnsupportedOperationError("tasks/list is not offered: GraphQL and the dashboard list a team's tasks");
  }

  createTaskPushNotificationConfig(): never {
    throw new PushNotificationNotSupportedError('push notifications are not offered: use message/stream or tasks/resubscribe');
  }

  getTaskPushNotificationConfig(): never {
    return this.createTaskPushNotificationConfig();
  }

  listTaskPushNotificationConfigs(): never {
    return this.createTaskPushNotificationConfig();
  }

  deleteTaskPushNotificationConfig(): never {
    return this.createTaskPushNotificationConfig();
  }

  /**
   * New work (dispatched to the team), or the answer to a task waiting for input. With `follow`,
   * the team's events are subscribed first, so none of the task's events after this point is missed.
   */
  private async start(message: Message | undefined, follow: boolean): Promise<{ task: StoredTask; events?: AsyncGenerator<TeamEvent> }> {
    const input = messageInput(message);
    if (message!.taskId) {
      const waiting = await this.tasks.row(message!.taskId, 'message.taskId');
      if (waiting.status !== 'INPUT_REQUIRED') {
        throw new UnsupportedOperationError(`task ${waiting.id} is ${waiting.status}: only a task waiting for input (input-required) takes a message`);
      }
      // From the task's last event (its INPUT_REQUIRED): the answer's events and all that follow.
      const events = follow ? await this.openEvents(waiting.events.at(-1)?.id ?? null) : undefined;
      try {
        const { provideInput } = await run(this.yoga, this.caller, A2AProvideInputDocument, { id: waiting.id, response: answerOf(input, message!.messageId) }, INPUT_FIELDS);
        return { task: provideInput, events };
      } catch (err) {
        await events?.return(undefined);
        throw err;
      }
    }
    const instruction = instructionOf(input);
    if (!instruction) throw invalidParams('message.parts', 'must say what the team should do (a text or data part with content)');
    // Live from now: the task does not exist yet, so every one of its events comes after.
    const events = follow ? await this.openEvents(null) : undefined;
    try {
      const { dispatchToTeam } = await run(
        this.yoga,
        this.caller,
        A2ADispatchDocument,
        { teamId: this.team.id, input: { task: instruction, tools: input.tools, parallel: false } },
        DISPATCH_FIELDS,
      );
      return { task: dispatchToTeam.tasks[0]!, events };
    } catch (err) {
      await events?.return(undefined);
      throw err;
    }
  }

  /** The team's task events after `after` (live only without it); ends when the client leaves. */
  private async openEvents(after: string | null): Promise<AsyncGenerator<TeamEvent>> {
    const events = await subscribe(this.yoga, this.caller, A2ATeamTaskEventsDocument, { teamId: this.team.id, after });
    const { signal } = this.caller;
    const close = () => void events.return(undefined);
    if (signal.aborted) close();
    else signal.addEventListener('abort', close, { once: true });
    const stream = events as AsyncGenerator<A2ATeamTaskEventsSubscription>;
    return (async function* () {
      try {
        for await (const { taskEvents } of stream) yield taskEvents;
      } finally {
        signal.removeEventListener('abort', close);
        await events.return(undefined);
      }
    })();
  }

  /** The events of one task. */
  private async *taskEvents(events: AsyncGenerator<TeamEvent>, taskId: string): AsyncGenerator<TeamEvent> {
    for await (const event of events) if (event.taskId === taskId) yield event;
  }

  /**
   * Each event of the task after `shown` (the cursor of the Task already sent, if any) as a status
   * update (a completion's result first as an artifact), until `last` holds.
   */
  private async *updates(
    events: AsyncGenerator<TeamEvent>,
    task: StoredTask,
    last: (state: ReturnType<typeof stateOfEvent>) => boolean,
    shown?: string,
  ): AsyncGenerator<StreamResponse> {
    const contextId = contextOf(task);
    try {
      for await (const event of this.taskEvents(events, task.id)) {
        if (shown !== undefined && BigInt(event.id) <= BigInt(shown)) continue;
        if (event.type === 'COMPLETED') {
          const artifact = resultArtifact(task.id, event.task.result);
          yield { payload: { $case: 'artifactUpdate', value: { taskId: task.id, contextId, artifact, append: false, lastChunk: true, metadata: undefined } } };
        }
        yield { payload: { $case: 'statusUpdate', value: statusUpdate(event, contextId) } };
        if (last(stateOfEvent(event.type))) return;
      }
    } finally {
      await events.return(undefined);
    }
  }
}
