import { statement } from '../../db/statement.js';

/** Rings the other instances (from the wake-up connection, never inside a changing transaction). */
export const ring = statement<{ channel: string; from: string }>('events_ring', 'SELECT pg_notify($1, $2)', (p) => [p.channel, p.from]);
