import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'teams' }
  | { view: 'queues' }
  | { view: 'queue'; id: string }
  | { view: 'task'; id: string }
  | { view: 'messages'; teamId: string };

/** Hash routes: #/teams, #/queues, #/queues/wq_…, #/tasks/wt_…, #/teams/team-…/messages. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'queues' && parts[1]) return { view: 'queue', id: parts[1] };
  if (parts[0] === 'queues') return { view: 'queues' };
  if (parts[0] === 'tasks' && parts[1]) return { view: 'task', id: parts[1] };
  if (parts[0] === 'teams' && parts[1] && parts[2] === 'messages') return { view: 'messages', teamId: parts[1] };
  return { view: 'teams' };
}

export const href = {
  teams: () => '#/teams',
  queues: () => '#/queues',
  queue: (id: string) => `#/queues/${encodeURIComponent(id)}`,
  task: (id: string) => `#/tasks/${encodeURIComponent(id)}`,
  messages: (teamId: string) => `#/teams/${encodeURIComponent(teamId)}/messages`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
