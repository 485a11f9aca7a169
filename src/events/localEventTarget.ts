/**
 * The event target behind Yoga's pubsub. Events are published by PostgreSQL (NOTIFY from the
 * transaction that made the change) and dispatched here by the listener, never by resolvers, so
 * every instance sees committed changes only. It counts listeners per topic so the listener reads
 * an event's row only when someone on this instance is waiting for it.
 */
export class LocalEventTarget extends EventTarget {
  private readonly counts = new Map<string, number>();

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    if (listener) this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
    if (listener) {
      const n = (this.counts.get(type) ?? 1) - 1;
      if (n > 0) this.counts.set(type, n);
      else this.counts.delete(type);
    }
    super.removeEventListener(type, listener, options);
  }

  hasListeners(type: string): boolean {
    return this.counts.has(type);
  }
}
