// Lathe dashboard: the plant tree from /api/assets, machine states and values live from /api/live (SSE).
// Everything from the server is inserted as text (never as HTML): asset and signal names come from devices.
import { machineState, displayUnit, formatValue, clockTime, summarize } from './format.js';
import { apiFetch, liveScope, loadMe, showUser, toLogin } from './auth.js';

const KEY_VALUES = 6; // values shown on a card before "More values"
const main = document.getElementById('plant');
const plantName = document.getElementById('plant-name');
const plantSummary = document.getElementById('plant-summary');
const conn = document.getElementById('conn');

/** signal id -> latest JSON from the API ({signal, timestamp, timestampMicros, value, quality}) */
const latest = new Map();
/** signal id -> {signal, machineId, valueEl, unitEl, rowEl} for every rendered value */
const valueViews = new Map();
/** machine id -> {asset, card, stateSignal, reasonSignal, state} */
const machines = new Map();
/** state or reason signal id -> machine id */
const machineBySignal = new Map();
/** signal ids still unknown after a tree reload (for example removed since): no further reloads for them */
const ignored = new Set();
/** asset id -> {el, line}: where the running shift's KPIs of that machine or line are shown */
const kpiViews = new Map();
/** line id -> element listing the shift's top downtime reasons */
const downtimeViews = new Map();
/** line views: {summaryEl, machineIds} */
let lines = [];

let source = null;
/** the one site a site-restricted user may stream, or null for the whole plant */
let liveAsset = null;
let retryMs = 1000;
let everLive = false;
let inSnapshot = true; // values before the 'ready' event are the snapshot: shown without a flash
let treeLoading = null;
let reloadTimer = null;

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- plant tree ----------------------------------------------------------------------------------------------

async function loadTree() {
  const res = await apiFetch('api/assets', { headers: { Accept: 'application/json' } });
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try { detail = (await res.json()).message || detail; } catch { /* not JSON */ }
    throw new Error(detail);
  }
  const tree = await res.json();
  liveAsset = liveScope(tree);
  renderTree(tree);
}

function loadTreeSafely() {
  if (treeLoading) return treeLoading;
  treeLoading = loadTree()
    .catch((e) => {
      if (machines.size === 0) showMessage(`Could not load the plant: ${e.message}. Retrying…`);
      scheduleTreeReload(5000);
    })
    .finally(() => { treeLoading = null; });
  return treeLoading;
}

/** A value for a signal the page does not know yet means the tree grew (a device announced itself). */
function scheduleTreeReload(delayMs = 2000) {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; loadTreeSafely(); }, delayMs);
}

function showMessage(text) {
  main.replaceChildren(el('p', 'message', text));
}

function renderTree(root) {
  valueViews.clear();
  machines.clear();
  machineBySignal.clear();
  lines = [];
  plantName.textContent = root.name;
  document.title = `Lathe · ${root.name}`;
  const frag = document.createDocumentFragment();
  if (root.children.length === 0) {
    frag.append(el('p', 'message',
      'No assets yet. Declare the plant in the configuration, or connect a Sparkplug device and it will appear here.'));
  }
  for (const child of root.children) renderNode(child, frag, 2);
  main.replaceChildren(frag);
  main.setAttribute('aria-busy', 'false');
  ignored.clear();
  for (const l of latest.values()) {
    if (!applyValue(l, false)) ignored.add(l.signal);
  }
  for (const id of machines.keys()) updateMachine(id, false);
  updateSummaries();
}

function renderNode(asset, parent, depth) {
  if (asset.level === 'line') { parent.append(renderLine(asset)); return; }
  if (asset.level === 'machine') { parent.append(renderMachine(asset)); return; }
  const section = el('section', `group level-${asset.level}`);
  const heading = el(`h${Math.min(depth, 6)}`, 'group-title', asset.name);
  heading.title = asset.description || asset.level;
  section.append(heading);
  if (asset.children.length === 0) section.append(el('p', 'empty', `No lines in this ${asset.level} yet.`));
  for (const c of asset.children) renderNode(c, section, depth + 1);
  parent.append(section);
}

