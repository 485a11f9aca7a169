import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ThroughputChart, type MinuteCounts } from '../chart.js';
import { DashboardQueueDetailDocument, type DashboardQueueDetailQuery, type TaskStatus } from '../generated/graphql.js';
import { coalesce, useEvents, useLive } from '../live.js';
import { href } from '../router.js';
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
  // Finished tasks per minute: counted by the server up to lastEventId, by this page after it.
  const [buckets, setBuckets] = useState(new Map<number, MinuteCounts>());
  const counted = useRef<bigint | null>(null);

  const load = useMemo(
    () =>
      coalesce(async () => {
        try {
          const q = (await api.request(DashboardQueueDetailDocument, { id, status: statusRef.current })).workQueue;
          setQueue(q);
          setError(null);
          if (counted.current === null) {
            counted.current = BigInt(q.throughput.lastEventId ?? 0);
            setBuckets(new Map(q.throughput.minutes.map((m) => [Date.parse(m.minute), { completed: m.completed, failed: m.failed }])));
          }
        } catch (err) {
          setError((err as Error).message);
        }
      }, 300),
    [api, id],
  );
  const statusRef = useRef(status);
  statusRef.current = status;
  useEffect(() => {
    counted.current = null;
    setQueue(null);
    load.trigger();
    return () => load.stop();
  }, [load]);
  useEffect(() => load.trigger(), [status]);
  useEvents('reconnect', () => load.trigger());
  useEvents('task', (e) => {
    if (e.queueId !== id) return;
    load.trigger();
    if ((e.type === 'COMPLETED' || e.type === 'FAILED') && counted.current !== null && BigInt(e.id) > counted.current) {
      counted.current = BigInt(e.id);
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      setBuckets((old) => {
        const next = new Map(old);
        const m = next.get(minute) ?? { completed: 0, failed: 0 };
        next.set(minute, e.type === 'COMPLETED' ? { ...m, completed: m.completed + 1 } : { ...m, failed: m.failed + 1 });
        return next;
      });
    }
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
          <ThroughputChart buckets={buckets} />
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
