import { spawn } from 'node:child_process';

/** Runs `src/main.ts` as `npm start` does, in its own process, and collects its output. */
export function startServerProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 45_000) => {
    const end = Date.now() + ms;
    while (!pattern.test(output)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return pattern.exec(output)!;
  };
  /** The base URL the server logged once listening. */
  const url = async () => (await waitFor(/"url":"(http:\/\/[^"]+)\/graphql"/))[1]!;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { child, exited, waitFor, url, stop, output: () => output };
}
