/**
 * Where a tailer stands in one event log whose ids come from a sequence. Ids are taken at insert
 * but become visible at commit, so a lower id can commit after a higher one, and a rolled-back
 * insert leaves a hole for good. The cursor hands rows on strictly in id order: it stops at the
 * first missing id and waits until the hole either fills or can no longer fill. Every id below a
 * visible row was taken before that row's transaction committed, so by a transaction that had
 * started when the hole was first seen; once the reading snapshot's xmin has passed the xmax of
 * that first snapshot, all of those have ended, and whatever of the hole committed is in the
 * read. So nothing is skipped, nothing repeats, and a subscriber's cursor always means
 * "everything up to here".
 */
export class LogCursor {
  /** Everything at or below this id has been handed on (or can never exist). */
  position: bigint;
  /** The hole right after `position`: the xmax of the snapshot that first saw it, and when. */
  private hole: { xmax: bigint; since: number } | undefined;

  constructor(
    start: bigint,
    /** A hole older than this is given up with a warning, whatever the snapshots say. */
    private readonly maxHoleAgeMs = 60_000,
    private readonly onGiveUp: (from: bigint, to: bigint) => void = () => {},
  ) {
    this.position = start;
  }

  /** Whether rows wait behind a hole (the tailer then reads again soon). */
  get blocked(): boolean {
    return this.hole !== undefined;
  }

  /**
   * Takes the rows read after `position` (ascending) with the reading snapshot's bounds, and
   * returns those that can be handed on now, in order.
   */
  advance<T extends { pos: string }>(rows: T[], xmin: bigint, xmax: bigint, now = Date.now()): T[] {
    const ready: T[] = [];
    for (const row of rows) {
      const id = BigInt(row.pos);
      if (id <= this.position) continue;
      if (id > this.position + 1n) {
        if (!this.hole) {
          this.hole = { xmax, since: now };
          return ready;
        }
        const settled = xmin >= this.hole.xmax;
        if (!settled && now - this.hole.since <= this.maxHoleAgeMs) return ready;
        if (!settled) this.onGiveUp(this.position + 1n, id - 1n);
      }
      this.hole = undefined;
      this.position = id;
      ready.push(row);
    }
    return ready;
  }
}