function renderLine(line) {
  const section = el('section', 'line');
  section.setAttribute('aria-label', `Line ${line.name}`);
  const head = el('div', 'line-head');
  head.append(el('h4', 'line-title', line.name));
  const summaryEl = el('div', 'summary');
  head.append(summaryEl);
  section.append(head);
  const kpiEl = el('div', 'kpi-strip', 'Shift KPIs appear when the first data of this shift arrives.');
  const downEl = el('div', 'downtime');
  section.append(kpiEl, downEl);
  kpiViews.set(line.id, { el: kpiEl, line: true });
  downtimeViews.set(line.id, downEl);
  const grid = el('div', 'machines');
  const machineIds = [];
  for (const m of line.children) {
    if (m.level !== 'machine') continue;
    grid.append(renderMachine(m));
    machineIds.push(m.id);
  }
  if (machineIds.length === 0) grid.append(el('p', 'empty', 'No machines on this line yet.'));
  section.append(grid);
  lines.push({ summaryEl, machineIds });
  return section;
}

function renderMachine(m) {
  const card = el('article', 'machine state-unknown stale');
  card.tabIndex = 0;
  const band = el('div', 'state-band');
  const label = el('span', 'state-label', 'No data');
  const since = el('span', 'state-since');
  band.append(label, since);
  const name = el('h5', 'machine-name', m.name);
  if (m.description) name.title = m.description;
  card.append(band, name);
  const kpiEl = el('div', 'kpi-mini');
  card.append(kpiEl);
  kpiViews.set(m.id, { el: kpiEl, line: false });

  const reasonSignal = (m.signals.find((s) => /^reason/i.test(s.name)) || {}).id;
  const shown = m.signals.filter((s) => s.id !== m.stateSignal && s.id !== reasonSignal);
  const list = el('dl', 'values');
  const more = el('details', 'more');
  const moreList = el('dl', 'values');
  more.append(el('summary', null, `${Math.max(0, shown.length - KEY_VALUES)} more values`), moreList);
  shown.forEach((s, i) => {
    const row = el('div', 'kv');
    const dt = el('dt', null, s.name);
    if (s.description) dt.title = s.description;
    const dd = el('dd');
    const valueEl = el('span', 'v', '–');
    const unitEl = el('span', 'u', displayUnit(s.unit));
    const qualityEl = el('span', 'q');
    dd.append(valueEl, unitEl, qualityEl);
    row.append(dt, dd);
    (i < KEY_VALUES ? list : moreList).append(row);
    valueViews.set(s.id, { signal: s, machineId: m.id, valueEl, qualityEl, rowEl: row });
  });
  card.append(list);
  if (shown.length > KEY_VALUES) card.append(more);
  if (shown.length === 0 && !m.stateSignal) card.append(el('p', 'empty', 'No signals yet.'));
  machines.set(m.id, { asset: m, card, label, since, stateSignal: m.stateSignal, reasonSignal, state: null });
  if (m.stateSignal) machineBySignal.set(m.stateSignal, m.id);
  if (reasonSignal) machineBySignal.set(reasonSignal, m.id);
  return card;
}

// ---- live values ---------------------------------------------------------------------------------------------

/** Shows one value; false when the page has no place for its signal. */
function applyValue(l, animate) {
  latest.set(l.signal, l);
  const view = valueViews.get(l.signal);
  if (view) {
    const text = formatValue(l.value, view.signal.type);
    if (view.valueEl.textContent !== text) {
      view.valueEl.textContent = text;
      if (animate) flash(view.valueEl);
    }
    const bad = l.quality !== 'good';
    view.rowEl.classList.toggle('not-good', bad);
    view.qualityEl.textContent = bad ? ` ${l.quality}` : '';
    view.rowEl.title = `${view.signal.name}: ${text} ${displayUnit(view.signal.unit)} at ${new Date(l.timestamp).toLocaleString()} (${l.quality})`;
    return true;
  }
  const machineId = machineBySignal.get(l.signal);
  if (machineId) {
    if (animate || !inSnapshot) {
      updateMachine(machineId, animate);
      updateSummaries();
    }
    return true;
  }
  if (animate && !ignored.has(l.signal)) scheduleTreeReload();
  return false;
}

