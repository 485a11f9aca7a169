import { useEffect, useRef, useState } from 'preact/hooks';
import { DashboardMessagesDocument, DashboardTeamMessagesDocument, type DashboardMessagesQuery, type MessageLineFragment } from '../generated/graphql.js';
import { useLive } from '../live.js';
import { href } from '../router.js';
import { Badge, Empty, Section, Time } from '../ui.js';

/** A team's messages, oldest first: the latest 100, then new ones as they are sent. */
export function MessagesView({ teamId }: { teamId: string }) {
  const { api } = useLive();
  const [team, setTeam] = useState<DashboardMessagesQuery['team'] | null>(null);
  const [messages, setMessages] = useState<MessageLineFragment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    api.request(DashboardMessagesDocument, { teamId }).then(
      (data) => {
        if (cancelled) return;
        const loaded = data.messages.edges.map((e) => e.node);
        setTeam(data.team);
        setMessages(loaded);
        setError(null);
        // Continues right after the last message loaded: no gap, no repeat (also when the
        // socket reconnects and the subscription replays from that cursor again).
        let last = loaded.at(-1)?.seq ?? 0;
        const follow = () =>
          (stop = api.subscribe(
            DashboardTeamMessagesDocument,
            { teamId, after: last },
            (d) => {
              if (d.teamMessages.seq <= last) return;
              last = d.teamMessages.seq;
              setMessages((list) => [...list, d.teamMessages].slice(-500));
            },
            // Ended by the server (fell behind): continue from the last message shown.
            () => setTimeout(() => !cancelled && follow(), 1000),
          ));
        follow();
      },
      (err) => setError((err as Error).message),
    );
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [api, teamId]);
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [messages.length]);

  if (error) return <p class="error">{error}</p>;
  if (!team) return <p class="muted">Loading messages…</p>;
  return (
    <Section
      title={
        <>
          <a href={href.teams()}>Teams</a> / {team.name} messages <Badge status={team.status} />
        </>
      }
    >
      {messages.length ? (
        <ol class="messages">
          {messages.map((m) => (
            <li key={m.id} data-seq={m.seq}>
              <span class="muted small">
                #{m.seq} <Time at={m.createdAt} />
              </span>{' '}
              <strong>{m.from}</strong> → {m.to ?? <em>everyone</em>}: <span class="body">{m.body}</span>
            </li>
          ))}
        </ol>
      ) : (
        <Empty>No messages yet. Members send them with sendMessage; they appear here as they are sent.</Empty>
      )}
      <div ref={bottom} />
    </Section>
  );
}
