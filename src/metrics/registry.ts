import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * This process's metrics. Prometheus scrapes every server instance on its own, so each series
 * is per instance (Prometheus adds the `instance` label); the queue gauges are read from the
 * shared database and are the same on every instance. Node's default metrics (CPU, memory,
 * event-loop lag, GC, handles) keep their standard names.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** The exposition text of every metric, collecting the gauges that are read at scrape time. */
export const metricsText = () => registry.metrics();
export const METRICS_CONTENT_TYPE = registry.contentType;

/**
 * Things measured at scrape time (connection pools, websocket servers, the database): each app
 * registers its own while it runs, and the gauges add them up.
 */
export function sources<T>() {
  const all = new Set<T>();
  return {
    all: () => [...all],
    /** Registers a source; returns its unregistration. */
    add(source: T) {
      all.add(source);
      return () => void all.delete(source);
    },
  };
}
