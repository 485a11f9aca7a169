import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { DashboardDeleteQueueDocument, DashboardQueueDocument, DashboardQueuesDocument, type QueueCardFragment } from '../generated/graphql.js';
import { ThroughputChart } from '../chart.js';
import { useEvents, useKeyedReload, useLive } from '../live.js';
import { href } from '../router.js';
import { fromServer, withEvent, type Throughput } from '../throughput.js';
import { Age, ConfirmButton, Empty } from '../ui.js';

type Queue = QueueCardFragment;

const STATUSES = ['pending', 'assigned', 'completed', 'failed', 'expired', 'cancelled'] as const;

/** Every queue: depth by status and priority, the oldest pending task's age, recent throughput; delete. */
export function QueuesView() {
  const { api } = useLive();
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Counted by the server when a queue is first listed, then from the events.
  const [throughputs, setThroughputs] = useState(new Map<string, Throughput>());
  const counted = useRef(throughputs);
  counted.current = throughputs;
  const setThroughput = (id: string, t: Throughput) => setThroughputs((all) => new Map(all).set(id, t));

  const loadAll = async () => {
    try {
      const list = (await api.request(DashboardQueuesDocument, {})).workQueues.edges.map((e) => e.node);
      setQueues(list);
      setThroughputs(new Map(list.map((q) => [q.id, fromServer(q.throughput)])));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = (id: string) => setQueues((list) => list?.filter((q) => q.id !== id) ?? null);
  const reloadQueue = useKeyedReload(async (id) => {
    try {
      const queue = (await api.request(DashboardQueueDocument, { id, withThroughput: !counted.current.has(id) })).workQueue;
      if (queue.throughput) setThroughput(id, fromServer(queue.throughput));
      setQueues((list) => (list?.some((q) => q.id === id) ? list.map((q) => (q.id === id ? queue : q)) : [queue, ...(list ?? [])]));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NOT_FOUND') remove(id);
      else throw err;
    }
  });

  useEffect(() => void loadAll(), []);
  useEvents('reconnect', () => void loadAll());
  useEvents('task', (e) => {
    reloadQueue(e.queueId);
    const t = counted.current.get(e.queueId);
    const next = t && withEvent(t, e);
    if (next) setThroughput(e.queueId, next);
  });

  if (error && !queues) return <p class="error">{error}</p>;
  if (!queues) return <p class="muted">Loading queues…</p>;
  if (!queues.length) return <Empty>No work queues yet.</Empty>;
  return (
    <section class="card">
      <table class="queues">
        <thead>
          <tr>
            <th>Queue</th>
            <th>Team / group</th>
            <th>Depth</th>
            <th>By status</th>
            <th>Pending by priority</th>
            <th>Oldest pending</th>
            <th>Finished / min</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <tr key={q.id} class="queue" data-queue-id={q.id} data-queue-name={q.name}>
              <td>
                <a href={href.queue(q.id)}>{q.name}</a>
                <div class="muted small">{q.id}</div>
              </td>
              <td>{q.team ? q.team.name : (q.teamId ?? <span class="muted">—</span>)}</td>
              <td class="num" data-depth={q.depth}>
                {q.depth}
              </td>
              <td>
                <StatusBar counts={q.counts} />
              </td>
              <td>
                <Priorities rows={q.pendingByPriority} />
              </td>
              <td>{q.oldestPendingAt ? <Age at={q.oldestPendingAt} suffix="" /> : <span class="muted">—</span>}</td>
              <td>
                <ThroughputChart compact buckets={throughputs.get(q.id)?.minutes ?? new Map()} />
              </td>
              <td>
                <ConfirmButton
                  label="Delete"
                  confirm="Delete? Click again"
                  action={async () => {
                    await api.request(DashboardDeleteQueueDocument, { id: q.id });
                    remove(q.id);
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Counts per status as a stacked bar with its legend. */
export function StatusBar({ counts }: { counts: Queue['counts'] }) {
  const total = counts.total || 1;
  return (
    <div class="statusbar" title={STATUSES.map((s) => `${s}: ${counts[s]}`).join(', ')}>
      <div class="bar">
        {STATUSES.map((s) => counts[s] > 0 && <span key={s} class={`seg s-${s}`} style={{ width: `${(100 * counts[s]) / total}%` }} />)}
      </div>
      <div class="legend small">
        {STATUSES.filter((s) => counts[s] > 0).map((s) => (
          <span key={s} data-count={s}>
            <i class={`dot s-${s}`} />
            {counts[s]} {s}
          </span>
        ))}
        {counts.total === 0 && <span class="muted">empty</span>}
      </div>
    </div>
  );
}

export const Priorities = ({ rows }: { rows: Queue['pendingByPriority'] }) =>
  rows.length ? (
    <span class="priorities">
      {rows.map((r) => (
        <span key={r.priority} class={`chip p${r.priority}`} title={`priority ${r.priority}`}>
          P{r.priority}: {r.count}
        </span>
      ))}
    </span>
  ) : (
    <span class="muted">—</span>
  );
