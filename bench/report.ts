// Progress on stderr while the bench runs; the results as a table (or JSON lines) on stdout at the end.

const started = performance.now();
const clock = () => `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s]`;

/** One progress line on stderr. */
export function progress(line: string): void {
  process.stderr.write(`${clock()} ${line}\n`);
}

export interface Target {
  /** e.g. "≥ 0.8 × floor", "p50 ≤ 3 ms, p99 ≤ 10 ms". */
  text: string;
  met: boolean;
}

export interface Result {
  /** Stable machine name (JSON). */
  name: string;
  /** Human label (table). */
  label: string;
  value: number | null;
  unit: string;
  /** value ÷ the floor (throughputs), or the ratio a derived row is about. */
  ratio?: number | null;
  n?: number;
  seconds?: number;
  p50?: number;
  p99?: number;
  max?: number;
  target?: Target;
  /** Extra facts (fill time, baseline RSS, how it ran …), shown after the figures. */
  detail?: string;
  /** "exactly once: ok" or what went wrong. */
  verified?: string;
  skipped?: string;
  failed?: string;
  extra?: Record<string, unknown>;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;

function figure(r: Result): string {
  if (r.skipped) return 'skipped';
  if (r.failed && r.value === null) return 'FAILED';
  if (r.p50 !== undefined) return `p50 ${ms(r.p50)} · p99 ${ms(r.p99!)} · max ${ms(r.max!)}`;
  if (r.value === null) return '–';
  if (r.unit === 'ratio') return fmt(r.value, 2);
  if (r.unit === 'MiB') return `${fmt(r.value)} MiB`;
  return `${fmt(r.value)} ${r.unit}`;
}

export function renderTable(header: string[], results: Result[]): string {
  const rows = results.map((r) => {
    const facts = [
      r.skipped ?? '',
      r.failed ? `FAILED: ${r.failed}` : '',
      r.n !== undefined ? `n=${fmt(r.n)}` : '',
      r.seconds !== undefined ? `${r.seconds.toFixed(1)} s` : '',
      r.verified && !r.failed ? r.verified : '',
      r.detail ?? '',
    ].filter(Boolean);
    return {
      label: r.label,
      figure: figure(r),
      ratio: r.ratio === undefined || r.ratio === null || r.unit === 'ratio' ? '' : `${r.ratio.toFixed(2)} ×`,
      target: r.target ? `${(r.target.met ? 'met' : 'MISSED').padEnd(6)} ${r.target.text}` : '',
      facts: facts.join('; '),
    };
  });
  const w = (k: keyof (typeof rows)[number], title: string) => Math.max(title.length, ...rows.map((r) => r[k].length));
  const wl = w('label', 'scenario');
  const wf = w('figure', 'result');
  const wr = w('ratio', '÷ floor');
  const wt = w('target', 'target');
  const line = (a: string, b: string, c: string, d: string, e: string) =>
    `${a.padEnd(wl)}  ${b.padStart(wf)}  ${c.padStart(wr)}  ${d.padEnd(wt)}  ${e}`.trimEnd();
  return [
    ...header,
    '',
    line('scenario', 'result', '÷ floor', 'target', 'details'),
    line('-'.repeat(wl), '-'.repeat(wf), '-'.repeat(wr), '-'.repeat(wt), '-------'),
    ...rows.map((r) => line(r.label, r.figure, r.ratio, r.target, r.facts)),
  ].join('\n');
}

export function jsonLine(r: Result): string {
  const { label: _label, target, extra, ...rest } = r;
  return JSON.stringify({
    ...rest,
    ...(target ? { target: target.text, targetMet: target.met } : {}),
    ...extra,
  });
}