function updateMachine(id, animate) {
  const m = machines.get(id);
  if (!m.stateSignal) {
    m.label.textContent = 'Values only';
    m.card.className = 'machine state-none';
    m.card.setAttribute('aria-label', `${m.asset.name}: has no state signal`);
    return;
  }
  const l = m.stateSignal ? latest.get(m.stateSignal) : undefined;
  const st = machineState(l && l.value, l && l.quality);
  let text = st.label;
  if (st.stale && st.key !== 'unknown') text += ' · stale';
  const reason = m.reasonSignal ? latest.get(m.reasonSignal) : undefined;
  if (reason && st.key !== 'running' && st.key !== 'unknown' && reason.value) text += ` · reason ${reason.value}`;
  const changed = m.label.textContent !== text;
  m.label.textContent = text;
  m.since.textContent = l ? `since ${clockTime(l.timestamp)}` : '';
  m.card.className = `machine state-${st.key}${st.stale ? ' stale' : ''}`;
  m.card.setAttribute('aria-label', `${m.asset.name}: ${text}`);
  m.state = st.stale ? 'unknown' : st.key; // stale data is not counted as running (or anything else)
  if (changed && animate) flash(m.card);
}

function updateSummaries() {
  const all = [];
  for (const line of lines) {
    // Meters and controllers without a state signal are shown, but not counted as machines with a state.
    const keys = line.machineIds.filter((id) => machines.get(id).stateSignal)
      .map((id) => machines.get(id).state || 'unknown');
    all.push(...keys);
    renderSummary(line.summaryEl, keys, true);
  }
  renderSummary(plantSummary, all, false);
}

function renderSummary(target, keys, perLine) {
  const frag = document.createDocumentFragment();
  frag.append(el('span', 'summary-total', `${keys.length} machine${keys.length === 1 ? '' : 's'}`));
  for (const s of summarize(keys)) {
    if (!perLine && s.count === 0 && s.key !== 'fault') continue;
    const chip = el('span', `chip state-${s.key}${s.count === 0 ? ' zero' : ''}`, `${s.count} ${s.label.toLowerCase()}`);
    frag.append(chip);
  }
  target.replaceChildren(frag);
}

function flash(e) {
  e.classList.remove('flash');
  void e.offsetWidth; // restart the animation
  e.classList.add('flash');
}

// ---- KPIs (ISO 22400, running shift) ----------------------------------------------------------------------

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);
let shiftStart = null;

/** Short texts of the KPI warnings a reader must see next to the figures; the full message is the tooltip. */
const WARNING_TEXT = {
  effectiveness_above_100: (k) => `performance ${pct(k.effectiveness)}: above 100 %, check the ideal cycle time`,
  quality_ratio_out_of_range: (k) => `quality ${pct(k.qualityRatio)}: good and produced counts do not fit, check the counters`,
};

/**
 * Notices that go with an asset's shift figures: implausible figures with their likely cause, and the data-quality
 * events of the shift (counter or meter readings not counted as they came) with the count and the last cause.
 */
function kpiNotices(a) {
  const out = [];
  for (const w of a.kpis.warnings || []) {
    const text = WARNING_TEXT[w.code];
    if (!text) continue; // data_quality_events: shown below with the last cause
    const n = el('span', 'kpi-notice kpi-warning', `⚠ ${text(a.kpis)}`);
    n.title = w.message;
    out.push(n);
  }
  const dq = a.dataQuality;
  if (dq && dq.events > 0) {
    const n = el('a', 'kpi-notice kpi-dq', `⚠ ${dq.events} data-quality event${dq.events === 1 ? '' : 's'} this shift`);
    n.href = `api/data-quality?asset=${encodeURIComponent(a.asset)}&from=${encodeURIComponent(a.from)}`;
    if (dq.last) {
      n.append(el('span', 'kpi-dq-last', ` · last ${clockTime(dq.last.time)}: ${dq.last.kind} of ${dq.last.signal}, counted ${dq.last.counted}`));
      n.title = dq.last.cause;
    }
    out.push(n);
  }
  return out;
}

