import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { runOneDueSchedule } from '../src/queues/schedules.js';
import {
  CreateScheduleDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DeleteScheduleDocument,
  DeleteWorkQueueDocument,
  SchedulesDocument,
  StopTeamDocument,
} from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/eventually.js';

// Schedules: each cron tick enqueues its task exactly once, however many instances run; ticks
// missed while no server ran collapse into the last one.
let s: TestServer;
let second: App;
const log = createLogger('silent');
beforeAll(async () => {
  s = await startTestServer({ listen: true, scheduleLookMs: 200 });
  second = buildApp({
    config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000, scheduleLookMs: 200 },
    databaseUrl: s.url,
    db: s.handle,
    tokens: s.tokens,
    log,
  });
  await second.start();
});
afterAll(async () => {
  await second.stop();
  await s.stop();
});

const newQueue = async () => (await s.ok(CreateWorkQueueDocument, { input: { name: 'scheduled' } })).createWorkQueue.id;
const tasksOf = (queueId: string) => s.db.task.findMany({ where: { queueId }, orderBy: { seq: 'asc' } });
/** Until someone (these passes or either instance's ticker) has taken the schedule's due tick. */
const ticked = (id: string) =>
  waitFor(async () => (await s.db.schedule.findUniqueOrThrow({ where: { id } })).nextRunAt.getTime() > Date.now(), { what: 'the tick taken' });
/** A schedule that is never due by itself (yearly), to drive by hand. */
const yearly = async (queueId: string, cron = '0 0 1 1 *') =>
  (await s.ok(CreateScheduleDocument, { queueId, cron, task: { name: 'report', payload: { kind: 'yearly' } } })).createSchedule;

describe('createSchedule', () => {
  it('reads the cron in its time zone and answers the first tick', async () => {
    const queueId = await newQueue();
    const sch = (await s.ok(CreateScheduleDocument, { queueId, cron: '30 9 * * *', timezone: 'Asia/Kolkata', task: { name: 'standup' } }))
      .createSchedule;
    expect(sch).toMatchObject({ id: expect.stringMatching(/^sch_/), cron: '30 9 * * *', timezone: 'Asia/Kolkata', lastRunAt: null });
    const next = new Date(sch.nextRunAt);
    expect(next.getUTCHours() * 60 + next.getUTCMinutes()).toBe(4 * 60); // 09:30 IST = 04:00 UTC
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect((await s.ok(SchedulesDocument, { queueId })).schedules.map((x) => x.id)).toEqual([sch.id]);
  });

  it.each([
    [{ cron: 'every day' }, 'cron'],
    [{ cron: '* * * * *', timezone: 'Mars/Olympus' }, 'timezone'],
    [{ cron: '61 * * * *' }, 'cron'],
  ])('refuses %o naming the field', async (args, field) => {
    const queueId = await newQueue();
    const res = await s.gql(CreateScheduleDocument, { queueId, task: { name: 'x' }, ...args } as never);
    expect(errorCode(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message.startsWith(`${field}: `)).toBe(true);
  });

  it('is NOT_FOUND for a missing or foreign queue, CONFLICT for a stopped team', async () => {
    const queueId = await newQueue();
    expect(errorCode(await s.gql(CreateScheduleDocument, { queueId: 'wq_missing', cron: '* * * * *', task: { name: 'x' } }))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(CreateScheduleDocument, { queueId, cron: '* * * * *', task: { name: 'x' } }, 'mallory'))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(SchedulesDocument, { queueId }, 'mallory'))).toBe('NOT_FOUND');
    const team = (await s.ok(CreateTeamDocument, { input: { name: `sched-${Date.now()}` } })).createTeam;
    await s.ok(StopTeamDocument, { id: team.id });
    expect(errorCode(await s.gql(CreateScheduleDocument, { queueId: team.queue.id, cron: '* * * * *', task: { name: 'x' } }))).toBe('CONFLICT');
  });
});

