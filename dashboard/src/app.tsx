import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, type Connection } from './api.js';
import { Live, LiveContext } from './live.js';
import { href, useRoute } from './router.js';
import { clearToken, storedToken, storeToken, takeTokenFromFragment } from './session.js';
import { MessagesView } from './views/messages.js';
import { QueueView } from './views/queue.js';
import { QueuesView } from './views/queues.js';
import { TaskView } from './views/task.js';
import { TeamsView } from './views/teams.js';

export function App() {
  const [token, setToken] = useState(storedToken);
  const [notice, setNotice] = useState<string | null>(null);
  // A #token= link opened in a tab that already shows the dashboard: no page load, same sign-in.
  useEffect(() => {
    const taken = () => {
      if (!/^#token=/.test(location.hash)) return;
      takeTokenFromFragment();
      setNotice(null);
      setToken(storedToken());
    };
    addEventListener('hashchange', taken);
    return () => removeEventListener('hashchange', taken);
  }, []);
  const signOut = (message: string | null) => {
    clearToken();
    setNotice(message);
    setToken(null);
  };
  if (!token)
    return (
      <SignIn
        notice={notice}
        onToken={(t) => {
          storeToken(t);
          setNotice(null);
          setToken(storedToken());
        }}
      />
    );
  return <Dashboard key={token} token={token} onSignOut={signOut} />;
}

function SignIn({ notice, onToken }: { notice: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main class="signin">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value);
        }}
      >
        <h1>Agent Teams</h1>
        <p>
          Paste a token (a JWT for your owner id). <code>npm start</code> prints a development token and a link that signs you in;{' '}
          <code>npm run --silent token -- --sub &lt;name&gt;</code> mints others.
        </p>
        {notice && <p class="error">{notice}</p>}
        <textarea name="token" rows={4} placeholder="eyJhbGciOi…" value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} autofocus />
        <button type="submit">Sign in</button>
        <p class="muted small">The token stays in this tab (sessionStorage) until you sign out or close it.</p>
      </form>
    </main>
  );
}

function Dashboard({ token, onSignOut }: { token: string; onSignOut: (message: string | null) => void }) {
  const live = useMemo(() => {
    // HTTP and the websocket may both refuse the token: the first one's reason is shown.
    let refused = false;
    const unauthorized = (message: string) => {
      if (refused) return;
      refused = true;
      onSignOut(`Signed out: ${message}`);
    };
    return new Live(new Api(token, unauthorized));
  }, [token]);
  const [connection, setConnection] = useState<Connection>(live.api.state);
  useEffect(() => {
    const off = live.api.onConnection(setConnection);
    return () => {
      off();
      live.dispose();
      live.api.dispose();
    };
  }, [live]);
  const route = useRoute();
  const section = route.view === 'queues' || route.view === 'queue' ? 'queues' : route.view === 'task' ? 'task' : 'teams';
  return (
    <LiveContext.Provider value={live}>
      <header class="top">
        <strong class="brand">Agent Teams</strong>
        <nav>
          <a href={href.teams()} class={section === 'teams' ? 'active' : ''}>
            Teams
          </a>
          <a href={href.queues()} class={section === 'queues' ? 'active' : ''}>
            Queues
          </a>
          <a href="/graphql" target="_blank" rel="noopener">
            GraphiQL
          </a>
        </nav>
        <span class={`connection ${connection}`} data-connection={connection} title="The websocket that brings live events">
          {connection}
        </span>
        <button type="button" class="link" onClick={() => onSignOut(null)}>
          Sign out
        </button>
      </header>
      <main>
        {route.view === 'teams' && <TeamsView />}
        {route.view === 'queues' && <QueuesView />}
        {route.view === 'queue' && <QueueView key={route.id} id={route.id} />}
        {route.view === 'task' && <TaskView key={route.id} id={route.id} />}
        {route.view === 'messages' && <MessagesView key={route.teamId} teamId={route.teamId} />}
      </main>
    </LiveContext.Provider>
  );
}
