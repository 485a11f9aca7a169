import type { TaskRow } from './sql/taskColumns.js';

/**
 * A long poll waiting on this instance, offered to the enqueues of its queue. Taken by one
 * enqueue at most; that enqueue then settles it with the task it created for the agent, or with
 * null (nothing could be handed over: the poll goes on claiming as before).
 */
export interface WaitingPoll {
  readonly agentId: string;
  /** Resolves once an enqueue took this poll, with what it handed over. */
  readonly handed: Promise<TaskRow | null>;
  /** Whether an enqueue took it (then `handed` settles soon, whatever happens to the poll). */
  readonly taken: boolean;
  /**
   * Stops offering the poll. Null when no enqueue had taken it; otherwise what was handed over,
   * which the poll must answer or give back.
   */
  leave(): Promise<TaskRow | null> | null;
}

/** An enqueue's hold on a taken poll: settle it exactly once. */
export interface TakenPoll {
  readonly agentId: string;
  settle(task: TaskRow | null): void;
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

  interface Entry {
    ownerId: string;
    agentId: string;
    taken: boolean;
    resolve(task: TaskRow | null): void;
  }

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
      const entry: Entry = { ownerId, agentId, taken: false, resolve };
      let polls = waiting.get(queueId);
      if (!polls) waiting.set(queueId, (polls = new Set()));
      polls.add(entry);
      return {
        agentId,
        handed,
        get taken() {
          return entry.taken;
        },
        leave() {
          if (entry.taken) return handed;
          remove(queueId, entry);
          return null;
        },
      };
    },
    /** The longest-waiting poll of the owner's queue, taken for one enqueue; none when nobody waits. */
    take(ownerId: string, queueId: string): TakenPoll | undefined {
      const polls = waiting.get(queueId);
      if (!polls) return undefined;
      for (const entry of polls) {
        if (entry.ownerId !== ownerId) continue;
        entry.taken = true;
        remove(queueId, entry);
        let settled = false;
        return {
          agentId: entry.agentId,
          settle(task) {
            if (settled) return;
            settled = true;
            entry.resolve(task);
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
