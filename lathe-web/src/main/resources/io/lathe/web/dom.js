// Small DOM and API helpers shared by the views. Server text is always inserted as text, never as HTML.
//   el(tag, attrs|className, ...children)   element; attrs {class, testid, text, title, href, on:{click:fn}, ...}
//   getJson(url)                            {ok, status, data, message}: never throws; 404 of a route not there yet
//                                           (alarms, health) comes back as ok=false, status=404 without a console error
//   postJson(url, body)                     same for a POST with a JSON body (CSRF token added by apiFetch)
//   stateIcon(key)                          a shape per machine state (state never by colour alone)
//   await apiHas('GET /api/alarms')          true when this server documents (and so registers) the route in
//                                           /api/openapi.json: views ask before calling routes other helpers add, so
//                                           an older server gives an empty state instead of 404s in the console
import { apiFetch, currentUser } from './auth.js';

export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (typeof attrs === 'string') e.className = attrs;
  else if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'testid') e.dataset.testid = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (v === true) e.setAttribute(k, '');
      else e.setAttribute(k, v);
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

async function answer(res) {
  let data = null;
  let message = `HTTP ${res.status}`;
  try {
    data = await res.json();
    if (!res.ok && data && data.message) message = data.message;
  } catch { /* not JSON */ }
  return { ok: res.ok, status: res.status, data: res.ok ? data : null, message: res.ok ? '' : message };
}

export async function getJson(url) {
  try {
    const res = await apiFetch(url, { headers: { Accept: 'application/json' } });
    return await answer(res);
  } catch (e) {
    return { ok: false, status: 0, data: null, message: e.message };
  }
}

export async function postJson(url, body) {
  try {
    const res = await apiFetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body),
    });
    return await answer(res);
  } catch (e) {
    return { ok: false, status: 0, data: null, message: e.message };
  }
}

let documented = null;
export async function apiHas(route) {
  // A person restricted to some sites may not read the API description (it spans every site): the routes of this
  // version are there, and one that is not answers 404, which the views handle.
  const me = currentUser();
  if (me && me.kind === 'user' && me.rolesBySite && !me.rolesBySite['*']) return true;
  if (!documented) {
    documented = getJson('api/openapi.json').then((r) => {
      const set = new Set();
      if (r.ok && r.data && r.data.paths) {
        for (const [path, ops] of Object.entries(r.data.paths)) for (const m of Object.keys(ops)) set.add(`${m.toUpperCase()} ${path}`);
      }
      return set;
    });
  }
  const [method, path] = route.includes(' ') ? route.split(' ', 2) : ['GET', route];
  return (await documented).has(`${method} ${path}`);
}

const ICONS = {
  running: '▶', fault: '✖', blocked: '■', starved: '◇', idle: '❚❚', 'planned-stop': '◷', unknown: '?', none: '·',
};

/** A shape per state, shown next to its text (so the state is never told by colour alone). */
export function stateIcon(key) {
  return el('span', { class: 'state-icon', 'aria-hidden': 'true', text: ICONS[key] || '?' });
}

/** Seconds between two ISO times (or until now). */
export function secondsBetween(fromIso, toIso) {
  const a = new Date(fromIso).getTime();
  const b = toIso ? new Date(toIso).getTime() : Date.now();
  return Math.max(0, (b - a) / 1000);
}
