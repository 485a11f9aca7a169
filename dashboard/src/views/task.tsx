import { useEffect, useMemo, useState } from 'preact/hooks';
import { DashboardTaskDocument, type DashboardTaskQuery } from '../generated/graphql.js';
import { coalesce, useEvents, useLive } from '../live.js';
import { href } from '../router.js';
import { Json, Section, Badge, Time, Age } from '../ui.js';
import { TaskActions } from './taskActions.js';

type Task = DashboardTaskQuery['task'];

/** One task: payload, result, error, attempts and its event timeline, live. */
export function TaskView({ id }: { id: string }) {
  const { api } = useLive();
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useMemo(
    () =>
      coalesce(async () => {
        try {
          setTask((await api.request(DashboardTaskDocument, { id })).task);
          setError(null);
        } catch (err) {
          setError((err as Error).message);
        }
      }, 200),
    [api, id],
  );
  useEffect(() => {
    setTask(null);
    load.trigger();
    return () => load.stop();
  }, [load]);
  useEvents('reconnect', () => load.trigger());
  useEvents('task', (e) => e.taskId === id && load.trigger());

  if (error && !task) return <p class="error">{error}</p>;
  if (!task) return <p class="muted">Loading task…</p>;
  return (
    <>
      <Section
        title={
          <>
            <a href={href.queue(task.queue.id)}>{task.queue.name}</a> / {task.name} <Badge status={task.status} />
          </>
        }
        actions={<TaskActions task={task} onChanged={() => load.trigger()} />}
      >
        <dl class="facts">
          <dt>Id</dt>
          <dd>{task.id}</dd>
          <dt>Priority</dt>
          <dd>{task.priority}</dd>
          <dt>Attempts</dt>
          <dd data-attempts={task.attempts}>
            {task.attempts} of {task.maxAttempts}
          </dd>
          <dt>Agent</dt>
          <dd>{task.assignedAgentId ?? (task.reservedFor ? `reserved for ${task.reservedFor}` : '—')}</dd>
          {task.queue.team && (
            <>
              <dt>Team</dt>
              <dd>
                <a href={href.messages(task.queue.team.id)}>{task.queue.team.name}</a>
              </dd>
            </>
          )}
          <dt>Created</dt>
          <dd>
            <Age at={task.createdAt} />
          </dd>
          {task.assignedAt && (
            <>
              <dt>Assigned</dt>
              <dd>
                <Age at={task.assignedAt} />
              </dd>
            </>
          )}
          {task.leaseExpiresAt && (
            <>
              <dt>Lease until</dt>
              <dd>
                <Time at={task.leaseExpiresAt} />
              </dd>
            </>
          )}
          {task.finishedAt && (
            <>
              <dt>Finished</dt>
              <dd>
                <Age at={task.finishedAt} />
              </dd>
            </>
          )}
          {task.deadline && (
            <>
              <dt>Deadline</dt>
              <dd>{new Date(task.deadline).toLocaleString()}</dd>
            </>
          )}
          {task.stolen && (
            <>
              <dt>Stolen by</dt>
              <dd>{task.stolenByQueueId}</dd>
            </>
          )}
        </dl>
        {task.error && <p class="error task-error">{task.error}</p>}
        <div class="columns">
          <div>
            <h3>Payload</h3>
            <Json value={task.payload} />
          </div>
          <div>
            <h3>Result</h3>
            <Json value={task.result} />
          </div>
        </div>
      </Section>
      <Section title="Timeline">
        <ol class="timeline">
          {task.events.map((e) => (
            <li key={e.id} data-event={e.type}>
              <Time at={e.createdAt} /> <Badge status={e.type} /> {e.agentId && <span>{e.agentId}</span>}{' '}
              {e.detail != null && <code class="muted">{JSON.stringify(e.detail)}</code>}
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
