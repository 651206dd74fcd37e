// Hash router of the dashboard: the header (index.html + app.js) stays, views render into <main id="view">.
//
// API (for every view; helpers C2/C3 build on it):
//   register(name, pattern, render)
//       name     view name, e.g. 'machine' (also set as <main data-view="machine"> and body class view-machine)
//       pattern  path after '#', with :params, e.g. '/machine/:id' or '/line/:id/report'; '/' is the overview
//       render   (container, params, query) => cleanup | Promise<cleanup> | undefined
//                container: an empty <div> inside <main> owned by the view until it is left;
//                params: decoded :params ({id: '...'}); query: URLSearchParams of '?a=b' after the path
//                cleanup (optional): called when the view is left or re-rendered (close timers, listeners, streams).
//       Instead of render, a loader () => import('./views/x.js') may be given as {load}: register('x', '/x',
//       {load: () => import('./views/x.js')}); the module's default export (or export `render`) is the render.
//   start(main)            begins routing inside the element main (app.js calls it once)
//   navigate(path)         goes to '#' + path (a history entry); href(path) gives the link text '#/machine/x'
//   refresh()              renders the current view again (e.g. after a language change; app.js does it)
//   current()              {name, params, query, path} of the view shown
//   onRoute(fn)            fn({name, params, query, path}) after each route change (the header marks its nav link)
//   setTitle(text)         document title 'text · Lathe'
// A path no pattern matches shows the not-found text with a link to the overview. A view that throws shows the error
// text instead of a blank page (and logs it to the console).
import { t } from './i18n.js';

const routes = [];
const listeners = new Set();
let mainEl = null;
let cleanup = null;
let shown = { name: null, params: {}, query: new URLSearchParams(), path: '/' };
let generation = 0;

function compile(pattern) {
  const names = [];
  const source = pattern.split('/').map((part) => {
    if (part.startsWith(':')) { names.push(part.slice(1)); return '([^/]+)'; }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return { regex: new RegExp(`^${source}/?$`), names };
}

export function register(name, pattern, render) {
  routes.push({ name, pattern, render, ...compile(pattern) });
}

export function href(path) {
  return `#${path.startsWith('/') ? path : `/${path}`}`;
}

export function navigate(path) {
  const h = href(path);
  if (location.hash === h) refresh();
  else location.hash = h;
}

export function current() {
  return shown;
}

export function onRoute(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setTitle(text) {
  document.title = text ? `${text} · Lathe` : 'Lathe';
}

function parse() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => {
      try { params[n] = decodeURIComponent(m[i + 1]); } catch { params[n] = m[i + 1]; }
    });
    return { route: r, name: r.name, params, query, path };
  }
  return { route: null, name: 'not-found', params: {}, query, path };
}

async function resolveRender(route) {
  const r = route.render;
  if (typeof r === 'function') return r;
  if (r && typeof r.load === 'function') {
    const mod = await r.load();
    const fn = mod.default || mod.render;
    if (typeof fn !== 'function') throw new Error(`view ${route.name}: module exports no render function`);
    route.render = fn;
    return fn;
  }
  throw new Error(`view ${route.name}: no render function`);
}

export async function refresh() {
  if (!mainEl) return;
  const my = ++generation;
  if (cleanup) {
    try { cleanup(); } catch (e) { console.error(e); }
    cleanup = null;
  }
  const p = parse();
  shown = { name: p.name, params: p.params, query: p.query, path: p.path };
  const container = document.createElement('div');
  container.className = `view view-${p.name}`;
  mainEl.dataset.view = p.name;
  document.body.className = document.body.className.replace(/\bview-\S+/g, '').trim();
  document.body.classList.add(`view-${p.name}`);
  mainEl.replaceChildren(container);
  for (const fn of [...listeners]) {
    try { fn(shown); } catch (e) { console.error(e); }
  }
  if (!p.route) {
    const msg = document.createElement('p');
    msg.className = 'message';
    msg.dataset.testid = 'not-found';
    msg.append(t('common.notFound', { path: p.path }), ' ');
    const a = document.createElement('a');
    a.href = '#/';
    a.textContent = t('common.backToOverview');
    msg.append(a);
    container.append(msg);
    setTitle(t('common.notFoundTitle'));
    return;
  }
  try {
    const render = await resolveRender(p.route);
    if (my !== generation) return;
    const result = await render(container, p.params, p.query);
    if (my !== generation) {
      if (typeof result === 'function') result();
      return;
    }
    if (typeof result === 'function') cleanup = result;
  } catch (e) {
    console.error(e);
    if (my !== generation) return;
    const msg = document.createElement('p');
    msg.className = 'message error';
    msg.setAttribute('role', 'alert');
    msg.textContent = t('common.viewFailed', { message: e.message || String(e) });
    container.replaceChildren(msg);
  }
}

export function start(main) {
  mainEl = main;
  window.addEventListener('hashchange', () => {
    refresh();
    // The new view starts at its top, and keyboard users land in it.
    window.scrollTo(0, 0);
    mainEl.focus({ preventScroll: true });
  });
  refresh();
}
