import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ThroughputChart } from '../chart.js';
import { DashboardQueueDetailDocument, type DashboardQueueDetailQuery, type TaskStatus } from '../generated/graphql.js';
import { coalesce, useEvents, useLive, type TaskEvent } from '../live.js';
import { href } from '../router.js';
import { fromServer, withEvent, type Throughput } from '../throughput.js';
import { Age, Badge, Empty, Section } from '../ui.js';
import { Priorities, StatusBar } from './queues.js';

type Detail = DashboardQueueDetailQuery['workQueue'];
const FILTERS: Array<TaskStatus | null> = [null, 'PENDING', 'ASSIGNED', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'];

/** One queue: counts, pending by priority, throughput chart and its latest tasks, live. */
export function QueueView({ id }: { id: string }) {
  const { api } = useLive();
  const [queue, setQueue] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<TaskStatus | null>(null);
  // Finished tasks per minute: counted by the server once, then by this page from the events.
  const [throughput, setThroughput] = useState<Throughput | null>(null);
  // Events that arrive before the first count: added once it is in (those it already has are skipped).
  const early = useRef<TaskEvent[]>([]);

  const load = useMemo(
    () =>
      coalesce(async () => {
        try {
          const q = (await api.request(DashboardQueueDetailDocument, { id, status: statusRef.current })).workQueue;
          setQueue(q);
          setError(null);
          setThroughput((t) => t ?? early.current.reduce((acc, e) => withEvent(acc, e) ?? acc, fromServer(q.throughput)));
          early.current = [];
        } catch (err) {
          setError((err as Error).message);
        }
      }, 300),
    [api, id],
  );
  const statusRef = useRef(status);
  statusRef.current = status;
  useEffect(() => {
    setThroughput(null);
    setQueue(null);
    load.trigger();
    return () => load.stop();
  }, [load]);
  useEffect(() => load.trigger(), [status]);
  useEvents('reconnect', () => load.trigger());
  useEvents('task', (e) => {
    if (e.queueId !== id) return;
    load.trigger();
    setThroughput((t) => {
      if (!t) early.current.push(e);
      return (t && withEvent(t, e)) ?? t;
    });
  });

  if (error && !queue) return <p class="error">{error}</p>;
  if (!queue) return <p class="muted">Loading queue…</p>;
  const tasks = queue.tasks.edges.map((e) => e.node).reverse();
  return (
    <>
      <Section
        title={
          <>
            <a href={href.queues()}>Queues</a> / {queue.name}
          </>
        }
      >
        <div class="stats">
          <div>
            <div class="big" data-depth={queue.depth}>
              {queue.depth}
            </div>
            <div class="muted small">pending</div>
          </div>
          <div>
            <div class="big">{queue.oldestPendingAt ? <Age at={queue.oldestPendingAt} suffix="" /> : '—'}</div>
            <div class="muted small">oldest pending</div>
          </div>
          <div class="grow">
            <StatusBar counts={queue.counts} />
            <div class="small">
              Pending by priority: <Priorities rows={queue.pendingByPriority} />
            </div>
            <div class="muted small">
              {queue.team ? <>Team {queue.team.name} · </> : queue.teamId ? <>Group {queue.teamId} · </> : null}
              lease {queue.visibilityTimeoutSeconds} s · max attempts {queue.maxAttempts} · {queue.id}
            </div>
          </div>
          <ThroughputChart buckets={throughput?.minutes ?? new Map()} />
        </div>
      </Section>
      <Section
        title={`Latest tasks (${queue.tasks.totalCount}${status ? ` ${status.toLowerCase()}` : ''})`}
        actions={
          <select value={status ?? ''} onChange={(e) => setStatus(((e.target as HTMLSelectElement).value || null) as TaskStatus | null)}>
            {FILTERS.map((f) => (
              <option key={f ?? 'all'} value={f ?? ''}>
                {f ? f.toLowerCase() : 'all statuses'}
              </option>
            ))}
          </select>
        }
      >
        {tasks.length ? (
          <table class="tasks">
            <tbody>
              {tasks.map((t) => (
                <tr key={t.id} data-task-id={t.id}>
                  <td>
                    <a href={href.task(t.id)}>{t.name}</a>
                  </td>
                  <td>
                    <Badge status={t.status} />
                  </td>
                  <td class="muted">P{t.priority}</td>
                  <td>{t.assignedAgentId ?? <span class="muted">—</span>}</td>
                  <td class="muted">attempts {t.attempts}</td>
                  <td class="muted">
                    <Age at={t.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>No tasks.</Empty>
        )}
      </Section>
    </>
  );
}
