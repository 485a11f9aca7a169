import type { TaskRow } from './sql/taskColumns.js';

/**
 * A long poll waiting on this instance, offered to the enqueues of its queue. Taken by one
 * enqueue at most; that enqueue then settles it with the task it created for the agent, or with
 * null (nothing could be handed over: the poll goes on claiming as before).
 */
export interface WaitingPoll {
  /** Resolves once an enqueue that took this poll settled it, with what it handed over. */
  readonly handed: Promise<TaskRow | null>;
  /** Stops offering the poll. True when an enqueue had already taken it: await `handed`, or `abandon()`. */
  leave(): boolean;
  /**
   * Gives up on a taken poll that was not settled yet (the client left, or the insert takes too
   * long): the enqueue then gives the task back itself. False when it was already settled: what
   * `handed` holds is the poll's to answer (or give back).
   */
  abandon(): boolean;
}

/** An enqueue's hold on a taken poll. */
export interface TakenPoll {
  readonly agentId: string;
  /** Hands over the task (or null); false when the poll gave up meanwhile: give the task back. */
  settle(task: TaskRow | null): boolean;
}

type State = 'waiting' | 'taken' | 'settled' | 'abandoned';

interface Entry {
  ownerId: string;
  agentId: string;
  state: State;
  resolve(task: TaskRow | null): void;
}

/**
 * Hands new tasks straight to the agents whose long polls wait on this instance: the enqueue
 * creates the task ASSIGNED to the agent that has waited longest (one statement and one commit;
 * waking the poll to claim it would take a second round trip and a second commit). Polls on other
 * instances, and the tasks an enqueue cannot hand over, go the usual way: a wake-up, then a claim.
 */
export function createHandOff() {
  // Per queue, in the order the polls started waiting (a Set keeps insertion order).
  const waiting = new Map<string, Set<Entry>>();

  function remove(queueId: string, entry: Entry) {
    const polls = waiting.get(queueId);
    polls?.delete(entry);
    if (polls?.size === 0) waiting.delete(queueId);
  }

  return {
    /** Offers a poll of `agentId` on the queue to its enqueues until it leaves. */
    wait(ownerId: string, queueId: string, agentId: string): WaitingPoll {
      let resolve!: (task: TaskRow | null) => void;
      const handed = new Promise<TaskRow | null>((r) => (resolve = r));
      const entry: Entry = { ownerId, agentId, state: 'waiting', resolve };
      let polls = waiting.get(queueId);
      if (!polls) waiting.set(queueId, (polls = new Set()));
      polls.add(entry);
      return {
        handed,
        leave() {
          if (entry.state !== 'waiting') return true;
          remove(queueId, entry);
          entry.state = 'abandoned'; // never taken now
          return false;
        },
        abandon() {
          if (entry.state === 'settled') return false;
          entry.state = 'abandoned';
          return true;
        },
      };
    },
    /** The longest-waiting poll of the owner's queue, taken for one enqueue; none when nobody waits. */
    take(ownerId: string, queueId: string): TakenPoll | undefined {
      const polls = waiting.get(queueId);
      if (!polls) return undefined;
      for (const entry of polls) {
        if (entry.ownerId !== ownerId) continue;
        entry.state = 'taken';
        remove(queueId, entry);
        return {
          agentId: entry.agentId,
          settle(task) {
            if (entry.state !== 'taken') return false;
            entry.state = 'settled';
            entry.resolve(task);
            return true;
          },
        };
      }
      return undefined;
    },
    /** Polls offered on the queue now (the bench waits for one before it enqueues). */
    waiting: (queueId: string) => waiting.get(queueId)?.size ?? 0,
  };
}

export type HandOff = ReturnType<typeof createHandOff>;
