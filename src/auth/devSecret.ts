import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Outside production with no JWT configuration, tokens are signed with a random secret kept in
 * the data directory, so dev tokens survive restarts and nothing secret is hard-coded.
 */
export async function loadOrCreateDevSecret(dataDir: string, options: { create?: boolean } = {}): Promise<string> {
  const file = path.resolve(dataDir, 'dev-jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (options.create === false) {
    throw new Error(`no development secret in ${file}: start the server first (with the same DATA_DIR), or set JWT_SECRET`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  // 'wx': if another instance wrote it first, use theirs.
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(file, 'utf8')).trim();
  }
}