function applyKpis(msg) {
  for (const a of msg.assets) {
    const v = kpiViews.get(a.asset);
    if (!v) continue;
    const k = a.kpis;
    shiftStart = a.from;
    const notices = kpiNotices(a);
    if (v.line) {
      const energy = k.energyPerUnitKwh === null ? '–' : `${k.energyPerUnitKwh.toFixed(3)} kWh`;
      const co2 = k.co2ePerUnitKg === null ? '' : ` · ${(k.co2ePerUnitKg * 1000).toFixed(0)} g CO2e/part`;
      v.el.replaceChildren(
        el('span', 'kpi-oee', `OEE ${pct(k.oee)}`),
        el('span', 'kpi-apq', `availability ${pct(k.availability)} · performance ${pct(k.effectiveness)} · quality ${pct(k.qualityRatio)}`),
        el('span', 'kpi-more', `shift ${a.shift}: ${Math.round(k.producedQuantity || 0)} parts · ${energy}/part${co2} · ${k.microStops} micro-stops`),
        ...notices);
    } else {
      v.el.replaceChildren(
        el('span', null, `OEE ${pct(k.oee)} · A ${pct(k.availability)} · P ${pct(k.effectiveness)} · Q ${pct(k.qualityRatio)}`),
        ...notices);
    }
    v.el.classList.toggle('has-notice', notices.length > 0);
  }
}

async function refreshDowntime() {
  if (!shiftStart) return;
  for (const [lineId, target] of downtimeViews) {
    try {
      const r = await apiFetch(`api/downtime?asset=${encodeURIComponent(lineId)}&from=${encodeURIComponent(shiftStart)}`);
      if (!r.ok) continue;
      const d = await r.json();
      const top = (d.pareto || []).slice(0, 3);
      if (top.length === 0) { target.replaceChildren(el('span', 'down-none', 'No downtime this shift.')); continue; }
      const items = top.map((p) => el('span', 'down-item',
        `${p.reasonName || p.reasonCode || 'unassigned'} ${p.durationSeconds < 90 ? Math.round(p.durationSeconds) + ' s' : Math.round(p.durationSeconds / 60) + ' min'} (${p.count}×)`));
      target.replaceChildren(el('span', 'down-title', 'Top downtime this shift:'), ...items);
    } catch (e) { /* the connection indicator already tells the user */ }
  }
}
setInterval(refreshDowntime, 15000);
setTimeout(refreshDowntime, 3000);

// ---- connection ----------------------------------------------------------------------------------------------


function setConnection(state, text) {
  conn.className = `conn conn-${state}`;
  conn.querySelector('.conn-text').textContent = text;
  document.body.classList.toggle('offline', state === 'down');
}

function connect() {
  setConnection('connecting', everLive ? 'Reconnecting…' : 'Connecting…');
  source = new EventSource(liveAsset ? `api/live?asset=${encodeURIComponent(liveAsset)}` : 'api/live');
  inSnapshot = true;
  source.addEventListener('value', (e) => applyValue(JSON.parse(e.data), !inSnapshot));
  source.addEventListener('kpi', (e) => applyKpis(JSON.parse(e.data)));
  // The server ends the stream when the session or token no longer holds (logout elsewhere, expiry, revocation).
  source.addEventListener('ended', () => { source.close(); toLogin(); });
  source.addEventListener('ready', () => {
    inSnapshot = false;
    if (!everLive) {
      for (const id of machines.keys()) updateMachine(id, false);
      updateSummaries();
    }
    // After a reconnect the server may have restarted with a different plant: reload the tree.
    if (everLive) loadTreeSafely();
    everLive = true;
    retryMs = 1000;
    setConnection('live', 'Live');
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      // EventSource hides the status: a 401 (session over) shows as a closed stream, so ask the server who we are.
      // (a small read route: /api/auth/me is 401 for anonymous readers of an open demo too).
      fetch('api/connections').then((r) => { if (r.status === 401) toLogin(); }).catch(() => {});
      source.close();
      setConnection('down', 'Disconnected – retrying');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    } else {
      setConnection('down', 'Disconnected – reconnecting…');
    }
  });
}

loadMe().then((me) => showUser(me, document.querySelector('header.top'))).finally(() => loadTreeSafely().then(connect));
