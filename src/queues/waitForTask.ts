import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import { dequeueTask } from './dequeue.js';
import type { TaskRow } from './sql/taskColumns.js';

/**
 * Long-poll dequeue: returns a task as soon as one is claimable, or null after `waitSeconds`.
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
): Promise<TaskRow | null> {
  if (waitSeconds <= 0) return dequeueTask(db, ownerId, queueId, agentId);
  const deadline = Date.now() + waitSeconds * 1000;
  const wakeups = bus.pubsub.subscribe('work', queueId)[Symbol.asyncIterator]();
  // Listening before the first attempt: a task enqueued in between still wakes us.
  let wakeup = wakeups.next();
  const timeout = new AbortController();
  try {
    for (;;) {
      const task = await dequeueTask(db, ownerId, queueId, agentId);
      if (task) return task;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      const woke = await Promise.race([
        wakeup.then(() => true),
        sleep(remaining, false, { signal: timeout.signal }).catch(() => false),
      ]);
      if (!woke) return null;
      wakeup = wakeups.next();
    }
  } finally {
    timeout.abort();
    await wakeups.return?.();
  }
}
