/**
 * Counts what a key holds at once (long polls, subscriptions, sockets) against a maximum. A
 * count, not a time window: a place is taken when the thing starts and given back when it ends,
 * so rate-limiter-flexible's windows do not fit; giving back in a `finally` means none leaks.
 */
export class Places {
  private readonly held = new Map<string, number>();

  /** Takes a place for `key`; false when it already holds `max`. */
  take(key: string, max: number): boolean {
    const now = this.held.get(key) ?? 0;
    if (now >= max) return false;
    this.held.set(key, now + 1);
    return true;
  }

  give(key: string): void {
    const left = (this.held.get(key) ?? 1) - 1;
    if (left > 0) this.held.set(key, left);
    else this.held.delete(key);
  }

  /** Places held now: by `key`, or by every key together. */
  count(key?: string): number {
    if (key !== undefined) return this.held.get(key) ?? 0;
    let sum = 0;
    for (const n of this.held.values()) sum += n;
    return sum;
  }
}
