// CPU time PostgreSQL spends, read from /proc when the cluster runs on this machine: its
// postmaster's own time, its live children's (backends, WAL writer …) and what the children that
// already exited left in the postmaster's cumulative child time. Divided by the tasks a scenario
// moved, it is a cost per task that a busy machine hardly changes (throughput it changes a lot).
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime of a process, in clock ticks. */
function times(pid: number): { own: number; reaped: number; ppid: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { ppid: Number(fields[1]), own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return null;
  }
}

/** A reader of the cluster's CPU milliseconds so far, or null when its processes are not visible here. */
export async function postgresCpu(admin: pg.Pool): Promise<(() => number) | null> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = times(rows[0]!.pid);
  if (!backend) return null;
  const postmaster = backend.ppid;
  if (!times(postmaster)) return null;
  return () => {
    let ticks = 0;
    const main = times(postmaster);
    if (main) ticks += main.own + main.reaped;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const t = times(Number(name));
      if (t?.ppid === postmaster) ticks += t.own;
    }
    return (ticks * 1000) / TICKS_PER_SECOND;
  };
}
