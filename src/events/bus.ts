import type { Message, TaskEvent, TeamEvent } from '../generated/prisma/client.js';
import { DomainError } from '../errors.js';

/** What travels on each topic; the second element is the payload, the first the routing id. */
export type Topics = {
  /** Every event of a queue's tasks. */
  queueTasks: [queueId: string, event: TaskEvent];
  /** Every task event of the queues that belong to a team. */
  teamTasks: [teamId: string, event: TaskEvent];
  teamEvents: [teamId: string, event: TeamEvent];
  /** Every task event of an owner's queues (a dashboard's one subscription). */
  ownerTasks: [ownerId: string, event: TaskEvent];
  /** Every team event of an owner's teams, creations included. */
  ownerTeamEvents: [ownerId: string, event: TeamEvent];
  mailbox: [teamId: string, message: Message];
  /** A task became claimable in the queue (created or requeued): wakes long-polling dequeues. */
  work: [queueId: string, taskId: string];
};

/** How many undelivered events one subscriber may fall behind before its stream ends. */
export const MAX_BACKLOG = 5_000;

export interface Subscription<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T>>;
}

export type EventBus = ReturnType<typeof createEventBus>;

/**
 * In-process fan-out of committed events to this instance's subscribers and long polls. Only
 * the event tailer publishes (after commit, in id order), never a resolver. Plain listener sets
 * per topic and id: a subscription costs one set entry, however many there are.
 */
export function createEventBus() {
  const listeners = new Map<string, Set<(item: unknown) => void>>();
  const closers = new Set<() => void>();
  let closed = false;

  function publish<K extends keyof Topics>(topic: K, id: string, payload: Topics[K][1]): void {
    const set = listeners.get(`${topic}:${id}`);
    if (set) for (const listener of [...set]) listener(payload);
  }

  /**
   * Listens from the moment it is called (not lazily on first read, so nothing published between
   * subscribing and reading is lost), with a bounded backlog: a subscriber that falls too far
   * behind gets an error and can resume from its cursor, instead of growing memory without end.
   */
  function subscribe<K extends keyof Topics>(topic: K, id: string): Subscription<Topics[K][1]> {
    type Item = Topics[K][1];
    const key = `${topic}:${id}`;
    const queue: Item[] = [];
    let waiting: ((result: IteratorResult<Item>) => void) | undefined;
    let failed: ((error: Error) => void) | undefined;
    let error: Error | undefined;
    let done = false;
    const push = (item: unknown) => {
      if (done) return;
      if (waiting) {
        const resolve = waiting;
        waiting = failed = undefined;
        resolve({ value: item as Item, done: false });
      } else if (topic === 'work' && queue.length > 0) {
        // A wake-up is a doorbell: one pending ring is as good as many.
      } else if (queue.length >= MAX_BACKLOG) {
        error = new DomainError('CONFLICT', `subscriber fell more than ${MAX_BACKLOG} events behind; subscribe again with the last cursor you handled`);
        close();
      } else queue.push(item as Item);
    };
    let set = listeners.get(key);
    if (!set) listeners.set(key, (set = new Set()));
    set.add(push);
    function close() {
      if (done) return;
      done = true;
      closers.delete(close);
      set!.delete(push);
      if (set!.size === 0 && listeners.get(key) === set) listeners.delete(key);
      if (error && failed) failed(error);
      else waiting?.({ value: undefined, done: true });
      waiting = failed = undefined;
    }
    closers.add(close);
    if (closed) close();
    const iterator: Subscription<Item> = {
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
    publish,
    subscribe,
    hasListeners: (topic: keyof Topics, id: string) => listeners.has(`${topic}:${id}`),
    /** Any subscriber at all on this instance (the tailer skips reading rows nobody awaits). */
    get listening() {
      return listeners.size > 0;
    },
    /**
     * Ends every subscription (shutdown): streams complete, and long polls answer their empty
     * result at once. Later subscriptions end immediately.
     */
    close() {
      closed = true;
      for (const close of [...closers]) close();
    },
  };
}
