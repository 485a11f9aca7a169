import pg from 'pg';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { EventBus, TaskEventPayload } from './bus.js';

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
 * reconnects with backoff and re-reads what was committed meanwhile (subscribers drop repeats).
 */
export function startListener(deps: { connectionString: string; db: Db; bus: EventBus; log: Logger }) {
  const { db, bus, log } = deps;
  let client: pg.Client | undefined;
  let stopped = false;
  let backoff = 100;
  let taskHigh = 0;
  let teamHigh = 0;
  let disconnectedAt = new Date();
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
      flushing = flushing.then(() => deliver(batch)).catch((err) => log.error({ err }, 'event delivery failed'));
    });
  };

  async function deliver(batch: typeof pending) {
    const tasks = batch.task.filter(
      (n) => bus.hasListeners('queueTasks', n.queueId) || (n.teamId !== null && bus.hasListeners('teamTasks', n.teamId)),
    );
    if (tasks.length) {
      const rows = await db.taskEvent.findMany({ where: { id: { in: tasks.map((n) => BigInt(n.id)) } }, orderBy: { id: 'asc' } });
      const teamOf = new Map(tasks.map((n) => [String(n.id), n.teamId]));
      for (const row of rows) publishTask({ ...row, teamId: teamOf.get(String(row.id)) ?? null });
    }
    const teams = batch.team.filter((n) => bus.hasListeners('teamEvents', n.teamId));
    if (teams.length) {
      const rows = await db.teamEvent.findMany({ where: { id: { in: teams.map((n) => BigInt(n.id)) } }, orderBy: { id: 'asc' } });
      for (const row of rows) bus.pubsub.publish('teamEvents', row.teamId, row);
    }
    const messages = batch.message.filter((n) => bus.hasListeners('mailbox', n.teamId));
    if (messages.length) {
      const rows = await db.message.findMany({ where: { id: { in: messages.map((n) => n.id) } }, orderBy: { seq: 'asc' } });
      for (const row of rows) bus.pubsub.publish('mailbox', row.teamId, row);
    }
  }

  function publishTask(event: TaskEventPayload) {
    bus.pubsub.publish('queueTasks', event.queueId, event);
    if (event.teamId) bus.pubsub.publish('teamTasks', event.teamId, event);
  }

  function onNotification(msg: pg.Notification) {
    try {
      const note = JSON.parse(msg.payload ?? '{}');
      if (msg.channel === 'agent_teams_task_events') {
        const n = note as TaskNote;
        taskHigh = Math.max(taskHigh, n.id);
        // Wake-ups need no row: the waiting dequeue claims for itself.
        if (n.type === 'CREATED' || n.type === 'REQUEUED') bus.pubsub.publish('work', n.queueId, n.taskId);
        pending.task.push(n);
      } else if (msg.channel === 'agent_teams_team_events') {
        const n = note as TeamNote;
        teamHigh = Math.max(teamHigh, n.id);
        pending.team.push(n);
      } else {
        pending.message.push(note as MessageNote);
      }
      schedule();
    } catch (err) {
      log.warn({ err, payload: msg.payload }, 'ignoring malformed notification');
    }
  }

  /** After a reconnect: publish what was committed while this instance was not listening. */
  async function catchUp() {
    // Messages have no global sequence: re-read a few seconds before the drop; repeats are dropped downstream.
    const since = new Date(disconnectedAt.getTime() - 5_000);
    const [tasks, teams, messages] = await Promise.all([
      db.$queryRaw<(TaskNote & { id: bigint })[]>`
        SELECT e.id, e.task_id AS "taskId", e.queue_id AS "queueId", t.id AS "teamId", e.type::text AS type
        FROM task_events e
        JOIN work_queues q ON q.id = e.queue_id
        LEFT JOIN teams t ON t.id = q.team_id AND t.owner_id = q.owner_id
        WHERE e.id > ${taskHigh} ORDER BY e.id LIMIT 10000`,
      db.teamEvent.findMany({ where: { id: { gt: teamHigh } }, orderBy: { id: 'asc' }, take: 10000, select: { id: true, teamId: true } }),
      db.message.findMany({ where: { createdAt: { gte: since } }, select: { id: true, teamId: true } }),
    ]);
    for (const t of tasks) onNotification({ channel: 'agent_teams_task_events', payload: JSON.stringify({ ...t, id: Number(t.id) }), processId: 0 });
    for (const t of teams) onNotification({ channel: 'agent_teams_team_events', payload: JSON.stringify({ id: Number(t.id), teamId: t.teamId }), processId: 0 });
    for (const m of messages) onNotification({ channel: 'agent_teams_messages', payload: JSON.stringify(m), processId: 0 });
  }

  async function connect(isReconnect: boolean): Promise<void> {
    const c = new pg.Client({ connectionString: deps.connectionString, keepAlive: true });
    c.on('notification', onNotification);
    c.on('error', (err) => log.warn({ err }, 'event listener connection error'));
    c.on('end', () => {
      if (client === c) {
        client = undefined;
        disconnectedAt = new Date();
      }
      if (!stopped) {
        log.warn({ retryInMs: backoff }, 'event listener disconnected; reconnecting');
        setTimeout(() => void reconnect(), backoff).unref();
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    });
    await c.connect();
    for (const channel of CHANNELS) await c.query(`LISTEN ${channel}`);
    client = c;
    backoff = 100;
    if (isReconnect) await catchUp();
    else {
      const [high] = await db.$queryRaw<{ task: bigint | null; team: bigint | null }[]>`
        SELECT (SELECT max(id) FROM task_events) AS task, (SELECT max(id) FROM team_events) AS team`;
      taskHigh = Math.max(taskHigh, Number(high?.task ?? 0));
      teamHigh = Math.max(teamHigh, Number(high?.team ?? 0));
    }
  }

  async function reconnect() {
    if (stopped) return;
    try {
      await connect(true);
      log.info('event listener reconnected');
    } catch (err) {
      log.warn({ err, retryInMs: backoff }, 'event listener reconnect failed');
      setTimeout(() => void reconnect(), backoff).unref();
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  return {
    ready: connect(false),
    /** For tests: drops the connection as a network failure would. */
    async disconnect() {
      await client?.end();
    },
    async stop() {
      stopped = true;
      await client?.end().catch(() => {});
      await flushing;
    },
  };
}

export type Listener = ReturnType<typeof startListener>;
