// Builds the dashboard into dashboard/dist (run by `npm install`; `-- --watch` rebuilds on change).
// Everything it serves comes from here: no fonts, scripts or styles from anywhere else.
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
const watch = process.argv.includes('--watch');

// Built beside dist and swapped in at the end, so a server starting meanwhile reads a whole build.
const target = watch ? out : `${out}.${process.pid}`;
await rm(target, { recursive: true, force: true });
await mkdir(target, { recursive: true });
await copyFile(path.join(here, 'index.html'), path.join(target, 'index.html'));

const options = {
  entryPoints: [
    { in: path.join(here, 'src/main.tsx'), out: 'app' },
    { in: path.join(here, 'style.css'), out: 'app' },
  ],
  outdir: path.join(target, 'assets'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: watch ? 'info' : 'warning',
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  const result = await esbuild.build({ ...options, metafile: true });
  await rm(out, { recursive: true, force: true });
  await rename(target, out);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`dashboard built: ${(bytes / 1024).toFixed(0)} KiB in dashboard/dist`);
}
