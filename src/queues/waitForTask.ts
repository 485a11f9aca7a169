import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import { dequeueTask } from './dequeue.js';
import { releaseTask } from './sql/releaseTask.js';
import type { TaskRow } from './sql/taskColumns.js';

/**
 * Long-poll dequeue: returns a task as soon as one is claimable, or null after `waitSeconds` or
 * once `signal` aborts (the client went away: it must not be handed a task it will never see).
 * It does not poll the database: it sleeps until the event bus says a task was created or
 * requeued in the queue (NOTIFY from the committing transaction), then tries to claim. When many
 * agents wait and one task arrives, all wake, one claims it, the others wait again.
 */
export async function dequeueWithWait(
  db: Db,
  bus: EventBus,
  ownerId: string,
  queueId: string,
  agentId: string,
  waitSeconds: number,
  signal?: AbortSignal,
): Promise<TaskRow | null> {
  if (waitSeconds <= 0) return dequeueTask(db, ownerId, queueId, agentId);
  const deadline = Date.now() + waitSeconds * 1000;
  // Listening before the first attempt: a task enqueued in between still wakes us.
  const wakeups = bus.subscribe('work', queueId);
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal?.addEventListener('abort', abort);
  // One timer for the whole wait: resolves false at the deadline or when the client leaves.
  const timeUp = sleep(Math.max(deadline - Date.now(), 0), false, { signal: stop.signal }).catch(() => false);
  try {
    for (;;) {
      if (signal?.aborted) return null;
      const task = await dequeueTask(db, ownerId, queueId, agentId);
      if (task && signal?.aborted) {
        // The client left while the claim ran: give the task back rather than strand it.
        await releaseTask(db, task);
        return null;
      }
      if (task) return task;
      if (Date.now() >= deadline) return null;
      const woke = await Promise.race([wakeups.next().then((r) => !r.done), timeUp]);
      if (!woke) return null;
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    stop.abort();
    await wakeups.return();
  }
}
