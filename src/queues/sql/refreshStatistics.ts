import { statement } from '../../db/statement.js';

/** Below this many changes since the last ANALYZE, a table's statistics are left to autovacuum. */
const STALE_AFTER_CHANGES = 1000;

/**
 * ANALYZE tasks when its statistics are missing or describe less than half of it: it was never
 * analyzed (a new database) or grew more than twofold since. Without statistics PostgreSQL takes
 * a freshly filled queue for a few rows and claims by sorting every pending task of the queue
 * (20 ms per claim at 20,000 tasks) instead of reading tasks_claimable_idx in order; autovacuum
 * would fix it only at its next round, up to a minute later. One cheap catalog read otherwise.
 */
export const refreshStatistics = statement<Record<string, never>>(
  'queues_refresh_statistics',
  `DO $$
   BEGIN
     IF EXISTS (
       SELECT 1 FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
       WHERE c.oid = 'tasks'::regclass
         AND s.n_mod_since_analyze > ${STALE_AFTER_CHANGES}
         AND s.n_mod_since_analyze > GREATEST(c.reltuples, 0)
     ) THEN
       ANALYZE tasks;
     END IF;
   END $$`,
  () => [],
);
