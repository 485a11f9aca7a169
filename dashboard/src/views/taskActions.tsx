import { useState } from 'preact/hooks';
import {
  DashboardCancelTaskDocument,
  DashboardProvideInputDocument,
  DashboardRetryTaskDocument,
  type DashboardTaskQuery,
} from '../generated/graphql.js';
import { useLive } from '../live.js';
import { ConfirmButton, Json } from '../ui.js';

const CANCELLABLE = ['PENDING', 'BLOCKED', 'ASSIGNED', 'INPUT_REQUIRED'];
const REDRIVABLE = ['FAILED', 'CANCELLED', 'EXPIRED'];

/** Buttons that act on a task, by its status: cancel it, retry it, answer its request for input. */
export function TaskActions({ task, onChanged }: { task: DashboardTaskQuery['task']; onChanged: () => void }) {
  const { api } = useLive();
  const run = async (work: Promise<unknown>) => {
    await work;
    onChanged();
  };
  return (
    <>
      {CANCELLABLE.includes(task.status) && (
        <ConfirmButton
          label="Cancel task"
          confirm="Cancel? Click again"
          action={() => run(api.request(DashboardCancelTaskDocument, { id: task.id, reason: 'cancelled from the dashboard' }))}
        />
      )}
      {REDRIVABLE.includes(task.status) && (
        <ConfirmButton label="Retry" confirm="Retry? Click again" action={() => run(api.request(DashboardRetryTaskDocument, { id: task.id }))} />
      )}
      {task.status === 'INPUT_REQUIRED' && <AnswerInput task={task} onAnswer={(response) => run(api.request(DashboardProvideInputDocument, { id: task.id, response }))} />}
    </>
  );
}

/** The agent's request and a JSON answer to it (a person in the loop). */
function AnswerInput({ task, onAnswer }: { task: DashboardTaskQuery['task']; onAnswer: (response: Record<string, unknown>) => Promise<unknown> }) {
  const [text, setText] = useState('{\n  "approved": true\n}');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      setError('the answer must be JSON');
      return;
    }
    if (typeof response !== 'object' || response === null || Array.isArray(response)) {
      setError('the answer must be a JSON object');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onAnswer(response as Record<string, unknown>);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="answer-input">
      <div class="label">Waiting for input</div>
      {task.inputRequest && <Json value={task.inputRequest} />}
      <textarea aria-label="Answer (JSON)" rows={4} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <button type="button" disabled={busy} onClick={send}>
        {busy ? '…' : 'Send answer'}
      </button>
      {error && <span class="error">{error}</span>}
    </div>
  );
}
