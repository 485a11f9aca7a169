import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.js';
import {
  DashboardTaskEventsDocument,
  DashboardTeamEventsDocument,
  type DashboardTaskEventsSubscription,
  type DashboardTeamEventsSubscription,
} from './generated/graphql.js';

export type TeamEvent = DashboardTeamEventsSubscription['teamEvents'];
export type TaskEvent = DashboardTaskEventsSubscription['taskEvents'];

interface Listeners {
  team: Set<(e: TeamEvent) => void>;
  task: Set<(e: TaskEvent) => void>;
  reconnect: Set<() => void>;
}

/**
 * The dashboard's two owner-wide subscriptions (every team event, every task event of the
 * owner's queues), shared by all views: a page costs two subscriptions, whatever it shows.
 */
export class Live {
  private readonly listeners: Listeners = { team: new Set(), task: new Set(), reconnect: new Set() };
  private readonly stops = new Map<string, () => void>();
  private disposed = false;

  constructor(readonly api: Api) {
    this.follow('team', () => api.subscribe(DashboardTeamEventsDocument, {}, (d) => this.listeners.team.forEach((l) => l(d.teamEvents)), this.restart('team')));
    this.follow('task', () => api.subscribe(DashboardTaskEventsDocument, {}, (d) => this.listeners.task.forEach((l) => l(d.taskEvents)), this.restart('task')));
    this.stops.set('reconnect', api.onReconnect(() => this.resync()));
  }

  private readonly starts = new Map<string, () => () => void>();

  private follow(name: string, start: () => () => void) {
    this.starts.set(name, start);
    this.stops.set(name, start());
  }

  /** A stream the server ended: subscribe again shortly, and reload what the views show. */
  private restart(name: string) {
    return () =>
      setTimeout(() => {
        if (this.disposed) return;
        this.stops.set(name, this.starts.get(name)!());
        this.resync();
      }, 1000);
  }

  private resync() {
    this.listeners.reconnect.forEach((l) => l());
  }

  on<K extends keyof Listeners>(kind: K, listener: Listeners[K] extends Set<infer L> ? L : never): () => void {
    const set = this.listeners[kind] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  dispose() {
    this.disposed = true;
    this.stops.forEach((stop) => stop());
  }
}

export const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('no Live in context');
  return live;
}

/** Runs `listener` for each event of `kind` while the component is mounted (latest closure). */
export function useEvents<K extends 'team' | 'task' | 'reconnect'>(kind: K, listener: K extends 'team' ? (e: TeamEvent) => void : K extends 'task' ? (e: TaskEvent) => void : () => void) {
  const live = useLive();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => live.on(kind, ((e: never) => (ref.current as (e: never) => void)(e)) as never), [live, kind]);
}

/**
 * Reloads triggered by events, coalesced: at most one load in flight and one waiting, spaced by
 * `gapMs`, so a burst of events costs a few queries, not one each (and a quiet page costs none).
 */
export function coalesce(run: () => Promise<unknown>, gapMs = 200) {
  let running = false;
  let again = false;
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const fire = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    const wait = last + gapMs - Date.now();
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined;
        fire();
      }, wait);
      return;
    }
    running = true;
    last = Date.now();
    run()
      .catch((err) => console.warn('reload failed', err))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          fire();
        }
      });
  };
  return {
    trigger: fire,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One coalesced reload per key (a team, a queue), made on first use. */
export function useKeyedReload(load: (key: string) => Promise<unknown>, gapMs = 200) {
  const ref = useRef(load);
  ref.current = load;
  const reloads = useRef(new Map<string, ReturnType<typeof coalesce>>());
  useEffect(() => () => reloads.current.forEach((r) => r.stop()), []);
  return (key: string) => {
    let reload = reloads.current.get(key);
    if (!reload) reloads.current.set(key, (reload = coalesce(() => ref.current(key), gapMs)));
    reload.trigger();
  };
}

/** The current time, renewed every `ms` while mounted (for ages such as "12 s ago"). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
