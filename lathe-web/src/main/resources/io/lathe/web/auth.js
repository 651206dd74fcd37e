// Session helpers for the dashboard: every API call goes through apiFetch, which sends the session's CSRF token on
// changes and sends the browser to the login page when the session is missing or over (401).
import { t } from './i18n.js';

let csrfToken = null;
let current = null;

export function toLogin() {
  location.href = `login.html?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`;
}

/** The logged-in caller as loadMe found it ({kind, user, roles, rolesBySite, csrfToken}), or null. */
export function currentUser() {
  return current;
}

/** Who is logged in ({kind, user, roles, csrfToken}), or null when the server lets anonymous visitors read. */
export async function loadMe(force = false) {
  // Anonymous readers (lathe demo) would get a 401 here, an error in the browser console on every page: ask only
  // when this browser logged in (login.js sets the mark; a session that ended answers 401 and clears it).
  if (!force && !loggedInMark()) return null;
  const res = await fetch('api/auth/me', { headers: { Accept: 'application/json' } });
  if (res.status === 401) { setLoggedInMark(false); return null; }
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

const MARK = 'lathe.loggedIn';

/** Whether this browser logged in (not a secret: the session cookie decides; this only avoids a needless 401). */
export function loggedInMark() {
  try { return localStorage.getItem(MARK) === '1'; } catch { return true; }
}

export function setLoggedInMark(on) {
  try { if (on) localStorage.setItem(MARK, '1'); else localStorage.removeItem(MARK); } catch { /* private mode */ }
}

/** fetch() for the API: adds X-CSRF-Token on changes, goes to the login page on 401. */
export async function apiFetch(url, options = {}) {
  const method = (options.method || 'GET').toUpperCase();
  // A change needs the session's CSRF token: a browser logged in without the mark (single sign-on) fetches it now.
  if (method !== 'GET' && method !== 'HEAD' && !csrfToken) await loadMe(true);
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
    link.href = `login.html?next=${encodeURIComponent(location.pathname + location.hash)}`;
    link.textContent = t('common.login');
    link.dataset.testid = 'login-link';
    box.append(link);
    container.append(box);
    return;
  }
  if (me.kind !== 'user') return;
  const box = document.createElement('div');
  box.className = 'who';
  const name = document.createElement('span');
  name.textContent = `${me.user} (${me.roles || t('common.noRole')})`;
  const out = document.createElement('button');
  out.type = 'button';
  out.textContent = t('common.logout');
  out.dataset.testid = 'logout';
  out.addEventListener('click', async () => {
    await apiFetch('api/auth/logout', { method: 'POST' });
    setLoggedInMark(false);
    location.href = 'login.html';
  });
  box.append(name, out);
  container.append(box);
}
