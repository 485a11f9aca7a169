import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { METRICS_CONTENT_TYPE, metricsText } from '../metrics/registry.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics in Prometheus' text format. With a token configured it requires
 * `Authorization: Bearer <token>` from everyone; without one it answers loopback clients only.
 */
export function createMetricsEndpoint(token: string | undefined, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (token) {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (!sameToken(given, token)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' }).end('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
        return;
      }
    } else if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics are served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      (err: unknown) => {
        log.error({ err }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('collecting metrics failed\n');
      },
    );
  };
}
