import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './eventually.js';

/** Polls `condition` until it holds; fails after `ms` with `what` (the shared bounded wait). */
export async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  await waitFor(condition, { timeoutMs: ms, intervalMs: 50, what });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

/** The postmaster's pid from `<dataDir>/postgres/postmaster.pid` (undefined when there is none). */
export function postmasterPid(pgData: string): number | undefined {
  try {
    return Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

/** Runs `src/main.ts` as `npm start` does, in its own process (in `cwd`, default here), and collects its output. */
export function startServerProcess(env: Record<string, string>, options: { cwd?: string } = {}) {
  const cwd = options.cwd ?? process.cwd();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let closed = false;
  child.on('close', () => (closed = true));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with the first match of `pattern` in the output as soon as it is printed. */
  const waitFor = (pattern: RegExp, ms = 45_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) finish(() => resolve(match));
        else if (closed) finish(() => reject(new Error(`exited without ${pattern} in output:\n${output}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} in output after ${ms} ms:\n${output}`))), ms);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.stderr.off('data', check);
        child.off('close', check);
        settle();
      };
      // Registered after the listeners that collect the output, so each check sees the new chunk.
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.on('close', check);
      check();
    });
  /** The base URL the server logged once listening. */
  const url = async () => (await waitFor(/"url":"(http:\/\/[^"]+)\/graphql"/))[1]!;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  /** The exit code, failing after `ms`. */
  const exitCode = async (ms = 30_000) => {
    await until('the server process to exit', () => child.exitCode !== null || child.signalCode !== null, ms);
    return exited;
  };
  return { child, exited, exitCode, waitFor, url, stop, output: () => output };
}
