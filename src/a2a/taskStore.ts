import type { ListTasksResponse, Task } from '@a2a-js/sdk';
import { TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { TaskStore } from '@a2a-js/sdk/server';
import type { Yoga } from '../graphql/yoga.js';
import { run, type Caller } from './graphql.js';
import { A2ATaskDocument, type A2ATaskQuery } from './operations.generated.js';
import { a2aTask } from './taskView.js';
import { invalidParams } from './errors.js';

export type StoredTask = A2ATaskQuery['task'];

/**
 * The SDK's TaskStore over our database (through GraphQL, as the caller): an A2A task is a view
 * of one of the team's queue tasks, so several instances share it and nothing lives in memory.
 * Tasks change only through queue operations (an agent claims, completes…), never by a save.
 */
export class TeamTaskStore implements TaskStore {
  constructor(
    private readonly yoga: Yoga,
    private readonly caller: Caller,
    private readonly teamId: string,
  ) {}

  /** Our task with its events, or TaskNotFoundError when it is missing, foreign or of another team. */
  async row(taskId: string, field = 'id'): Promise<StoredTask> {
    if (!taskId?.trim()) throw invalidParams(field, 'is required');
    const { task } = await run(this.yoga, this.caller, A2ATaskDocument, { id: taskId });
    if (task.queue.teamId !== this.teamId) throw new TaskNotFoundError(`task ${taskId} not found`);
    return task;
  }

  async load(taskId: string): Promise<Task | undefined> {
    try {
      return a2aTask(await this.row(taskId));
    } catch (err) {
      if (err instanceof TaskNotFoundError) return undefined;
      throw err;
    }
  }

  save(): Promise<void> {
    return Promise.reject(new UnsupportedOperationError('tasks change through the team queue (agents claim, complete, fail), not by saving them'));
  }

  list(): Promise<ListTasksResponse> {
    return Promise.reject(new UnsupportedOperationError('tasks/list is not offered: the dashboard and GraphQL list a team\'s tasks'));
  }
}