describe('ticks', () => {
  it('enqueues every tick once while two instances run their tickers', async () => {
    const queueId = await newQueue();
    const sch = (await s.ok(CreateScheduleDocument, { queueId, cron: '* * * * * *', task: { name: 'heartbeat', priority: 4, payload: { a: 1 } } }))
      .createSchedule;
    await waitFor(async () => (await tasksOf(queueId)).length >= 4, { timeoutMs: 15_000, what: '4 ticks' });
    await s.ok(DeleteScheduleDocument, { id: sch.id });
    const tasks = await tasksOf(queueId);
    const ticks = tasks.map((t) => (t.payload as { tick: string }).tick);
    expect(new Set(ticks).size).toBe(tasks.length);
    // Consecutive seconds: no tick skipped, none doubled.
    const seconds = ticks.map((t) => new Date(t).getTime() / 1000).sort((a, b) => a - b);
    expect(seconds.at(-1)! - seconds[0]!).toBe(seconds.length - 1);
    expect(tasks[0]).toMatchObject({ name: 'heartbeat', priority: 4, status: 'PENDING', payload: { a: 1, scheduleId: sch.id } });
    expect(tasks.every((t) => t.idempotencyKey === `schedule:${sch.id}:${(t.payload as { tick: string }).tick}`)).toBe(true);
  });

  it('a tick raced by many ticker passes on both instances is enqueued exactly once', async () => {
    const queueId = await newQueue();
    const sch = await yearly(queueId);
    const armed = new Set<string>();
    for (let round = 0; round < 5; round++) {
      // Re-arms a past tick, often the very same one again (as an instance with a stale view of
      // the schedule would); the passes of both "instances" race for it.
      const [row] = await s.db.$queryRaw<{ at: Date }[]>`
        UPDATE schedules SET next_run_at = date_trunc('second', now()) - interval '1 second', last_run_at = NULL
        WHERE id = ${sch.id} RETURNING next_run_at AS at`;
      armed.add(row!.at.toISOString());
      // Twelve passes here race the tickers of both instances for it.
      const passes = await Promise.all(Array.from({ length: 12 }, () => runOneDueSchedule(s.handle, log)));
      expect(passes.filter(Boolean).length).toBeLessThanOrEqual(1);
      await ticked(sch.id);
    }
    // The unique key per schedule and tick lets each distinct tick through once.
    const ticks = (await tasksOf(queueId)).map((t) => (t.payload as { tick: string }).tick);
    expect(ticks.sort()).toEqual([...armed].sort());
  });

  it('enqueues only the last tick missed while no server ran, then the next one on time', async () => {
    const queueId = await newQueue();
    const sch = await yearly(queueId, '0 * * * *'); // hourly
    // As if every server had been down for five hours.
    await s.db.$executeRaw`UPDATE schedules SET next_run_at = date_trunc('hour', now()) - interval '5 hours' WHERE id = ${sch.id}`;
    await runOneDueSchedule(s.handle, log);
    await ticked(sch.id);
    const tasks = await tasksOf(queueId);
    expect(tasks).toHaveLength(1);
    const hour = new Date();
    hour.setUTCMinutes(0, 0, 0);
    expect((tasks[0]!.payload as { tick: string }).tick).toBe(hour.toISOString());
    const after = (await s.ok(SchedulesDocument, { queueId })).schedules[0]!;
    expect(after.lastRunAt).toBe(hour.toISOString());
    expect(after.nextRunAt).toBe(new Date(hour.getTime() + 3_600_000).toISOString());
    expect(after.lastTask).toMatchObject({ id: tasks[0]!.id, name: 'report' });
    expect(await runOneDueSchedule(s.handle, log)).toBe(false);
  });

  it('skips ticks while the team is stopped; a deleted queue takes its schedules with it', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `sched-stop-${Date.now()}` } })).createTeam;
    const sch = await yearly(team.queue.id);
    await s.ok(StopTeamDocument, { id: team.id });
    await s.db.$executeRaw`UPDATE schedules SET next_run_at = now() - interval '1 second' WHERE id = ${sch.id}`;
    await runOneDueSchedule(s.handle, log);
    await ticked(sch.id);
    expect(await tasksOf(team.queue.id)).toHaveLength(0);
    const skipped = await s.db.schedule.findUniqueOrThrow({ where: { id: sch.id } });
    expect(skipped.nextRunAt.getTime()).toBeGreaterThan(Date.now());

    const queueId = await newQueue();
    const gone = await yearly(queueId);
    await s.ok(DeleteWorkQueueDocument, { id: queueId });
    expect(await s.db.schedule.findUnique({ where: { id: gone.id } })).toBeNull();
  });

  it('deleteSchedule stops it; NOT_FOUND afterwards and for another owner', async () => {
    const queueId = await newQueue();
    const sch = await yearly(queueId);
    expect(errorCode(await s.gql(DeleteScheduleDocument, { id: sch.id }, 'mallory'))).toBe('NOT_FOUND');
    expect((await s.ok(DeleteScheduleDocument, { id: sch.id })).deleteSchedule).toEqual({ id: sch.id });
    expect(errorCode(await s.gql(DeleteScheduleDocument, { id: sch.id }))).toBe('NOT_FOUND');
    expect((await s.ok(SchedulesDocument, { queueId })).schedules).toEqual([]);
  });

  it('REST: create, list and delete schedules', async () => {
    const queueId = await newQueue();
    const created = await rest(s, 'POST', `/work-queues/${queueId}/schedules`, {
      body: { cron: '0 9 * * 1-5', timezone: 'Europe/Paris', task: { name: 'weekday digest', priority: 2 } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris', task: { name: 'weekday digest', priority: 2 } });
    expect(created.body.nextRunAt).toMatch(/^\d{4}-/);
    expect((await rest(s, 'GET', `/work-queues/${queueId}/schedules`)).body.items.map((x: { id: string }) => x.id)).toEqual([created.body.id]);
    const bad = await rest(s, 'POST', `/work-queues/${queueId}/schedules`, { body: { cron: 'nope', task: { name: 'x' } } });
    expect(bad.status).toBe(400);
    expect((await rest(s, 'DELETE', `/work-queue-schedules/${created.body.id}`)).body).toEqual({ id: created.body.id });
    expect((await rest(s, 'DELETE', `/work-queue-schedules/${created.body.id}`)).status).toBe(404);
  });
});

describe('a schedule created on this instance', () => {
  it('is looked at at once (the ticker is poked), not after its look-again interval', async () => {
    // A ticker that would otherwise look again only after an hour.
    const slow = await startTestServer({ listen: true, scheduleLookMs: 3_600_000 });
    try {
      const queueId = (await slow.ok(CreateWorkQueueDocument, { input: { name: 'poked' } })).createWorkQueue.id;
      const sch = (await slow.ok(CreateScheduleDocument, { queueId, cron: '* * * * * *', task: { name: 'tick' } })).createSchedule;
      await waitFor(async () => (await slow.db.task.count({ where: { queueId } })) >= 2, { what: 'two ticks' });
      await slow.ok(DeleteScheduleDocument, { id: sch.id });
    } finally {
      await slow.stop();
    }
  });
});
