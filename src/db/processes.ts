import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

// What the embedded PostgreSQL needs to know about other processes: whether a pid still runs,
// its command line and its parent. Linux reads /proc; other platforms ask `ps`.

const run = promisify(execFile);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped: e.g. in a container whose init does not reap) is gone.
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** The argument vector of `pid`, or undefined once it is gone. */
export async function commandLine(pid: number): Promise<string[] | undefined> {
  try {
    if (process.platform === 'linux') {
      const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter(Boolean);
    }
    // `ps` joins the arguments with spaces; paths with spaces in them are not told apart.
    const { stdout } = await run('ps', ['-o', 'args=', '-p', String(pid)]);
    return stdout.trim() ? stdout.trim().split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/** The parent pid of `pid`, or undefined once it is gone. */
export async function parentPid(pid: number): Promise<number | undefined> {
  try {
    if (process.platform === 'linux') {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }
    const { stdout } = await run('ps', ['-o', 'ppid=', '-p', String(pid)]);
    return stdout.trim() ? Number(stdout.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until `pid` is gone; false if it still runs after `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
