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
    const slow = bus.subscribe('mailbox', 'team-1');
    const fast = bus.subscribe('mailbox', 'team-1');
    let fastSeen = 0;
    for (let i = 0; i <= MAX_BACKLOG; i++) {
      bus.publish('mailbox', 'team-1', { seq: i } as never); // must not throw, whoever is slow
      await fast.next();
      fastSeen++;
    }
    expect(fastSeen).toBe(MAX_BACKLOG + 1);
    // The slow one still gets what it buffered, then the error telling it to resume.
    for (let i = 0; i < MAX_BACKLOG; i++) expect((await slow.next()).value).toEqual({ seq: i });
    await expect(slow.next()).rejects.toThrow(/fell more than 5000 events behind/);
    expect(bus.hasListeners('mailbox', 'team-1')).toBe(true); // the fast one
    await fast.return();
  });

  it('coalesce long-poll wake-ups: one pending ring stands for many', async () => {
    const bus = createEventBus();
    const sub = bus.subscribe('work', 'wq_2');
    for (let i = 0; i < MAX_BACKLOG * 2; i++) bus.publish('work', 'wq_2', `wt_${i}`);
    expect((await sub.next()).value).toBe('wt_0');
    bus.publish('work', 'wq_2', 'wt_next');
    expect((await sub.next()).value).toBe('wt_next');
    await sub.return();
  });

  it('re-read history on resync, including a lower id that committed late, emitting nothing twice', async () => {
    const bus = createEventBus();
    const rows = [10n, 11n, 13n];
    const stream = replayThenLive<bigint>({
      live: bus.subscribe('mailbox', 'q') as never,
      after: 0n,
      page: async (after) => rows.filter((r) => r > after).sort((x, y) => (x < y ? -1 : 1)),
      cursor: (r) => r,
    });
    const got: bigint[] = [];
    for (let i = 0; i < 3; i++) got.push((await stream.next()).value as bigint);
    // While notifications are lost: 12 commits late (below 13, already emitted) and 14 commits.
    rows.push(12n, 14n);
    bus.publish('mailbox', 'q', 13n as never); // a repeat arriving live
    bus.resync();
    bus.publish('mailbox', 'q', 15n as never);
    for (let i = 0; i < 3; i++) got.push((await stream.next()).value as bigint);
    expect(got).toEqual([10n, 11n, 13n, 12n, 14n, 15n]);
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
