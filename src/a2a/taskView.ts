import { Role, TaskState, type Artifact, type Message, type Part, type Task, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { A2ATaskEventFragment, A2ATaskFragment, TaskEventType, TaskStatus } from './operations.generated.js';

// How our tasks read as A2A tasks. The A2A task id is our task id (wt_…), its contextId the
// dispatch that created it (dsp_…), and every state change is one event of our log, whose id
// travels as `metadata.cursor` (and as the SSE event id) to resume from.

/** Our task statuses as A2A states; BLOCKED (waiting for dependencies) has not started: submitted. */
export function stateOfStatus(status: TaskStatus, attempts: number): TaskState {
  switch (status) {
    case 'ASSIGNED':
      return TaskState.TASK_STATE_WORKING;
    case 'INPUT_REQUIRED':
      return TaskState.TASK_STATE_INPUT_REQUIRED;
    case 'COMPLETED':
      return TaskState.TASK_STATE_COMPLETED;
    case 'FAILED':
    case 'EXPIRED':
      return TaskState.TASK_STATE_FAILED;
    case 'CANCELLED':
      return TaskState.TASK_STATE_CANCELED;
    case 'PENDING':
      // Back in the queue after a lost lease or a retried failure: the team is still on it.
      return attempts > 0 ? TaskState.TASK_STATE_WORKING : TaskState.TASK_STATE_SUBMITTED;
    default:
      return TaskState.TASK_STATE_SUBMITTED;
  }
}

/** The A2A state a task is in right after one of its events. */
export function stateOfEvent(type: TaskEventType): TaskState {
  switch (type) {
    case 'CREATED':
    case 'BLOCKED':
    case 'UNBLOCKED':
    case 'RETRIED':
      return TaskState.TASK_STATE_SUBMITTED;
    case 'ASSIGNED':
    case 'STOLEN':
    case 'INPUT_PROVIDED':
    case 'REQUEUED':
      return TaskState.TASK_STATE_WORKING;
    case 'INPUT_REQUIRED':
      return TaskState.TASK_STATE_INPUT_REQUIRED;
    case 'COMPLETED':
      return TaskState.TASK_STATE_COMPLETED;
    case 'FAILED':
    case 'EXPIRED':
      return TaskState.TASK_STATE_FAILED;
    case 'CANCELLED':
      return TaskState.TASK_STATE_CANCELED;
    default:
      return TaskState.TASK_STATE_UNSPECIFIED;
  }
}

const TERMINAL = new Set([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED]);
export const isTerminal = (state: TaskState) => TERMINAL.has(state);
/** Terminal or waiting for the client (where a blocking message/send answers and message/stream ends). */
export const isSettled = (state: TaskState) => isTerminal(state) || state === TaskState.TASK_STATE_INPUT_REQUIRED;

// In-process execution hands DateTime values over as Date objects, the generated types say string.
const iso = (value: string | Date | null | undefined) => (value == null ? undefined : new Date(value).toISOString());

const textPart = (text: string): Part => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const dataPart = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });

const agentMessage = (task: { id: string; contextId: string }, messageId: string, parts: Part[]): Message => ({
  messageId,
  contextId: task.contextId,
  taskId: task.id,
  role: Role.ROLE_AGENT,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

/** A person-readable question: the request's `question` (or `prompt`) when it is text, else its JSON. */
function questionOf(request: Record<string, unknown>): string {
  for (const key of ['question', 'prompt', 'text']) if (typeof request[key] === 'string') return request[key];
  return JSON.stringify(request);
}

/** What the status says beyond its state: the question (input-required) or the error (failed, canceled). */
function statusParts(state: TaskState, facts: { inputRequest?: Record<string, unknown> | null; error?: string | null }): Part[] | undefined {
  if (state === TaskState.TASK_STATE_INPUT_REQUIRED && facts.inputRequest) return [textPart(questionOf(facts.inputRequest)), dataPart(facts.inputRequest)];
  if ((state === TaskState.TASK_STATE_FAILED || state === TaskState.TASK_STATE_CANCELED) && facts.error) return [textPart(facts.error)];
  return undefined;
}

/** The result of a completed task as its one artifact (a text part too when it carries `text`). */
export function resultArtifact(taskId: string, result: unknown): Artifact {
  const text = result && typeof result === 'object' && typeof (result as { text?: unknown }).text === 'string' ? (result as { text: string }).text : undefined;
  return {
    artifactId: `${taskId}-result`,
    name: 'result',
    description: 'What the team member completed the task with.',
    parts: [...(text !== undefined ? [textPart(text)] : []), dataPart(result ?? null)],
    metadata: undefined,
    extensions: [],
  };
}

type TaskWithEvents = A2ATaskFragment & { events?: A2ATaskEventFragment[] };

export const contextOf = (task: A2ATaskFragment) => task.dispatchId ?? task.queueId;

/** Our task as an A2A Task: its current state, the result as an artifact, our status and the cursor in metadata. */
export function a2aTask(task: TaskWithEvents): Task {
  const state = stateOfStatus(task.status, task.attempts);
  const ids = { id: task.id, contextId: contextOf(task) };
  const cursor = task.events?.at(-1)?.id;
  const parts = statusParts(state, task);
  return {
    ...ids,
    status: {
      state,
      message: parts ? agentMessage(ids, `${task.id}-status`, parts) : undefined,
      timestamp: iso(task.finishedAt ?? task.inputRequestedAt ?? task.assignedAt ?? task.createdAt),
    },
    artifacts: task.status === 'COMPLETED' ? [resultArtifact(task.id, task.result)] : [],
    history: [],
    metadata: { status: task.status, queueId: task.queueId, ...(task.dispatchId ? { dispatchId: task.dispatchId } : {}), ...(cursor ? { cursor } : {}) },
  };
}

/** One event of our log as an A2A status update, carrying its id as `metadata.cursor`. */
export function statusUpdate(
  event: A2ATaskEventFragment & { task: { result: unknown; error: string | null; inputRequest: Record<string, unknown> | null } },
  contextId: string,
): TaskStatusUpdateEvent {
  const state = stateOfEvent(event.type);
  const detail = (event.detail ?? {}) as { error?: unknown; request?: unknown };
  const ids = { id: event.taskId, contextId };
  const parts = statusParts(state, {
    inputRequest: detail.request && typeof detail.request === 'object' ? (detail.request as Record<string, unknown>) : event.task.inputRequest,
    error: typeof detail.error === 'string' ? detail.error : event.task.error,
  });
  return {
    taskId: event.taskId,
    contextId,
    status: { state, message: parts ? agentMessage(ids, `${event.taskId}-${event.id}`, parts) : undefined, timestamp: iso(event.createdAt) },
    metadata: { cursor: event.id, event: event.type, ...(event.agentId ? { agentId: event.agentId } : {}) },
  };
}
