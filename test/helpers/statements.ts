import pg from 'pg';

/**
 * The named statements sent to PostgreSQL by this process while `work` runs whose names start
 * with one of `prefixes`, counted by name (the hot statements are named prepared statements).
 */
export async function countStatements<T>(prefixes: string[], work: () => Promise<T>): Promise<{ result: T; sent: Map<string, number> }> {
  const original = pg.Client.prototype.query;
  const sent = new Map<string, number>();
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const name = (args[0] as { name?: string } | undefined)?.name;
    if (name && prefixes.some((p) => name.startsWith(p))) sent.set(name, (sent.get(name) ?? 0) + 1);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await work(), sent };
  } finally {
    pg.Client.prototype.query = original;
  }
}

/** All the statements counted. */
export const total = (sent: Map<string, number>) => [...sent.values()].reduce((a, b) => a + b, 0);
