import type { Message, TaskEvent, TaskEventType, TeamEvent, TeamEventType } from '../generated/prisma/client.js';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { deliveryLag } from '../metrics/delivery.js';
import { taskTransitions } from '../metrics/tasks.js';
import { detached } from '../tracing/tracer.js';
import type { EventBus } from './bus.js';
import { LogCursor } from './logCursor.js';
import { logHeads, READ_LIMIT, readEvents, type LogRows } from './sql/readEvents.js';
import { startWakeups } from './wakeups.js';

/** At boot the tailer starts this far below the heads, so events in flight then are not missed. */
const BOOT_WINDOW = 1_000n;


/** The queues a TEAM_RESUMED event names (its detail.queueIds). */
function resumedQueues(detail: unknown): string[] {
  const ids = (detail as { queueIds?: unknown } | null)?.queueIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

export interface TailerOptions {
  db: Db;
  connectionString: string;
  bus: EventBus;
  log: Logger;
  /** Read anyway this often when nothing rang (another instance's ring may have been lost). */
  pollMs?: number;
  /** Rings to other instances are coalesced to one per this many ms. */
  coalesceMs?: number;
}

/**
 * Back-to-back reads (commits keep coming) are spaced by this much while someone here listens,
 * and by the longer gap while nobody does: each read then takes a batch, and a busy server does
 * not spend a round trip per commit on delivery.
 */
const BUSY_GAP_MS = 2;
const UNHEARD_GAP_MS = 50;

const taskEvent = (r: LogRows['tasks'][number]): TaskEvent => ({
  id: BigInt(r.id),
  taskId: r.taskId,
  queueId: r.queueId,
  teamId: r.teamId,
  type: r.type as TaskEventType,
  agentId: r.agentId,
  detail: r.detail as TaskEvent['detail'],
  createdAt: new Date(r.createdAt),
});
const teamEvent = (r: LogRows['teams'][number]): TeamEvent => ({
  id: BigInt(r.id),
  teamId: r.teamId,
  type: r.type as TeamEventType,
  agent: r.agent,
  dispatchId: r.dispatchId,
  detail: r.detail as TeamEvent['detail'],
  createdAt: new Date(r.createdAt),
});
const message = (r: LogRows['messages'][number]): Message => ({
  id: r.id,
  teamId: r.teamId,
  seq: r.seq,
  logId: BigInt(r.logId),
  fromAgent: r.fromAgent,
  toAgent: r.toAgent,
  body: r.body,
  createdAt: new Date(r.createdAt),
});

/**
 * Delivers committed events to this instance's subscribers, off the commit path: it reads the
 * event logs (task events, team events, messages) after its positions and publishes on the bus,
 * strictly in id order (see LogCursor). It reads when this instance committed something
 * (`changed()`, called after commit), when another instance rings, and on a slow poll otherwise.
 * Reads never overlap; a ring during a read causes one more read right after it.
 */
export function createEventTailer(options: TailerOptions) {
  const { db, bus, log } = options;
  const pollMs = options.pollMs ?? 250;
  const giveUp = (log_: string) => (from: bigint, to: bigint) =>
    log.warn({ log: log_, from: String(from), to: String(to) }, 'event ids never committed after 60 s; moving on');
  let cursors: { tasks: LogCursor; teams: LogCursor; messages: LogCursor } | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let lastRead = 0;

  let wakeups: ReturnType<typeof startWakeups> | undefined;

  /** Ids up to these were written before this instance started: replayed, not measured. */
  let measuredAfter = { tasks: 0n, teams: 0n, messages: 0n };

  /** Seconds from a row's creation to now, on the database's clock (see readEvents' readAt). */
  const lagOf = (rows: LogRows, sentAt: number) => {
    const readAt = rows.readAt.getTime();
    const since = Date.now() - sentAt;
    return (createdAt: Date) => Math.max(readAt - createdAt.getTime() + since, 0) / 1000;
  };

  function publish(rows: LogRows, sentAt: number) {
    const c = cursors!;
    const lag = lagOf(rows, sentAt);
    const tasks = [...c.tasks.advance(rows.tasks, BigInt(rows.xmin), BigInt(rows.xmax))];
    tasks.forEach((row, i) => {
      const event = taskEvent(row);
      if (event.id > measuredAfter.tasks) {
        taskTransitions.inc({ event: event.type.toLowerCase() });
        deliveryLag.observe({ log: 'tasks' }, lag(event.createdAt));
      }
      bus.publish('queueTasks', event.queueId, event);
      if (event.teamId) bus.publish('teamTasks', event.teamId, event);
      bus.publish('ownerTasks', row.ownerId, event);
      // A task created ASSIGNED (handed to a waiting poll, see queues/handOff.ts) is no work for others.
      const handed = event.type === 'CREATED' && tasks[i + 1]?.taskId === row.taskId && tasks[i + 1]?.type === 'ASSIGNED';
      if ((event.type === 'CREATED' && !handed) || event.type === 'REQUEUED' || event.type === 'RETRIED' || event.type === 'UNBLOCKED') {
        bus.publish('work', event.queueId, event.taskId);
      }
    });
    for (const row of c.teams.advance(rows.teams, BigInt(rows.xmin), BigInt(rows.xmax))) {
      const event = teamEvent(row);
      if (event.id > measuredAfter.teams) deliveryLag.observe({ log: 'teams' }, lag(event.createdAt));
      bus.publish('teamEvents', event.teamId, event);
      // A resumed team's queues hand out work again: wake the claims waiting on them.
      if (event.type === 'TEAM_RESUMED') for (const queueId of resumedQueues(event.detail)) bus.publish('work', queueId, '');
      bus.publish('ownerTeamEvents', row.ownerId, event);
    }
    for (const row of c.messages.advance(rows.messages, BigInt(rows.xmin), BigInt(rows.xmax))) {
      const m = message(row);
      if (m.logId > measuredAfter.messages) deliveryLag.observe({ log: 'messages' }, lag(m.createdAt));
      bus.publish('mailbox', m.teamId, m);
    }
  }

  /**
   * The connection reads run on, kept out of the pool between reads: a pooled query is sent only
   * after the current microtasks (the rest of the request that committed, its answer included)
   * have run, which delays every delivery by that much. Dropped after a failed read.
   */
  let reader: pg.PoolClient | undefined;
  async function readerClient(): Promise<pg.PoolClient> {
    if (reader) return reader;
    const client = await db.pool.connect();
    // Checked out, it has no pool listener: its connection dropping between reads must not throw.
    client.on('error', (err) => {
      if (reader !== client) return;
      reader = undefined;
      client.release(err);
    });
    return (reader = client);
  }

  async function pass(): Promise<boolean> {
    const c = cursors!;
    const client = await readerClient();
    const sentAt = Date.now();
    const rows = await readEvents.row(client, {
      tasksAfter: c.tasks.position,
      teamsAfter: c.teams.position,
      messagesAfter: c.messages.position,
    });
    publish(rows!, sentAt);
    const full = rows!.tasks.length === READ_LIMIT || rows!.teams.length === READ_LIMIT || rows!.messages.length === READ_LIMIT;
    return full;
  }

  let timerAt = 0;
  function schedule(ms: number) {
    clearTimeout(timer);
    if (stopped) return;
    timerAt = Date.now() + ms;
    timer = setTimeout(() => {
      timer = undefined;
      read();
    }, ms);
    timer.unref();
  }

  const catchingUp: (() => void)[] = [];

  function positions() {
    if (!cursors) throw new Error('the event tailer has not started');
    return { tasks: cursors.tasks.position, teams: cursors.teams.position, messages: cursors.messages.position };
  }

  /** Reads now (or soon, when the last read was just now), or right after the read under way. */
  function read(): void {
    if (stopped || !cursors) return;
    if (reading) {
      again = true;
      return;
    }
    const wait = lastRead + (bus.listening ? BUSY_GAP_MS : UNHEARD_GAP_MS) - Date.now();
    if (wait > 0) {
      again = true;
      if (!timer || timerAt > Date.now() + wait) schedule(wait);
      return;
    }
    again = false;
    lastRead = Date.now();
    // Those who asked to catch up before this read started: it sees what they saw committed.
    const served = catchingUp.splice(0);
    reading = pass()
      .then((full) => {
        failures = 0;
        if (full) again = true; // a backlog: keep reading
        for (const resolve of served) resolve();
      })
      .catch((err) => {
        const failed = reader;
        reader = undefined;
        failed?.release(err instanceof Error ? err : true);
        catchingUp.unshift(...served);
        failures++;
        // The positions did not move: the next read starts where this one would have. A database
        // outage is logged once by its health tracker, not here.
        if (!db.health.report(err) && failures === 1) log.warn({ err }, 'reading events failed; retrying');
      })
      .finally(() => {
        reading = undefined;
        const blocked = cursors!.tasks.blocked || cursors!.teams.blocked || cursors!.messages.blocked;
        if (again && failures === 0) read();
        else schedule(failures ? Math.min(100 * 2 ** failures, 5_000) : blocked ? BUSY_GAP_MS : pollMs);
      });
  }

  async function start() {
    const heads = await logHeads.row(db.pool, {});
    measuredAfter = { tasks: heads!.tasks, teams: heads!.teams, messages: heads!.messages };
    const below = (head: bigint) => (head > BOOT_WINDOW ? head - BOOT_WINDOW : 0n);
    cursors = {
      tasks: new LogCursor(below(heads!.tasks), undefined, giveUp('task_events')),
      teams: new LogCursor(below(heads!.teams), undefined, giveUp('team_events')),
      messages: new LogCursor(below(heads!.messages), undefined, giveUp('messages')),
    };
    wakeups = startWakeups({
      connectionString: options.connectionString,
      log,
      health: db.health,
      coalesceMs: options.coalesceMs ?? 5,
      onWake: () => read(),
    });
    await wakeups.ready;
    read();
    // Caught up with the boot window before serving: positions are then close to the heads.
    while (reading) await reading;
  }

  return {
    /** Finds where the logs stand, connects the wake-ups and catches up: then it is live. */
    start,
    /** This instance committed events: deliver them here now and ring the other instances. */
    changed() {
      // The read serves every subscriber, not the request that committed: not part of its trace.
      detached(() => {
        read();
        wakeups?.ring();
      });
    },
    /** How far each log has been delivered: streams replay up to here, then follow live. */
    positions,
    /**
     * Where the logs stand after one more read that started after this call: everything that
     * committed before it has been published (unless it waits behind a hole). A new subscription
     * starts here, so it is not handed events that committed before it subscribed.
     */
    async caughtUp() {
      if (!stopped && cursors) {
        await new Promise<void>((resolve) => {
          catchingUp.push(resolve);
          read();
        });
      }
      return positions();
    },
    /** For tests: drops the wake-up connection as a network failure would. */
    disconnect: async () => wakeups?.disconnect(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const resolve of catchingUp.splice(0)) resolve();
      await wakeups?.stop();
      await reading;
      reader?.release();
      reader = undefined;
    },
  };
}

export type EventTailer = ReturnType<typeof createEventTailer>;
