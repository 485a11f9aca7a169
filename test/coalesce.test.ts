import { describe, expect, it } from 'vitest';
import { coalesceBy } from '../src/db/coalesce.js';

// coalesceBy: calls that arrive while their group's run is in flight go together in the next run.
type Item = { group: string; id: string };

function recorder(options: { max?: number; fail?: (items: Item[]) => boolean } = {}) {
  const runs: Item[][] = [];
  const release: (() => void)[] = [];
  const call = coalesceBy<Item, string>({
    group: (i) => i.group,
    key: (i) => i.id,
    max: options.max ?? 100,
    run: async (_group, items) => {
      runs.push(items);
      // Each run waits until the test releases it, so the test decides what is in flight.
      await new Promise<void>((resolve) => release.push(resolve));
      if (options.fail?.(items)) throw new Error('run failed');
      return items.map((i) => `done ${i.id}`);
    },
  });
  const releaseNext = async () => {
    await new Promise((r) => setImmediate(r));
    release.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { call, runs, releaseNext };
}

describe('coalesceBy', () => {
  it('runs a lone call at once, and the calls that arrive meanwhile as one run, each with its answer', async () => {
    const r = recorder();
    const first = r.call({ group: 'a', id: '1' });
    expect(r.runs).toEqual([[{ group: 'a', id: '1' }]]);
    const more = ['2', '3', '4'].map((id) => r.call({ group: 'a', id }));
    expect(r.runs).toHaveLength(1);
    await r.releaseNext();
    expect(await first).toBe('done 1');
    expect(r.runs[1]!.map((i) => i.id)).toEqual(['2', '3', '4']);
    await r.releaseNext();
    expect(await Promise.all(more)).toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('keeps groups apart and runs them side by side', async () => {
    const r = recorder();
    const a = r.call({ group: 'a', id: '1' });
    const b = r.call({ group: 'b', id: '1' });
    expect(r.runs).toHaveLength(2);
    await r.releaseNext();
    await r.releaseNext();
    expect([await a, await b]).toEqual(['done 1', 'done 1']);
  });

  it('never puts one key twice in a run, and no more than max items', async () => {
    const r = recorder({ max: 2 });
    const calls = [r.call({ group: 'a', id: 'x' }), r.call({ group: 'a', id: 'y' }), r.call({ group: 'a', id: 'y' }), r.call({ group: 'a', id: 'z' })];
    for (let i = 0; i < 4; i++) await r.releaseNext();
    await Promise.all(calls);
    expect(r.runs.map((run) => run.map((i) => i.id))).toEqual([['x'], ['y', 'z'], ['y']]);
  });

  it('fails the calls of a failed run only', async () => {
    const r = recorder({ fail: (items) => items.some((i) => i.id === 'bad') });
    const first = r.call({ group: 'a', id: 'ok1' });
    const outcome = (p: Promise<string>) => p.then((v) => v, (e: Error) => e.message);
    const bad = outcome(r.call({ group: 'a', id: 'bad' }));
    const sameRun = outcome(r.call({ group: 'a', id: 'ok2' }));
    await r.releaseNext();
    await r.releaseNext();
    expect(await first).toBe('done ok1');
    expect(await bad).toBe('run failed');
    expect(await sameRun).toBe('run failed');
    const after = r.call({ group: 'a', id: 'ok3' });
    await r.releaseNext();
    expect(await after).toBe('done ok3');
  });
});
