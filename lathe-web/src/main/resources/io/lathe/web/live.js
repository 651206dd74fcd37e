// One live stream (/api/live, Server-Sent Events) shared by every view; the header shows its state.
//
// API (for every view):
//   onLive(type, fn)      type 'value' (signal value {signal, timestamp, value, quality}), 'kpi' (running shift
//                         {time, assets:[...]}) or 'alarm' (Alarm of CONTRACTS.md); 'ready' after the snapshot;
//                         returns a function that unsubscribes (return it from a view's cleanup)
//   latestValue(signalId) the newest value seen for a signal (the snapshot fills it), or undefined
//   latestKpis(assetId)   the newest running-shift KPI entry of an asset ({asset, shift, from, kpis, dataQuality})
//   liveState()           'connecting' | 'live' | 'down'; onLiveState(fn) is called with it on every change
//   startLive(scopeAsset) opens the stream (app.js does, once); scopeAsset: the one site a site-restricted user streams
import { toLogin } from './auth.js';

const handlers = new Map();
const stateListeners = new Set();
const latest = new Map();
const kpis = new Map();
let source = null;
let state = 'connecting';
let retryMs = 1000;
let everLive = false;
let scope = null;
export let inSnapshot = true;

export function onLive(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  return () => handlers.get(type).delete(fn);
}

export function latestValue(signalId) {
  return latest.get(signalId);
}

export function latestKpis(assetId) {
  return kpis.get(assetId);
}

export function liveState() {
  return state;
}

export function isReconnect() {
  return everLive;
}

export function onLiveState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

function emit(type, data) {
  const set = handlers.get(type);
  if (!set) return;
  for (const fn of [...set]) {
    try { fn(data); } catch (e) { console.error(e); }
  }
}

function setState(s) {
  state = s;
  for (const fn of [...stateListeners]) {
    try { fn(s); } catch (e) { console.error(e); }
  }
}

export function startLive(scopeAsset) {
  scope = scopeAsset || null;
  connect();
}

function connect() {
  setState('connecting');
  source = new EventSource(scope ? `api/live?asset=${encodeURIComponent(scope)}` : 'api/live');
  inSnapshot = true;
  source.addEventListener('value', (e) => {
    const v = JSON.parse(e.data);
    latest.set(v.signal, v);
    emit('value', v);
  });
  source.addEventListener('kpi', (e) => {
    const k = JSON.parse(e.data);
    for (const a of k.assets || []) kpis.set(a.asset, a);
    emit('kpi', k);
  });
  source.addEventListener('alarm', (e) => emit('alarm', JSON.parse(e.data)));
  // The server ends the stream when the session or token no longer holds (logout elsewhere, expiry, revocation).
  source.addEventListener('ended', () => { source.close(); toLogin(); });
  source.addEventListener('ready', () => {
    inSnapshot = false;
    const reconnect = everLive;
    everLive = true;
    retryMs = 1000;
    setState('live');
    emit('ready', { reconnect });
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      // EventSource hides the status: a 401 (session over) shows as a closed stream, so ask the server who we are.
      fetch('api/connections').then((r) => { if (r.status === 401) toLogin(); }).catch(() => {});
      source.close();
      setState('down');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    } else {
      setState('down');
    }
  });
}
