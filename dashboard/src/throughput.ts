import type { TaskEvent } from './live.js';

export interface MinuteCounts {
  completed: number;
  failed: number;
}

/** Finished tasks per minute (by the minute's start, ms): counted by the server up to `counted`, by the page after it. */
export interface Throughput {
  counted: bigint;
  minutes: Map<number, MinuteCounts>;
}

export const fromServer = (t: { lastEventId: string | null; minutes: Array<{ minute: string } & MinuteCounts> }): Throughput => ({
  counted: BigInt(t.lastEventId ?? 0),
  minutes: new Map(t.minutes.map((m) => [Date.parse(m.minute), { completed: m.completed, failed: m.failed }])),
});

/** The counts with a live event added, or null when it changes nothing (not a finish, or already counted). */
export function withEvent(t: Throughput, e: TaskEvent): Throughput | null {
  if ((e.type !== 'COMPLETED' && e.type !== 'FAILED') || BigInt(e.id) <= t.counted) return null;
  const minute = Math.floor(Date.parse(e.createdAt) / 60_000) * 60_000;
  const minutes = new Map(t.minutes);
  const m = minutes.get(minute) ?? { completed: 0, failed: 0 };
  minutes.set(minute, e.type === 'COMPLETED' ? { ...m, completed: m.completed + 1 } : { ...m, failed: m.failed + 1 });
  return { counted: BigInt(e.id), minutes };
}
