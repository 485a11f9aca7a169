import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import type { Subscription } from '../src/events/bus.js';
import type { TaskEvent } from '../src/generated/prisma/client.js';
import { createLogger } from '../src/logger.js';
import { CreateWorkQueueDocument, EnqueueTaskDocument, TaskEventsDocument } from './generated/graphql.js';
import { collect } from './helpers/ws.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Delivery off the commit path: committed events only, strictly in id order even when a lower
// id commits after a higher one, nothing for a rollback, and every instance gets everything.
let s: TestServer;
let second: App;
let raw: pg.Pool;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  // A second instance on the same database, as another server process would be.
  second = buildApp({
    config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 },
    databaseUrl: s.url,
    db: s.handle,
    tokens: s.tokens,
    log: createLogger('silent'),
  });
  await second.start();
  raw = new pg.Pool({ connectionString: s.url, max: 20 });
  // Dropping the test database at the end terminates connections that are still closing.
  raw.on('error', () => {});
});
afterAll(async () => {
  await second.stop();
  await raw.end();
  await s.stop();
});

/** The next item of a subscription, or a failure after `ms`: a bounded wait for an event. */
async function next<T>(sub: Subscription<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms)));
  try {
    const result = await Promise.race([sub.next(), timeout]);
    if (result.done) throw new Error('subscription ended');
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: 'tail' } })).createWorkQueue.id;
const enqueue = (queueId: string, name: string) => s.ok(EnqueueTaskDocument, { queueId, input: { name } });

/** Inserts a task in an open transaction of its own (the trigger writes its CREATED event). */
async function openInsert(queueId: string, name: string) {
  const client = await raw.connect();
  await client.query('BEGIN');
  await client.query(`INSERT INTO tasks (id, queue_id, name) VALUES ($1, $2, $3)`, [`wt_${name}`, queueId, name]);
  return {
    commit: async () => {
      await client.query('COMMIT');
      client.release();
    },
    rollback: async () => {
      await client.query('ROLLBACK');
      client.release();
    },
  };
}

const names = async (events: TaskEvent[]) =>
  Promise.all(events.map(async (e) => (await s.db.task.findUniqueOrThrow({ where: { id: e.taskId } })).name));

describe('event tailer', () => {
  it('does not hand a new live subscription events that committed before it subscribed', async () => {
    // First in this file: no rolled-back id lies below it yet (a start waits behind such a hole
    // until every transaction that could fill it has ended, which a busy cluster can delay).
    const queueId = await newQueue();
    // Committed by another writer, not yet read by the tailer (nothing rang; its poll is slow).
    const before = await openInsert(queueId, `before${Date.now()}`);
    await before.commit();
    const ws = await s.wsClient();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId);
    await enqueue(queueId, 'after');
    const [first] = await sub.waitFor(1);
    expect(first!.taskEvents.task.name).toBe('after');
    sub.stop();
  });

  it('holds a later event until an earlier id commits, then delivers both in id order (no skipped row)', async () => {
    const queueId = await newQueue();
    const sub = s.app.bus.subscribe('queueTasks', queueId);
    const early = await openInsert(queueId, `early${Date.now()}`); // takes the lower event id, commits last
    await enqueue(queueId, 'late'); // a higher id, committed first
    // A tailer that followed ids naively would deliver 'late' and never the earlier row.
    await early.commit();
    const got = [await next(sub), await next(sub)];
    expect(got[0]!.id < got[1]!.id).toBe(true);
    expect((await names(got))[1]).toBe('late');
    await sub.return();
  });

  it('delivers nothing for a rolled-back insert and moves past its hole', async () => {
    const queueId = await newQueue();
    const sub = s.app.bus.subscribe('queueTasks', queueId);
    const doomed = await openInsert(queueId, `doomed${Date.now()}`);
    await enqueue(queueId, 'kept');
    await doomed.rollback();
    const first = await next(sub);
    expect(await names([first])).toEqual(['kept']);
    await sub.return();
  });

  it('delivers every committed event once, in id order, to both instances, under concurrent writers with rollbacks', async () => {
    const queueId = await newQueue();
    const here = s.app.bus.subscribe('queueTasks', queueId);
    const there = second.bus.subscribe('queueTasks', queueId);
    const writers = Array.from({ length: 40 }, async (_, i) => {
      const tx = await openInsert(queueId, `c${i}x${Date.now()}`);
      // Commit in an order unrelated to the order the ids were taken.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (i % 5 === 0) await tx.rollback();
      else await tx.commit();
    });
    await Promise.all(writers);
    // Nothing pokes the tailers for these raw inserts: their own polls must find them.
    const committed = await s.db.taskEvent.findMany({ where: { queueId }, orderBy: { id: 'asc' } });
    expect(committed).toHaveLength(32);
    for (const sub of [here, there]) {
      const got: bigint[] = [];
      while (got.length < committed.length) got.push((await next(sub)).id);
      expect(got).toEqual(committed.map((e) => e.id));
      await sub.return();
    }
  });

  it('rings the other instances after a commit: they deliver without polling', async () => {
    const third = buildApp({
      config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000, eventPollMs: 3_600_000 },
      databaseUrl: s.url,
      db: s.handle,
      tokens: s.tokens,
      log: createLogger('silent'),
    });
    await third.start();
    try {
      const queueId = await newQueue();
      const there = third.bus.subscribe('queueTasks', queueId);
      await enqueue(queueId, 'rung'); // a mutation on the first instance
      expect(await names([await next(there)])).toEqual(['rung']);
      await there.return();
    } finally {
      await third.stop();
    }
  });
});
