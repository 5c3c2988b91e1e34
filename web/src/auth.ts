// Access token for servers started with --token (or listening beyond loopback): taken once from the
// page URL (?token=T), kept for the browser tab, sent as "Authorization: Bearer T" and as Socket.IO auth.
const KEY = 'skbscope.token';

export function token(): string | null {
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export function socketAuth(): { auth?: { token: string }; query?: { token: string } } {
  const t = token();
  return t ? { auth: { token: t }, query: { token: t } } : {};
}
