import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import { parseInput } from '../validation.js';
import { observeClaimed } from '../metrics/tasks.js';
import { dequeueTasks } from './dequeue.js';
import type { HandOff, WaitingPoll } from './handOff.js';
import { nextDueAt } from './sql/nextDue.js';
import { releaseTask } from './sql/releaseTask.js';
import type { TaskRow } from './sql/taskColumns.js';
import { claimSchema, type ClaimInput } from './validation.js';

/** Tasks claimed or handed to a poll whose client left: back to PENDING, the attempt not counted. */
async function giveBack(db: Db, tasks: TaskRow[]): Promise<void> {
  for (const task of tasks) await releaseTask.count(db.pool, { id: task.id, leaseToken: task.leaseToken! });
}

/** How long a poll whose wait ended waits for a task an enqueue is creating for it. */
const HAND_OFF_GRACE_MS = 2_000;

/**
 * What an enqueue handed to a poll that has stopped waiting: the task, or null when none was
 * taken, none could be handed over, or the poll gave up on it (the client left, or the insert took
 * longer than the grace), in which case the enqueue gives the task back.
 */
async function collect(poll: WaitingPoll, stop: AbortSignal): Promise<TaskRow | null> {
  if (!poll.leave()) return null;
  const gaveUp = stop.aborted ? Promise.resolve(null) : sleep(HAND_OFF_GRACE_MS, null, { signal: stop }).catch(() => null);
  const task = await Promise.race([poll.handed, gaveUp]);
  if (task || poll.abandon()) return task;
  return poll.handed; // settled meanwhile: it is this poll's
}

/**
 * Dequeue with an optional long poll: returns tasks as soon as any is claimable, or none after
 * `waitSeconds`, once `signal` aborts (the client went away: it must not be handed a task it
 * will never see) or when the server shuts down (the bus closes). It does not poll the database:
 * it sleeps until the bus says a task was created or requeued in the queue, or until the next
 * delayed task of the queue becomes due (one indexed lookup after each empty claim), then tries
 * to claim. When many agents wait and one task arrives, all wake, one claims it, the others wait
 * again. With `handOff`, an enqueue on this instance hands its task straight to the poll that has
 * waited longest, which then answers without a claim.
 */
export async function dequeueWithWait(
  db: Db,
  bus: EventBus,
  ownerId: string,
  input: ClaimInput,
  signal?: AbortSignal,
  handOff?: HandOff,
): Promise<TaskRow[]> {
  const { waitSeconds, ...claim } = parseInput(claimSchema, input);
  if (!waitSeconds) return dequeueTasks(db, ownerId, claim);
  const deadline = Date.now() + waitSeconds * 1000;
  // Listening before the first attempt: a task enqueued in between still wakes us.
  const wakeups = bus.subscribe('work', claim.queueId);
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal?.addEventListener('abort', abort);
  // One timer for the whole wait: resolves false at the deadline or when the client leaves.
  const timeUp = sleep(Math.max(deadline - Date.now(), 0), false, { signal: stop.signal }).catch(() => false);
  try {
    for (;;) {
      if (signal?.aborted) return [];
      const tasks = await dequeueTasks(db, ownerId, claim);
      if (tasks.length && signal?.aborted) {
        // The client left while the claim ran: give the tasks back rather than strand them.
        await giveBack(db, tasks);
        return [];
      }
      if (tasks.length) return tasks;
      if (Date.now() >= deadline) return [];
      const due = (await nextDueAt.row(db.pool, { queueId: claim.queueId }))?.at;
      const dueTimer = new AbortController();
      const becomesDue =
        due && due.getTime() < deadline
          ? sleep(Math.max(due.getTime() - Date.now(), 0), true, { signal: dueTimer.signal }).catch(() => false)
          : new Promise<boolean>(() => {});
      // While it sleeps, an enqueue on this instance may hand it a task directly (handOff.ts).
      const poll = handOff?.wait(ownerId, claim.queueId, claim.agentId);
      let handed: TaskRow | null = null;
      try {
        const woke = await Promise.race([wakeups.next().then((r) => !r.done), timeUp, becomesDue, ...(poll ? [poll.handed.then(() => true)] : [])]);
        // Whatever woke it, it is offered no more; if an enqueue took it, that task is its own.
        if (poll) handed = await collect(poll, stop.signal);
        if (!handed && !woke) return [];
      } finally {
        dueTimer.abort();
        poll?.leave();
      }
      if (handed) {
        observeClaimed([handed]);
        if (!signal?.aborted) return [handed];
        await giveBack(db, [handed]);
        return [];
      }
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    stop.abort();
    await wakeups.return();
  }
}
