import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import {
  DashboardStopTeamDocument,
  DashboardTeamDocument,
  DashboardTeamsDocument,
  type TeamCardFragment,
} from '../generated/graphql.js';
import { useEvents, useKeyedReload, useLive } from '../live.js';
import { href } from '../router.js';
import { Age, Badge, ConfirmButton, Empty } from '../ui.js';

type Team = TeamCardFragment;

/** Every team with its members (idle or busy, and on what), queue depth and recent dispatches. */
export function TeamsView() {
  const { api } = useLive();
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadAll = async () => {
    try {
      const data = await api.request(DashboardTeamsDocument, {});
      setTeams(data.teams.edges.map((e) => e.node));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  /** Replaces a team in place, or adds a new one first (newest first, like the query). */
  const put = (team: Team) =>
    setTeams((list) => (list?.some((t) => t.id === team.id) ? list.map((t) => (t.id === team.id ? team : t)) : [team, ...(list ?? [])]));
  const reloadTeam = useKeyedReload(async (id) => {
    try {
      put((await api.request(DashboardTeamDocument, { id })).team);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'NOT_FOUND')) throw err;
    }
  });

  useEffect(() => void loadAll(), []);
  useEvents('reconnect', () => void loadAll());
  // A member busy or idle, a dispatch moving, a team stopped or created: reload that team.
  useEvents('team', (e) => reloadTeam(e.teamId));
  // Work arriving on or leaving a team's queue changes its depth.
  useEvents('task', (e) => e.teamId && (e.type === 'CREATED' || e.type === 'CANCELLED' || e.type === 'REQUEUED' || e.type === 'EXPIRED') && reloadTeam(e.teamId));

  if (error && !teams) return <p class="error">{error}</p>;
  if (!teams) return <p class="muted">Loading teams…</p>;
  if (!teams.length) return <Empty>No teams yet. Create one with the createTeam mutation or POST /api/v1/teams; it appears here at once.</Empty>;
  return (
    <div class="grid">
      {teams.map((team) => (
        <TeamCard key={team.id} team={team} onStop={async () => put((await api.request(DashboardStopTeamDocument, { id: team.id })).stopTeam)} />
      ))}
    </div>
  );
}

/** A cost in the user's units, without float noise (0.1 + 0.2 shows as 0.3). */
const formatCost = (cost: number) => String(Number(cost.toPrecision(10)));

function TeamCard({ team, onStop }: { team: Team; onStop: () => Promise<void> }) {
  const dispatches = team.dispatches.edges.map((e) => e.node);
  return (
    <article class="card team" data-team-id={team.id} data-team-name={team.name}>
      <header>
        <h2>
          {team.name} <Badge status={team.status} />
        </h2>
        <div class="actions">
          <a href={href.messages(team.id)}>Messages</a>
          <a href={href.queue(team.queue.id)}>Queue</a>
          {team.status !== 'STOPPED' && <ConfirmButton label="Stop team" confirm="Stop? Click again" action={onStop} />}
        </div>
      </header>
      <p class="meta">
        <span class="depth" data-depth={team.queueDepth}>
          <strong>{team.queueDepth}</strong> pending
        </span>
        {team.model && <span>{team.model}</span>}
        {team.mode && <span>{team.mode}</span>}
        <span>
          created <Age at={team.createdAt} />
        </span>
        <span class="spend" data-spent-cost={team.spent.cost} data-spent-tasks={team.spent.tasks}>
          spent {formatCost(team.spent.cost)}
          {team.budget.maxCost !== null && ` of ${formatCost(team.budget.maxCost)}`}, {team.spent.tasks}
          {team.budget.maxTasks !== null && ` of ${team.budget.maxTasks}`} tasks
        </span>
        {team.pausedAt && (
          <span>
            budget exhausted <Age at={team.pausedAt} />
          </span>
        )}
        {team.stoppedAt && (
          <span>
            stopped <Age at={team.stoppedAt} />
          </span>
        )}
      </p>
      <table class="members">
        <tbody>
          {team.members.map((m) => (
            <tr key={m.name} class="member" data-member={m.name} data-state={m.state}>
              <td>{m.name}</td>
              <td>
                <Badge status={m.state} />
              </td>
              <td class="current">
                {m.currentTask ? (
                  <>
                    <a href={href.task(m.currentTask.id)}>{m.currentTask.name}</a> <span class="muted">for <Age at={m.currentTask.assignedAt} suffix="" /></span>
                  </>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td class="muted">{m.lastSeenAt ? <>seen <Age at={m.lastSeenAt} /></> : 'never seen'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {dispatches.length > 0 && (
        <div class="dispatches">
          <h3>Dispatches ({team.dispatches.totalCount})</h3>
          {dispatches.map((d) => {
            const done = d.tasks.filter((t) => ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'].includes(t.status)).length;
            return (
              <div key={d.id} class="dispatch" data-dispatch-id={d.id}>
                <span class="task-text" title={d.task}>
                  {d.task}
                </span>
                <progress max={d.tasks.length} value={done} />
                <span class="muted">
                  {done}/{d.tasks.length}
                </span>
                <Badge status={d.status} />
              </div>
            );
          })}
        </div>
      )}
    </article>
  );
}
