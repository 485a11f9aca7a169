import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { EventTailer } from '../events/tailer.js';

/** What a subscription stream reads from: the database for history, the bus for live events. */
export interface StreamDeps {
  db: Db;
  bus: EventBus;
  /** Where the tailer stands in each log once it has published what committed before the call. */
  positions: EventTailer['caughtUp'];
}
