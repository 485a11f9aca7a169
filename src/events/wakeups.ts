import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DatabaseHealth } from '../db/health.js';
import type { Logger } from '../logger.js';
import { ring } from './sql/ring.js';

const CHANNEL = 'agent_teams_wakeup';
const MAX_BACKOFF_MS = 5_000;

/**
 * Cross-instance wake-ups. Changes never NOTIFY inside their own transaction (PostgreSQL
 * serialises the commits of notifying transactions); instead an instance that committed events
 * rings other instances from this separate connection, at most once per `coalesceMs`, and they
 * read the new rows themselves. A lost connection only delays others: their tailers also poll.
 */
export function startWakeups(deps: { connectionString: string; log: Logger; health: DatabaseHealth; coalesceMs: number; onWake: () => void }) {
  const { log } = deps;
  const self = randomUUID();
  let client: pg.Client | undefined;
  let stopped = false;
  let backoff = 100;
  let lastRing = 0;
  let trailing: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: deps.connectionString, keepAlive: true });
    c.on('notification', (msg) => {
      if (msg.payload !== self) deps.onWake();
    });
    // A database outage is logged once by its health tracker, not by every connection it breaks.
    c.on('error', (err) => {
      if (!deps.health.report(err)) log.warn({ err }, 'wake-up connection error');
    });
    c.on('end', () => {
      if (client !== c) return;
      client = undefined;
      retryLater();
    });
    try {
      await c.connect();
      // A ring is a NOTIFY, whose commit waits for a WAL flush while holding PostgreSQL's global
      // notify lock; asynchronous commit releases both at once. A ring lost in a crash costs
      // nothing: it carries no data and the other instances' tailers poll anyway. (Set here, not
      // in the startup options, which an `options` parameter of the URL would replace.)
      await c.query('SET synchronous_commit = off');
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    client = c;
    backoff = 100;
  }

  function retryLater() {
    if (stopped) return;
    log[deps.health.down ? 'debug' : 'warn']({ retryInMs: backoff }, 'wake-up connection lost; reconnecting');
    setTimeout(() => {
      if (stopped) return;
      connect().then(
        () => {
          log.info('wake-up connection restored');
          deps.onWake(); // whatever was rung meanwhile
        },
        () => retryLater(),
      );
    }, backoff).unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  let sending = false;
  let ringAgain = false;
  /** One ring at a time on this connection; a ring asked for meanwhile follows it. */
  function send() {
    if (sending || !client) {
      ringAgain = sending;
      return;
    }
    sending = true;
    lastRing = Date.now();
    ring
      .count(client, { channel: CHANNEL, from: self })
      .catch((err) => log.debug({ err }, 'wake-up not sent'))
      .finally(() => {
        sending = false;
        if (ringAgain) {
          ringAgain = false;
          api.ring();
        }
      });
  }

  const api = {
    ready: connect(),
    /** Tells the other instances that new events committed (coalesced). */
    ring() {
      if (stopped || trailing) return;
      const wait = lastRing + deps.coalesceMs - Date.now();
      if (wait <= 0) return send();
      trailing = setTimeout(() => {
        trailing = undefined;
        send();
      }, wait);
      trailing.unref();
    },
    /** For tests: drops the connection as a network failure would. */
    async disconnect() {
      await client?.end();
    },
    async stop() {
      stopped = true;
      clearTimeout(trailing);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
  return api;
}
