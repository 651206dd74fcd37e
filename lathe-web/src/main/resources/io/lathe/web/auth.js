// Session helpers for the dashboard: every API call goes through apiFetch, which sends the session's CSRF token on
// changes and sends the browser to the login page when the session is missing or over (401).
let csrfToken = null;
let current = null;

export function toLogin() {
  location.href = `login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** Who is logged in ({kind, user, roles, csrfToken}), or null when the server lets anonymous visitors read. */
export async function loadMe() {
  const res = await fetch('api/auth/me', { headers: { Accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) return null;
  const me = await res.json();
  csrfToken = me.csrfToken || null;
  current = me;
  if (me.mustChangePassword) toLogin();
  return me;
}

/**
 * The site to stream live values of, for a person whose roles name sites only: the server lists just their sites in
 * the tree and streams a site-restricted person one site at a time. Null streams the whole plant.
 */
export function liveScope(tree) {
  if (!current || current.kind !== 'user' || !current.rolesBySite || current.rolesBySite['*']) return null;
  return tree.children && tree.children.length === 1 ? tree.children[0].id : null;
}

/** fetch() for the API: adds X-CSRF-Token on changes, goes to the login page on 401. */
export async function apiFetch(url, options = {}) {
  const method = (options.method || 'GET').toUpperCase();
  const headers = new Headers(options.headers || {});
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers.set('X-CSRF-Token', csrfToken);
  const res = await fetch(url, { ...options, headers });
  if (res.status === 401) toLogin();
  return res;
}

/** Shows the user and a log-out button in the header. */
export function showUser(me, container) {
  if (!me) {
    // Reading is open here (lathe demo): offer the login for changes.
    const box = document.createElement('div');
    box.className = 'who';
    const link = document.createElement('a');
    link.href = `login.html?next=${encodeURIComponent(location.pathname)}`;
    link.textContent = 'Log in';
    box.append(link);
    container.append(box);
    return;
  }
  if (me.kind !== 'user') return;
  const box = document.createElement('div');
  box.className = 'who';
  const name = document.createElement('span');
  name.textContent = `${me.user} (${me.roles || 'no role'})`;
  const out = document.createElement('button');
  out.type = 'button';
  out.textContent = 'Log out';
  out.addEventListener('click', async () => {
    await apiFetch('api/auth/logout', { method: 'POST' });
    location.href = 'login.html';
  });
  box.append(name, out);
  container.append(box);
}
