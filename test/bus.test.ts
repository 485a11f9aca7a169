import { describe, expect, it } from 'vitest';
import { createEventBus, MAX_BACKLOG, RESYNC } from '../src/events/bus.js';
import { replayThenLive } from '../src/events/replayThenLive.js';

describe('event bus subscriptions', () => {
  it('listen from the moment they are created', async () => {
    const bus = createEventBus();
    const sub = bus.subscribe('work', 'wq_1');
    bus.publish('work', 'wq_1', 'wt_a');
    expect(await sub.next()).toEqual({ value: 'wt_a', done: false });
    await sub.return();
    expect(bus.hasListeners('work', 'wq_1')).toBe(false);
  });

  it('end a subscriber that falls too far behind with an error, without disturbing others', async () => {
    const bus = createEventBus();
    const slow = bus.subscribe('work', 'wq_1');
    const fast = bus.subscribe('work', 'wq_1');
    let fastSeen = 0;
    for (let i = 0; i <= MAX_BACKLOG; i++) {
      bus.publish('work', 'wq_1', `wt_${i}`); // must not throw, whoever is slow
      await fast.next();
      fastSeen++;
    }
    expect(fastSeen).toBe(MAX_BACKLOG + 1);
    // The slow one still gets what it buffered, then the error telling it to resume.
    for (let i = 0; i < MAX_BACKLOG; i++) expect((await slow.next()).value).toBe(`wt_${i}`);
    await expect(slow.next()).rejects.toThrow(/fell more than 5000 events behind/);
    expect(bus.hasListeners('work', 'wq_1')).toBe(true); // the fast one
    await fast.return();
  });

  it('re-read history from the last emitted cursor on resync, emitting nothing twice', async () => {
    const bus = createEventBus();
    const rows = [1n, 2n, 3n];
    const stream = replayThenLive<bigint>({
      live: bus.subscribe('work', 'q') as never,
      after: 0n,
      page: async (after) => rows.filter((r) => r > after),
      cursor: (r) => r,
    });
    const got: bigint[] = [];
    for (let i = 0; i < 3; i++) got.push((await stream.next()).value as bigint);
    // Events 4 and 5 commit while notifications are lost; 3 arrives live again (a repeat).
    rows.push(4n, 5n);
    bus.publish('work', 'q', 3n as never);
    bus.resync();
    bus.publish('work', 'q', 6n as never);
    for (let i = 0; i < 3; i++) got.push((await stream.next()).value as bigint);
    expect(got).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    await stream.return(undefined);
  });

  it('deliver a resync marker to long-poll wakeups', async () => {
    const bus = createEventBus();
    const sub = bus.subscribe('work', 'wq_9');
    bus.resync();
    expect((await sub.next()).value).toBe(RESYNC);
    await sub.return();
  });
});
