/**
 * Runs concurrent calls together: while a run of a group is in flight, the calls that arrive
 * for that group wait and then go as one run (at most `max` items), so N agents finishing at
 * the same moment cost one statement and one commit instead of N. There is no timer: a call
 * that finds its group idle runs at once, alone. Items with the same `key` never share a run
 * (a later run takes the second), so one statement never sees one task twice. Each caller gets
 * its own item's answer; when a run fails, every call in it fails with that error.
 */
export function coalesceBy<I, O>(options: {
  group: (item: I) => string;
  key: (item: I) => string;
  max: number;
  run: (group: string, items: I[]) => Promise<O[]>;
}): (item: I) => Promise<O> {
  interface Call {
    item: I;
    resolve(answer: O): void;
    reject(err: unknown): void;
  }
  const groups = new Map<string, { waiting: Call[]; running: boolean }>();

  const pump = (name: string) => {
    const g = groups.get(name)!;
    if (g.running) return;
    if (g.waiting.length === 0) {
      groups.delete(name);
      return;
    }
    const batch: Call[] = [];
    const later: Call[] = [];
    const keys = new Set<string>();
    for (const call of g.waiting) {
      const key = options.key(call.item);
      if (batch.length < options.max && !keys.has(key)) {
        keys.add(key);
        batch.push(call);
      } else later.push(call);
    }
    g.waiting = later;
    g.running = true;
    options.run(name, batch.map((c) => c.item)).then(
      (answers) => batch.forEach((c, i) => c.resolve(answers[i]!)),
      (err: unknown) => batch.forEach((c) => c.reject(err)),
    ).finally(() => {
      g.running = false;
      pump(name);
    });
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      const name = options.group(item);
      let g = groups.get(name);
      if (!g) groups.set(name, (g = { waiting: [], running: false }));
      g.waiting.push({ item, resolve, reject });
      pump(name);
    });
}
