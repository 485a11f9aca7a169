import { Gauge } from 'prom-client';
import { registry, sources } from './registry.js';

/** What node-postgres' Pool reports about itself. */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const pools = sources<PoolStats>();
/** While registered, scrapes report this pool's use. */
export const watchPool = pools.add;

const poolGauge = (name: string, help: string, read: (p: PoolStats) => number) =>
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(pools.all().reduce((sum, p) => sum + read(p), 0));
    },
  });

poolGauge('agent_teams_db_pool_connections', 'Connections the database pool holds (idle and in use).', (p) => p.totalCount);
poolGauge('agent_teams_db_pool_idle_connections', 'Connections of the pool not in use.', (p) => p.idleCount);
poolGauge('agent_teams_db_pool_waiting_requests', 'Queries waiting for a connection of the pool.', (p) => p.waitingCount);
