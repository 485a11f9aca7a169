import type { DashboardTaskQuery } from '../generated/graphql.js';

/**
 * Buttons that act on a task (cancel, retry, answer a request for input). The schema has no
 * task-control mutations yet: when `cancelTask(id, reason)`, `retryTask(id, resetAttempts)` and
 * `provideInput(id, response)` exist, add their documents to dashboard/documents/tasks.graphql,
 * run `npm run codegen`, and render a ConfirmButton per action here, by task status.
 */
export function TaskActions(_props: { task: DashboardTaskQuery['task']; onChanged: () => void }) {
  return null;
}
