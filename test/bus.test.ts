import { describe, expect, it } from 'vitest';
import { createEventBus, MAX_BACKLOG } from '../src/events/bus.js';
import { LogCursor } from '../src/events/logCursor.js';
import { REPLAY_PAGE, replayThenLive } from '../src/events/replayThenLive.js';

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

  it('end every subscription on close, and refuse new ones (shutdown)', async () => {
    const bus = createEventBus();
    const waiting = bus.subscribe('work', 'wq_3').next();
    bus.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await bus.subscribe('work', 'wq_3').next()).toEqual({ value: undefined, done: true });
    expect(bus.hasListeners('work', 'wq_3')).toBe(false);
  });
});

describe('replayThenLive', () => {
  it('replays (after, upTo] page by page, then live events above it, with no repeat at the seam', async () => {
    const bus = createEventBus();
    const live = bus.subscribe('mailbox', 'q') as never;
    const history = Array.from({ length: 1200 }, (_, i) => BigInt(i + 1));
    const pages: bigint[] = [];
    const stream = replayThenLive<bigint>({
      live,
      after: 5n,
      upTo: 1000n,
      page: async (after, upTo) => {
        pages.push(after);
        return history.filter((r) => r > after && r <= upTo).slice(0, REPLAY_PAGE);
      },
      cursor: (r) => r,
    });
    const got: bigint[] = [];
    for (let i = 0; i < 995; i++) got.push((await stream.next()).value as bigint);
    expect(got[0]).toBe(6n);
    expect(got.at(-1)).toBe(1000n);
    expect(pages).toEqual([5n, 505n, 1000n].slice(0, pages.length));
    bus.publish('mailbox', 'q', 1000n as never); // at or below what was replayed: dropped
    bus.publish('mailbox', 'q', 1001n as never);
    expect((await stream.next()).value).toBe(1001n);
    await stream.return(undefined);
    expect(bus.hasListeners('mailbox', 'q')).toBe(false);
  });
});

describe('LogCursor', () => {
  const rows = (...ids: number[]) => ids.map((id) => ({ pos: String(id) }));
  const ids = (r: { pos: string }[]) => r.map((x) => Number(x.pos));

  it('hands rows on in id order and waits at a hole until the lower id commits', () => {
    const cursor = new LogCursor(10n);
    expect(ids(cursor.advance(rows(11, 12, 14, 15), 100n, 105n))).toEqual([11, 12]);
    expect(cursor.position).toBe(12n);
    expect(cursor.blocked).toBe(true);
    // 13 committed late: it comes first, then what waited behind it.
    expect(ids(cursor.advance(rows(13, 14, 15), 101n, 106n))).toEqual([13, 14, 15]);
    expect(cursor.blocked).toBe(false);
  });

  it('moves past a hole once every transaction that could fill it has ended (a rollback)', () => {
    const cursor = new LogCursor(0n);
    expect(ids(cursor.advance(rows(1, 3), 50n, 60n))).toEqual([1]);
    // Transactions older than xid 60 may still be running: keep waiting.
    expect(ids(cursor.advance(rows(3), 55n, 61n))).toEqual([]);
    expect(ids(cursor.advance(rows(3, 4), 60n, 62n))).toEqual([3, 4]);
    expect(cursor.position).toBe(4n);
  });

  it('gives a hole up after the maximum age, saying so', () => {
    const gaveUp: bigint[][] = [];
    const cursor = new LogCursor(0n, 1_000, (from, to) => gaveUp.push([from, to]));
    expect(ids(cursor.advance(rows(2), 10n, 20n, 0))).toEqual([]);
    expect(ids(cursor.advance(rows(2), 10n, 20n, 999))).toEqual([]);
    expect(ids(cursor.advance(rows(2), 10n, 20n, 1_001))).toEqual([2]);
    expect(gaveUp).toEqual([[1n, 1n]]);
  });
});
