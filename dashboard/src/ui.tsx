import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useNow } from './live.js';

/** "4 s", "3 min", "2 h": how long ago (or, with `since`, how long it has been). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d`;
}

export function Age({ at, suffix = ' ago' }: { at: string | null | undefined; suffix?: string }) {
  const now = useNow();
  if (!at) return <span class="muted">—</span>;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {duration(now - Date.parse(at))}
      {suffix}
    </time>
  );
}

export const Time = ({ at }: { at: string | null | undefined }) =>
  at ? <time dateTime={at}>{new Date(at).toLocaleTimeString()}</time> : <span class="muted">—</span>;

/** A status as a coloured label; `data-status` lets tests and styles find it. */
export const Badge = ({ status }: { status: string }) => (
  <span class={`badge s-${status.toLowerCase()}`} data-status={status}>
    {status}
  </span>
);

export const Json = ({ value }: { value: unknown }) =>
  value === null || value === undefined ? <span class="muted">—</span> : <pre class="json">{JSON.stringify(value, null, 2)}</pre>;

/**
 * A destructive action in two clicks: the first arms it ("Stop team?"), the second runs it;
 * it disarms itself after a few seconds. No browser dialog.
 */
export function ConfirmButton(props: { label: string; confirm: string; action: () => Promise<unknown>; disabled?: boolean }) {
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const click = async () => {
    if (!armed) {
      setArmed(true);
      setTimeout(() => setArmed(false), 4000);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.action();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
      setArmed(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={armed ? 'danger armed' : 'danger'} disabled={props.disabled || busy} onClick={click}>
        {busy ? '…' : armed ? props.confirm : props.label}
      </button>
      {error && <span class="error">{error}</span>}
    </span>
  );
}

export const Section = ({ title, children, actions }: { title: ComponentChildren; children: ComponentChildren; actions?: ComponentChildren }) => (
  <section class="card">
    <header>
      <h2>{title}</h2>
      {actions && <div class="actions">{actions}</div>}
    </header>
    {children}
  </section>
);

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;
