import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';

// Docker is not available where the suite runs: the Dockerfile and compose file are checked by
// reading them (and compose.yaml with a YAML parser) against the project they package.

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as { license: string; scripts: Record<string, string>; dependencies: Record<string, string> };

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

describe('LICENSE', () => {
  it('is the MIT license package.json declares', () => {
    expect(pkg.license).toBe('MIT');
    const license = read('LICENSE');
    expect(license).toMatch(/^MIT License\n/);
    expect(license).toContain('Permission is hereby granted, free of charge');
  });
});

describe('Dockerfile', () => {
  const steps = instructions(read('Dockerfile'));
  const stages = steps.reduce<{ op: string; args: string }[][]>((all, step) => (step.op === 'FROM' ? [...all, [step]] : (all.at(-1)!.push(step), all)), []);
  const final = stages.at(-1)!;

  it('builds in one stage with npm ci and runs from another, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]![0]!.args).toMatch(/^node:20\S* AS build$/);
    expect(stages[0]!.some((s) => s.op === 'RUN' && /^npm ci\b/.test(s.args))).toBe(true);
    expect(final[0]!.args).toMatch(/^node:20/);
    const user = final.filter((s) => s.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('copies files the repository has, and leaves local state out of the build context', () => {
    for (const step of stages[0]!.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))) {
      const sources = step.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(new URL(`../${source}`, import.meta.url)), source).toBe(true);
    }
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'src/generated', '.data', '.git']) expect(ignored).toContain(entry);
  });

  it("has what npm ci's postinstall runs (client generation, the dashboard build) before npm ci, and serves the built dashboard", () => {
    const build = stages[0]!;
    const install = build.findIndex((s) => s.op === 'RUN' && /^npm ci\b/.test(s.args));
    const copiedBefore = build.slice(0, install).filter((s) => s.op === 'COPY').flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    const needed = [...(pkg.scripts.postinstall ?? '').matchAll(/node (\S+)/g)].map((m) => m[1]!.split('/')[0]!);
    expect(needed.length).toBeGreaterThan(0);
    for (const dir of needed) expect(copiedBefore, dir).toContain(dir);
    expect(final.some((s) => s.op === 'COPY' && /dashboard\/dist/.test(s.args))).toBe(true);
  });

  it('runs node --import tsx src/main.ts (as npm start does), refusing to start without DATABASE_URL', () => {
    const cmd = JSON.parse(final.find((s) => s.op === 'CMD')!.args) as string[];
    const script = cmd.at(-1)!;
    expect(script).toContain('exec node --import tsx src/main.ts');
    expect(pkg.scripts.start).toContain('node --import tsx src/main.ts');
    expect(script).toMatch(/if \[ -z "\$DATABASE_URL" \]; then .* exit 2; fi/);
    expect(pkg.dependencies.tsx).toBeDefined(); // the runtime image keeps production dependencies only
    expect(final.find((s) => s.op === 'ENV')?.args).toContain('NODE_ENV=production');
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { build?: string; image?: string; ports?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }>;
  };
  const servers = Object.entries(compose.services).filter(([, service]) => service.build === '.');

  it('runs PostgreSQL and two server instances on two ports', () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(servers).toHaveLength(2);
    const ports = servers.map(([, service]) => service.ports?.[0]);
    expect(new Set(ports).size).toBe(2);
    for (const port of ports) expect(port).toMatch(/^\d+:3000$/);
  });

  it('points both instances at that PostgreSQL, once it is healthy, with a configuration the server accepts', () => {
    for (const [name, service] of servers) {
      expect(service.depends_on?.postgres?.condition, name).toBe('service_healthy');
      const env = service.environment!;
      expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
      // Interpolated by compose; here with the values an operator would give.
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, key: string, fallback?: string) => (key === 'JWT_SECRET' ? 's'.repeat(32) : (fallback ?? '')))]),
      );
      expect(() => loadConfig({ ...resolved, NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000' })).not.toThrow();
    }
  });
});
