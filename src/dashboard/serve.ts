import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm install` builds the dashboard (dashboard/build.mjs). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// The page talks to this server only (its own scripts, styles, GraphQL over HTTP and websocket).
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const add = (urlPath: string, file: string) => {
    const body = readFileSync(file);
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    assets.set(urlPath, { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body, gzip: gzipSync(body), etag });
  };
  add('/', path.join(dir, 'index.html'));
  for (const name of readdirSync(path.join(dir, 'assets'))) add(`/assets/${name}`, path.join(dir, 'assets', name));
  return assets;
}

/**
 * The dashboard's files (`/`, `/assets/…`), read once into memory, answered with an ETag
 * (revalidated on each load: a rebuilt dashboard shows at once) and gzip when accepted. Answers
 * false for any other path. Without a build it says how to make one.
 */
export function createDashboardHandler(dir = DASHBOARD_DIR): (req: IncomingMessage, res: ServerResponse) => boolean {
  let assets: Map<string, Asset> | null = null;
  try {
    if (existsSync(path.join(dir, 'index.html'))) assets = load(dir);
  } catch {
    // A build under way (or a broken one): answered like a missing build.
  }
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const urlPath = req.url?.split('?')[0] ?? '';
    if (urlPath !== '/' && !urlPath.startsWith('/assets/')) return false;
    if (!assets) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The dashboard is not built: run npm install (or node dashboard/build.mjs).\n');
      return true;
    }
    const asset = assets.get(urlPath);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return true;
    }
    const headers: Record<string, string> = {
      'content-type': asset.type,
      etag: asset.etag,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    };
    if (urlPath === '/') Object.assign(headers, { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' });
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
