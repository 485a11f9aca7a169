// A real browser for the dashboard and GraphiQL tests: Debian's Chromium driven by playwright-core.
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium to drive: $CHROMIUM_PATH, /usr/bin/chromium, or one of the usual names on PATH. */
export function findChromium(): string | null {
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(path.delimiter)];
  const paths = [process.env.CHROMIUM_PATH, ...dirs.flatMap((dir) => CANDIDATES.map((name) => path.join(dir, name)))];
  for (const candidate of paths) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * The browser's path, or null after saying so. CI (CI=true) must have one: there a missing
 * browser fails the run instead of skipping the tests.
 */
export function browserOrSkip(): string | null {
  const found = findChromium();
  if (found) return found;
  const message = 'no browser found: install Chromium (apt-get install chromium) or set CHROMIUM_PATH to run the browser tests';
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${message} (required in CI)`);
  console.warn(`\n*** ${message}; skipping them. ***\n`);
  return null;
}

export const ARTIFACTS = path.resolve('test/artifacts');

export interface Offline {
  browser: Browser;
  context: BrowserContext;
  /** Every request (HTTP or websocket) the pages tried to send anywhere but this machine. */
  outside: string[];
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

const isLoopback = (url: string) => {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
};

/**
 * Headless Chromium with the network to the outside cut: names resolve to nothing but loopback,
 * and every request or websocket to another host is recorded and aborted.
 */
export async function launchOffline(executablePath: string): Promise<Offline> {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    outside.push(url);
    return route.abort('internetdisconnected');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (isLoopback(ws.url())) {
      ws.connectToServer();
    } else {
      outside.push(ws.url());
      void ws.close({ code: 1011, reason: 'offline' });
    }
  });
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    browser,
    context,
    outside,
    async screenshot(page, name) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => browser.close(),
  };
}
