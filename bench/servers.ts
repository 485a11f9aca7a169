import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.js';

export interface RunningServer {
  kind: 'app' | 'bare';
  url: string;
  /** "child process 1234 (node --import tsx bench/serve.ts app)" or "in the bench process". */
  where: string;
  /** VmRSS and VmHWM of the server's process, in bytes. */
  memory(): Promise<{ rss: number; peak: number }>;
  awaitWaiter(queueId: string, timeoutMs: number): Promise<'signal' | 'timeout' | 'unsupported'>;
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVE = path.join(ROOT, 'bench', 'serve.ts');

export async function procMemory(pid: number | 'self'): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

export async function startServer(
  kind: 'app' | 'bare',
  options: { databaseUrl: string; jwtSecret: string; mode: 'child' | 'inprocess' },
): Promise<RunningServer> {
  if (options.mode === 'inprocess') {
    const served = await serve(kind, options.databaseUrl, options.jwtSecret);
    return { kind, ...served, where: 'in the bench process', memory: () => procMemory('self') };
  }

  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, kind], {
    cwd: ROOT,
    env: { ...process.env, BENCH_DATABASE_URL: options.databaseUrl, BENCH_JWT_SECRET: options.jwtSecret },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`bench/serve.ts ${kind} exited with ${code} before listening`)));
    setTimeout(() => reject(new Error(`bench/serve.ts ${kind} did not start within 60 s`)), 60_000).unref();
  });

  let nextId = 0;
  const answers = new Map<number, (answer: 'signal' | 'timeout' | 'unsupported') => void>();
  child.on('message', (m: { type: string; id: number; answer: 'signal' | 'timeout' | 'unsupported' }) => {
    if (m.type === 'awaitWaiter') answers.get(m.id)?.(m.answer);
    answers.delete(m.id);
  });

  return {
    kind,
    url,
    where: `child process ${child.pid} (node --import tsx bench/serve.ts ${kind})`,
    memory: () => procMemory(child.pid!),
    awaitWaiter(queueId, timeoutMs) {
      const id = nextId++;
      return new Promise((resolve) => {
        answers.set(id, resolve);
        child.send({ type: 'awaitWaiter', id, queueId, timeoutMs });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
