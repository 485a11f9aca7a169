/** PostgreSQL's unique_violation on the named index or constraint. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && e.constraint === constraint;
}

/** PostgreSQL aborted the statement to break a deadlock (deadlock_detected). */
export function isDeadlock(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === '40P01';
}

/**
 * Runs `work` again when PostgreSQL chose it as a deadlock's victim (its statement or transaction
 * was rolled back, so running it again is safe). The one cycle known: a finish that pauses its team
 * (tasks, then the team row) against a kill-switch stop (the team row, then the tasks); run again,
 * the loser sees what the winner committed.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isDeadlock(err) || attempt >= attempts) throw err;
    }
  }
}
