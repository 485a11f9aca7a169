// The token lives in sessionStorage: gone when the tab closes, never sent anywhere but this server.
const KEY = 'agent-teams.token';

export const storedToken = (): string | null => sessionStorage.getItem(KEY);
export const storeToken = (token: string) => sessionStorage.setItem(KEY, token.trim().replace(/^Bearer\s+/i, ''));
export const clearToken = () => sessionStorage.removeItem(KEY);

/**
 * `#token=…` (the URL `npm start` prints): keeps the token and takes it out of the address bar and
 * the history. A fragment never reaches the server.
 */
export function takeTokenFromFragment(): void {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return;
  storeToken(decodeURIComponent(match[1]!));
  history.replaceState(null, '', `${location.pathname}${location.search}#/teams`);
}
