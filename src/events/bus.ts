import { createPubSub } from 'graphql-yoga';
import type { Message, TaskEvent, TeamEvent } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';
import { LocalEventTarget } from './localEventTarget.js';

export type TaskEventPayload = TaskEvent & { teamId: string | null };

/** What travels on each topic; the second element is the payload, the first the routing id. */
export type Topics = {
  /** Every event of a queue's tasks. */
  queueTasks: [queueId: string, event: TaskEventPayload];
  /** Every task event of the queues that belong to a team. */
  teamTasks: [teamId: string, event: TaskEventPayload];
  teamEvents: [teamId: string, event: TeamEvent];
  mailbox: [teamId: string, message: Message];
  /** A task became claimable in the queue (created or requeued): wakes long-polling dequeues. */
  work: [queueId: string, taskId: string];
};

/**
 * Marks a moment when events may have been missed (the LISTEN connection dropped): subscribers
 * re-read from their cursor, long polls retry their claim.
 */
export const RESYNC = Symbol('resync');
const RESYNC_EVENT = 'resync';

/** How many undelivered events one subscriber may fall behind before its stream ends. */
export const MAX_BACKLOG = 5_000;

export interface Subscription<T> extends AsyncIterableIterator<T | typeof RESYNC> {
  return(): Promise<IteratorResult<T | typeof RESYNC>>;
}

export type EventBus = ReturnType<typeof createEventBus>;

export function createEventBus() {
  const target = new LocalEventTarget();
  const pubsub = createPubSub<Topics>({ eventTarget: target as never });
  // Yoga names the event type `${topic}:${id}` and carries the payload in `detail`.
  const hasListeners = (topic: keyof Topics, id: string) => target.hasListeners(`${topic}:${id}`);
  /** Every open subscription's close(), for shutdown. */
  const open = new Set<() => void>();
  let closed = false;

  /**
   * Listens from the moment it is called (not lazily on first read, so nothing published between
   * subscribing and reading is lost), with a bounded backlog: a subscriber that falls too far
   * behind gets an error and can resume from its cursor, instead of growing memory without end.
   */
  function subscribe<K extends keyof Topics>(topic: K, id: string): Subscription<Topics[K][1]> {
    type Item = Topics[K][1] | typeof RESYNC;
    const queue: Item[] = [];
    let waiting: ((result: IteratorResult<Item>) => void) | undefined;
    let failed: ((error: Error) => void) | undefined;
    let error: Error | undefined;
    let done = closed; // after shutdown began, a subscription starts out ended
    const push = (item: Item) => {
      if (done) return;
      if (waiting) {
        const resolve = waiting;
        waiting = failed = undefined;
        resolve({ value: item, done: false });
      } else if (topic === 'work' && queue.length > 0) {
        // A wake-up is a doorbell: one pending ring is as good as many.
      } else if (queue.length >= MAX_BACKLOG && item !== RESYNC) {
        error = new DomainError('CONFLICT', `subscriber fell more than ${MAX_BACKLOG} events behind; subscribe again with the last cursor you handled`);
        close();
      } else queue.push(item);
    };
    const onEvent = (event: Event) => push((event as CustomEvent).detail);
    const onResync = () => push(RESYNC);
    const type = `${topic}:${id}`;
    if (!done) {
      target.addEventListener(type, onEvent);
      target.addEventListener(RESYNC_EVENT, onResync);
      open.add(close);
    }
    function close() {
      if (done) return;
      done = true;
      open.delete(close);
      target.removeEventListener(type, onEvent);
      target.removeEventListener(RESYNC_EVENT, onResync);
      if (error && failed) failed(error);
      else waiting?.({ value: undefined, done: true });
      waiting = failed = undefined;
    }
    const iterator: Subscription<Topics[K][1]> = {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (error) return Promise.reject(error);
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiting = resolve;
          failed = reject;
        });
      },
      async return() {
        queue.length = 0;
        close();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return {
    publish: pubsub.publish,
    subscribe,
    hasListeners,
    /** After a gap in the database notifications: every subscriber re-reads from its cursor. */
    resync: () => target.dispatchEvent(new Event(RESYNC_EVENT)),
    /** Shutdown: ends every subscription, and any made later (long polls answer empty, streams complete). */
    close() {
      closed = true;
      for (const end of [...open]) end();
    },
  };
}
