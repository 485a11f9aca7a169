import pg from 'pg';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { EventBus } from './bus.js';

const CHANNELS = ['agent_teams_task_events', 'agent_teams_team_events', 'agent_teams_messages'] as const;
const MAX_BACKOFF_MS = 5_000;

interface TaskNote {
  id: number;
  taskId: string;
  queueId: string;
  teamId: string | null;
  type: string;
}
interface TeamNote {
  id: number;
  teamId: string;
}
interface MessageNote {
  id: string;
  teamId: string;
}

/**
 * One dedicated LISTEN connection per instance. Notifications carry ids; rows are read back in
 * batches, and only for topics somebody on this instance listens to. After a lost connection it
 * reconnects with backoff and asks every subscriber to re-read from its cursor (the database is
 * the record; notifications are only the doorbell).
 */
export function startListener(deps: { connectionString: string; db: Db; bus: EventBus; log: Logger }) {
  const { db, bus, log } = deps;
  let client: pg.Client | undefined;
  let stopped = false;
  let backoff = 100;
  let pending: { task: TaskNote[]; team: TeamNote[]; message: MessageNote[] } = { task: [], team: [], message: [] };
  let flushScheduled = false;
  let flushing: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      const batch = pending;
      pending = { task: [], team: [], message: [] };
      flushing = flushing
        .then(() => deliver(batch))
        .catch((err) => {
          // The rows could not be read back: every subscriber re-reads from its cursor instead.
          log.error({ err }, 'event delivery failed; resynchronising subscribers');
          setTimeout(() => bus.resync(), 500).unref();
        });
    });
  };

  async function deliver(batch: typeof pending) {
    const tasks = batch.task.filter(
      (n) => bus.hasListeners('queueTasks', n.queueId) || (n.teamId !== null && bus.hasListeners('teamTasks', n.teamId)),
    );
    if (tasks.length) {
      const rows = await db.taskEvent.findMany({ where: { id: { in: tasks.map((n) => BigInt(n.id)) } }, orderBy: { id: 'asc' } });
      const teamOf = new Map(tasks.map((n) => [String(n.id), n.teamId]));
      for (const row of rows) {
        const event = { ...row, teamId: teamOf.get(String(row.id)) ?? null };
        bus.publish('queueTasks', event.queueId, event);
        if (event.teamId) bus.publish('teamTasks', event.teamId, event);
      }
    }
    const teams = batch.team.filter((n) => bus.hasListeners('teamEvents', n.teamId));
    if (teams.length) {
      const rows = await db.teamEvent.findMany({ where: { id: { in: teams.map((n) => BigInt(n.id)) } }, orderBy: { id: 'asc' } });
      for (const row of rows) bus.publish('teamEvents', row.teamId, row);
    }
    const messages = batch.message.filter((n) => bus.hasListeners('mailbox', n.teamId));
    if (messages.length) {
      const rows = await db.message.findMany({ where: { id: { in: messages.map((n) => n.id) } }, orderBy: { seq: 'asc' } });
      for (const row of rows) bus.publish('mailbox', row.teamId, row);
    }
  }

  function onNotification(msg: pg.Notification) {
    try {
      const note = JSON.parse(msg.payload ?? '{}');
      if (msg.channel === 'agent_teams_task_events') {
        const n = note as TaskNote;
        // Wake-ups need no row: the waiting dequeue claims for itself.
        if (n.type === 'CREATED' || n.type === 'REQUEUED') bus.publish('work', n.queueId, n.taskId);
        pending.task.push(n);
      } else if (msg.channel === 'agent_teams_team_events') {
        pending.team.push(note as TeamNote);
      } else {
        pending.message.push(note as MessageNote);
      }
      schedule();
    } catch (err) {
      log.warn({ err, payload: msg.payload }, 'ignoring malformed notification');
    }
  }

  function retryLater() {
    if (stopped) return;
    log.warn({ retryInMs: backoff }, 'event listener disconnected; reconnecting');
    setTimeout(() => void reconnect(), backoff).unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: deps.connectionString, keepAlive: true });
    c.on('notification', onNotification);
    c.on('error', (err) => log.warn({ err }, 'event listener connection error'));
    // Only a connection that was fully listening schedules its own replacement; a failed
    // attempt is retried by reconnect() below.
    c.on('end', () => {
      if (client !== c) return;
      client = undefined;
      retryLater();
    });
    try {
      await c.connect();
      for (const channel of CHANNELS) await c.query(`LISTEN ${channel}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    client = c;
    backoff = 100;
  }

  async function reconnect() {
    if (stopped) return;
    try {
      await connect();
      log.info('event listener reconnected');
      bus.resync();
    } catch (err) {
      log.warn({ err }, 'event listener reconnect failed');
      retryLater();
    }
  }

  return {
    ready: connect(),
    /** For tests: drops the connection as a network failure would. */
    async disconnect() {
      await client?.end();
    },
    async stop() {
      stopped = true;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
      await flushing;
    },
  };
}

export type Listener = ReturnType<typeof startListener>;
