import { page, type Answer, type Page } from './route.js';

export interface RestAnswer {
  status: number;
  /** Absent (and no page): an empty body, e.g. 204. */
  body?: unknown;
  page?: Page;
}

/** The value at a dotted path of the data (`workQueue.tasks`). */
export const valueAt = (data: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | null | undefined)?.[key], data);

/** The route's answer from the operation's data. */
export function answerOf(answer: Answer, data: unknown): RestAnswer {
  if ('page' in answer) return { status: answer.status, page: page(valueAt(data, answer.page) as Parameters<typeof page>[0]) };
  const value = valueAt(data, answer.body);
  if (value == null && answer.empty) return { status: answer.empty };
  return { status: answer.status, body: answer.wrap ? { [answer.wrap]: value } : value };
}
