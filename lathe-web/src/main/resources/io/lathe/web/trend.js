// Trends of a machine's signals: one canvas chart per numeric signal, all on one shared time axis that zooms and pans
// from a minute to a year. Every zoom or pan asks the store for buckets sized to the chart's pixel width
// (GET /api/signals/{id}/history?from&to&buckets=<width>&agg=m4: min, max, first and last per bucket; agg=min and agg=max
// on a server without m4), debounced, so one chart never draws
// more than ~2 points per pixel column whatever the range holds (a year of 1 Hz data is 31.5 million points).
// Drawing min..max per column joined by first/last (M4) shows every point's pixel exactly.
//
//   createTrends(signals) -> {el, destroy()}   signals: plant signals [{id, name, unit, type}] (text ones are skipped)
//
// Interaction: range buttons, zoom in/out, pan earlier/later, "now" (follow live); on a chart: drag to pan,
// Ctrl/⌘ + wheel (or pinch) to zoom around the pointer, keys ← → pan, + − zoom, Home back to now.
// Test hooks: the group (data-testid trend-group) carries data-from/data-to (ISO), data-buckets, data-requests (history
// requests sent so far) and data-state (loading|ready); each canvas is data-testid trend-chart with data-signal.
import { t, fmt, plantZone } from './i18n.js';
import { el } from './dom.js';
import { apiFetch } from './auth.js';
import { displayUnit } from './format.js';

const MIN_SPAN = 60_000; // one minute
const MAX_SPAN = 366 * 86_400_000; // a year (leap year included)
const DEBOUNCE_MS = 180;
const FOLLOW_MS = 15_000;
const PRESETS = [
  ['15m', 15 * 60_000], ['1h', 3_600_000], ['8h', 8 * 3_600_000], ['24h', 86_400_000],
  ['7d', 7 * 86_400_000], ['30d', 30 * 86_400_000], ['1y', 365 * 86_400_000],
];
const STEPS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400,
  14 * 86400, 30 * 86400, 91 * 86400, 182 * 86400].map((s) => s * 1000);

/** Offset of the plant's wall clock from UTC at ms (the browser's zone until the plant's is known). */
export function zoneOffsetMs(ms) {
  const z = plantZone();
  if (!z) return -new Date(ms).getTimezoneOffset() * 60_000;
  try {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: z, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  } catch { return 0; }
}

function niceStep(span, n) {
  const raw = span / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function tickLabel(ms, span) {
  if (span <= 2 * 86_400_000) return span <= 5 * 60_000 ? fmt.timeSeconds(ms) : fmt.time(ms);
  if (span <= 14 * 86_400_000) return fmt.shortDateTime(ms);
  return fmt.date(ms);
}

/** false once the server answered that it does not know agg=m4 (then min and max are asked for separately). */
let m4Supported = true;

async function fetchPoints(url, signal) {
  const res = await apiFetch(url, { headers: { Accept: 'application/json' }, signal });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) return { ok: false, status: res.status, message: (body && body.message) || `HTTP ${res.status}` };
  return { ok: true, points: (body && body.points) || [] };
}

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function createTrends(signals) {
  const numeric = signals.filter((s) => s.type !== 'text');
  const now = Date.now();
  const state = { from: now - 3_600_000, to: now, follow: true, requests: 0, charts: [] };
  let timer = null;
  let followTimer = null;
  let destroyed = false;

  const group = el('section', { class: 'panel trends', 'aria-labelledby': 'trends-title', testid: 'trend-group' });
  const rangeText = el('span', { class: 'trend-range', 'aria-live': 'polite', testid: 'trend-range' });
  const btn = (testid, label, title, fn, extra = {}) => el('button', {
    type: 'button', class: 'btn btn-small', testid, title, 'aria-label': title, on: { click: fn }, ...extra,
  }, label);
  const presetButtons = PRESETS.map(([key, span]) => btn(`trend-range-${key}`, t(`machine.trend.preset.${key}`),
    t('machine.trend.presetTitle', { range: t(`machine.trend.preset.${key}`) }), () => setRange(Date.now() - span, Date.now(), true)));
  const nowButton = btn('trend-now', t('machine.trend.now'), t('machine.trend.nowTitle'),
    () => setRange(Date.now() - (state.to - state.from), Date.now(), true), { 'aria-pressed': 'true' });
  const toolbar = el('div', { class: 'trend-toolbar', role: 'toolbar', 'aria-label': t('machine.trend.toolbar') },
    el('div', { class: 'btn-group' }, ...presetButtons),
    el('div', { class: 'btn-group' },
      btn('trend-pan-left', '◀', t('machine.trend.panLeft'), () => pan(-0.5)),
      btn('trend-zoom-out', '−', t('machine.trend.zoomOut'), () => zoom(2)),
      btn('trend-zoom-in', '+', t('machine.trend.zoomIn'), () => zoom(0.5)),
      btn('trend-pan-right', '▶', t('machine.trend.panRight'), () => pan(0.5)),
      nowButton),
    rangeText);
  group.append(
    el('div', { class: 'panel-head' }, el('h2', { id: 'trends-title' }, t('machine.trend.title')),
      el('p', { class: 'hint' }, t('machine.trend.hint'))),
    toolbar);

  if (numeric.length === 0) {
    group.append(el('p', { class: 'empty' }, t('machine.trend.noSignals')));
    return { el: group, destroy() {} };
  }

  const list = el('div', { class: 'trend-list' });
  group.append(list);
  const observer = 'IntersectionObserver' in window ? new IntersectionObserver((entries) => {
    for (const e of entries) {
      const c = state.charts.find((x) => x.box === e.target);
      if (!c) continue;
      c.visible = e.isIntersecting;
      if (c.visible && c.wantKey !== key()) load(c);
    }
  }, { rootMargin: '1200px 0px' }) : null;

  for (const s of numeric) {
    const c = makeChart(s);
    state.charts.push(c);
    list.append(c.box);
    if (observer) observer.observe(c.box); else c.visible = true;
  }
  const resizeObserver = 'ResizeObserver' in window ? new ResizeObserver(() => {
    for (const c of state.charts) draw(c);
    schedule();
  }) : null;
  if (resizeObserver) resizeObserver.observe(list);

  function key() {
    return `${state.from}|${state.to}`;
  }

  function showRange() {
    group.dataset.from = new Date(state.from).toISOString();
    group.dataset.to = new Date(state.to).toISOString();
    group.dataset.requests = String(state.requests);
    const long = state.to - state.from > 20 * 86_400_000;
    rangeText.textContent = t('machine.trend.rangeText', {
      from: long ? fmt.dateTime(state.from) : fmt.shortDateTime(state.from), to: long ? fmt.dateTime(state.to) : fmt.shortDateTime(state.to),
      span: fmt.duration((state.to - state.from) / 1000),
    });
    nowButton.setAttribute('aria-pressed', String(state.follow));
  }

  function setRange(from, to, follow = false) {
    let span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, to - from));
    const mid = (from + to) / 2;
    let f = mid - span / 2;
    let e = mid + span / 2;
    const limit = Date.now() + 60_000;
    if (e > limit) { e = limit; f = e - span; }
    state.from = Math.round(f);
    state.to = Math.round(e);
    state.follow = follow || state.to >= Date.now() - 5_000;
    showRange();
    for (const c of state.charts) draw(c);
    schedule();
  }

  function zoom(factor, anchor) {
    const a = anchor === undefined ? (state.follow ? state.to : (state.from + state.to) / 2) : anchor;
    const span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, (state.to - state.from) * factor));
    const ratio = (a - state.from) / (state.to - state.from);
    setRange(a - span * ratio, a - span * ratio + span, state.follow && factor < 1 && anchor === undefined);
  }

  function pan(fraction) {
    const d = (state.to - state.from) * fraction;
    setRange(state.from + d, state.to + d);
  }

  function schedule() {
    clearTimeout(timer);
    group.dataset.state = 'loading';
    timer = setTimeout(() => {
      for (const c of state.charts) if (c.visible) load(c);
      settle();
    }, DEBOUNCE_MS);
  }

  function settle() {
    const busy = state.charts.some((c) => c.pending);
    group.dataset.state = busy ? 'loading' : 'ready';
  }

  function plotWidth(c) {
    return Math.max(10, Math.floor(c.canvas.clientWidth || c.box.clientWidth || 600) - 56);
  }

  async function load(c) {
    const k = key();
    c.wantKey = k;
    if (c.abort) c.abort.abort();
    const abort = new AbortController();
    c.abort = abort;
    c.pending = true;
    c.box.classList.add('loading');
    const from = state.from;
    const to = state.to;
    const buckets = Math.min(10_000, plotWidth(c));
    group.dataset.buckets = String(buckets);
    const base = `api/signals/${encodeURIComponent(c.signal.id)}/history?from=${encodeURIComponent(new Date(from).toISOString())}`
      + `&to=${encodeURIComponent(new Date(to).toISOString())}&buckets=${buckets}`;
    const started = performance.now();
    try {
      let rows = null;
      if (m4Supported) {
        state.requests += 1;
        group.dataset.requests = String(state.requests);
        const r = await fetchPoints(`${base}&agg=m4`, abort.signal);
        if (r.ok) rows = r.points.map((p) => [p.tMicros, p.min, p.max, p.first, p.last]);
        else if (r.status === 400 && /agg/.test(r.message)) m4Supported = false; // an older server: two requests
        else throw new Error(r.message);
      }
      if (!rows) {
        state.requests += 2;
        group.dataset.requests = String(state.requests);
        const [lo, hi] = await Promise.all(['min', 'max'].map((agg) => fetchPoints(`${base}&agg=${agg}`, abort.signal)));
        for (const r of [lo, hi]) if (!r.ok) throw new Error(r.message);
        const hiByT = new Map(hi.points.map((p) => [p.tMicros, p.v]));
        rows = lo.points.map((p) => [p.tMicros, p.v, hiByT.get(p.tMicros), p.v, hiByT.get(p.tMicros)]);
      }
      if (destroyed || c.abort !== abort) return;
      const n = rows.length;
      const ts = new Float64Array(n);
      const mn = new Float64Array(n);
      const mx = new Float64Array(n);
      const fi = new Float64Array(n);
      const la = new Float64Array(n);
      const num = (v) => (typeof v === 'boolean' ? Number(v) : v);
      let m = 0;
      for (const [tm, a0, b0, f0, l0] of rows) {
        const a = num(a0);
        if (a === null || a === undefined) continue;
        const b = num(b0) ?? a;
        ts[m] = tm / 1000;
        mn[m] = a;
        mx[m] = b;
        fi[m] = num(f0) ?? a;
        la[m] = num(l0) ?? b;
        m++;
      }
      c.data = { from, to, buckets, t: ts.subarray(0, m), min: mn.subarray(0, m), max: mx.subarray(0, m), first: fi.subarray(0, m), last: la.subarray(0, m), ms: performance.now() - started };
      group.dataset.lastMs = String(Math.round(c.data.ms));
      c.error = null;
    } catch (e) {
      if (e.name === 'AbortError' || destroyed) return;
      c.error = e.message;
      c.data = null;
    } finally {
      if (c.abort === abort) {
        c.pending = false;
        c.abort = null;
        c.box.classList.remove('loading');
      }
    }
    draw(c);
    settle();
  }

  function makeChart(s) {
    const unit = displayUnit(s.unit);
    const canvas = el('canvas', {
      class: 'trend-canvas', tabindex: '0', role: 'img', testid: 'trend-chart', 'data-signal': s.id,
      'aria-label': t('machine.trend.chartLabel', { name: s.name }),
    });
    const readout = el('span', { class: 'trend-readout', 'aria-live': 'off' });
    const tip = el('div', { class: 'trend-tip', hidden: true, 'aria-hidden': 'true' });
    const status = el('span', { class: 'trend-status' });
    const box = el('figure', { class: 'trend' },
      el('figcaption', {}, el('span', { class: 'trend-name' }, s.name), unit ? el('span', { class: 'trend-unit' }, unit) : null, readout, status),
      el('div', { class: 'trend-plot' }, canvas, tip));
    const c = { signal: s, unit, canvas, readout, tip, status, box, data: null, visible: false, wantKey: null, pending: false, abort: null, hover: null };

    let drag = null;
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, from: state.from, to: state.to, moved: false };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      const r = canvas.getBoundingClientRect();
      if (drag) {
        const dx = e.clientX - drag.x;
        if (Math.abs(dx) > 2) drag.moved = true;
        if (drag.moved) {
          const dt = (dx / plotWidth(c)) * (drag.to - drag.from);
          setRange(drag.from - dt, drag.to - dt);
        }
      }
      c.hover = e.clientX - r.left;
      draw(c);
    });
    const endDrag = () => { drag = null; };
    canvas.addEventListener('pointerup', endDrag);
    canvas.addEventListener('pointercancel', endDrag);
    canvas.addEventListener('pointerleave', () => { c.hover = null; draw(c); });
    canvas.addEventListener('wheel', (e) => {
      if (!e.ctrlKey && !e.metaKey) return; // plain wheel scrolls the page
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      const x = Math.min(Math.max(0, e.clientX - r.left - 48), plotWidth(c));
      zoom(e.deltaY > 0 ? 1.5 : 1 / 1.5, state.from + (x / plotWidth(c)) * (state.to - state.from));
    }, { passive: false });
    canvas.addEventListener('keydown', (e) => {
      const k = e.key;
      if (k === 'ArrowLeft') pan(-0.25);
      else if (k === 'ArrowRight') pan(0.25);
      else if (k === '+' || k === '=') zoom(0.5);
      else if (k === '-' || k === '_') zoom(2);
      else if (k === 'Home') setRange(Date.now() - (state.to - state.from), Date.now(), true);
      else return;
      e.preventDefault();
    });
    return c;
  }

  function draw(c) {
    const canvas = c.canvas;
    const w = Math.floor(canvas.clientWidth);
    const h = Math.floor(canvas.clientHeight);
    if (!w || !h) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 48;
    const top = 6;
    const bottom = 20;
    const pw = w - left - 8;
    const ph = h - top - bottom;
    const ink = cssVar('--muted', '#4b5563');
    const grid = cssVar('--line', '#cfd6de');
    const lineColor = cssVar('--trend', '#1d4ed8');
    g.font = '12px system-ui, sans-serif';
    const span = state.to - state.from;
    const X = (ms) => left + ((ms - state.from) / span) * pw;

    // Visible points decide the value axis.
    const d = c.data;
    let lo = Infinity;
    let hi = -Infinity;
    let first = 0;
    let last = -1;
    if (d && d.t.length) {
      const bw = (d.to - d.from) / d.buckets;
      for (let i = 0; i < d.t.length; i++) {
        const tm = d.t[i] + bw / 2;
        if (tm < state.from || tm > state.to) continue;
        if (last < 0) first = i;
        last = i;
        if (d.min[i] < lo) lo = d.min[i];
        if (d.max[i] > hi) hi = d.max[i];
      }
    }
    const has = last >= first && last >= 0;
    if (!has) { lo = 0; hi = 1; }
    if (lo === hi) { const pad = Math.abs(lo) * 0.05 || 1; lo -= pad; hi += pad; }
    const vpad = (hi - lo) * 0.06;
    lo -= vpad; hi += vpad;
    const Y = (v) => top + ph - ((v - lo) / (hi - lo)) * ph;

    // Grid and value ticks.
    g.strokeStyle = grid;
    g.lineWidth = 1;
    g.fillStyle = ink;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const vstep = niceStep(hi - lo, Math.max(2, Math.floor(ph / 28)));
    let vdigits = 0; // as many decimals as the tick step has (2.5 -> 1, 0.25 -> 2)
    while (vdigits < 3 && Math.abs(Math.round(vstep * 10 ** vdigits) - vstep * 10 ** vdigits) > 1e-6) vdigits++;
    for (let v = Math.ceil(lo / vstep) * vstep; v <= hi; v += vstep) {
      const y = Math.round(Y(v)) + 0.5;
      g.beginPath(); g.moveTo(left, y); g.lineTo(left + pw, y); g.stroke();
      g.fillText(fmt.number(Math.abs(v) < vstep / 1e6 ? 0 : v, vdigits), left - 4, y);
    }
    // Time ticks, aligned to the plant's wall clock.
    const step = STEPS.find((s) => s >= span / Math.max(2, pw / 110)) || STEPS[STEPS.length - 1];
    const off = zoneOffsetMs(state.from);
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const ticks = [];
    if (step >= 28 * 86_400_000) {
      // Months: ticks on the first of a month (1, 3 or 6 months apart) rather than every 91 days.
      const months = step >= 182 * 86_400_000 ? 6 : step >= 91 * 86_400_000 ? 3 : 1;
      const d0 = new Date(state.from + off);
      let y = d0.getUTCFullYear();
      let m = Math.ceil((d0.getUTCMonth() + (d0.getUTCDate() > 1 ? 1 : 0)) / months) * months;
      for (let k = 0; k < 40; k++, m += months) {
        const tm = Date.UTC(y + Math.floor(m / 12), m % 12, 1) - off;
        if (tm > state.to) break;
        if (tm >= state.from) ticks.push(tm);
      }
    } else {
      for (let tm = Math.ceil((state.from + off) / step) * step - off; tm <= state.to; tm += step) ticks.push(tm);
    }
    for (const tm of ticks) {
      const x = Math.round(X(tm)) + 0.5;
      g.beginPath(); g.moveTo(x, top); g.lineTo(x, top + ph); g.stroke();
      g.fillText(tickLabel(tm, span), Math.min(Math.max(x, left + 20), left + pw - 20), top + ph + 4);
    }

    // Data: per bucket a vertical stroke from min to max, joined to the next; a gap longer than 3 buckets breaks the line.
    if (has) {
      const bw = (d.to - d.from) / d.buckets;
      g.save();
      g.beginPath();
      g.rect(left, top, pw, ph);
      g.clip();
      g.strokeStyle = lineColor;
      g.lineWidth = 1.5;
      g.beginPath();
      let prevT = null;
      for (let i = Math.max(0, first - 1); i <= Math.min(d.t.length - 1, last + 1); i++) {
        // M4: join the previous column's last value to this column's first, draw min..max, continue from last.
        const x = X(d.t[i] + bw / 2);
        if (prevT === null || d.t[i] - prevT > 3 * bw) g.moveTo(x, Y(d.first[i])); else g.lineTo(x, Y(d.first[i]));
        if (Y(d.min[i]) - Y(d.max[i]) >= 0.5) { g.moveTo(x, Y(d.max[i])); g.lineTo(x, Y(d.min[i])); }
        g.moveTo(x, Y(d.last[i]));
        prevT = d.t[i];
      }
      g.stroke();
      if (last - first < 40) {
        g.fillStyle = lineColor;
        for (let i = first; i <= last; i++) g.fillRect(X(d.t[i] + bw / 2) - 1.5, Y(d.max[i]) - 1.5, 3, 3);
      }
      g.restore();
    }

    // Status text and the value at the pointer.
    if (!d && !c.error) c.status.textContent = c.pending ? t('machine.trend.loading') : '';
    else if (c.error) c.status.textContent = t('machine.trend.error', { message: c.error });
    else if (!has) c.status.textContent = t('machine.trend.noData');
    else c.status.textContent = '';
    c.status.classList.toggle('error', Boolean(c.error));
    if (has) {
      c.readout.textContent = t('machine.trend.minMax', { min: fmt.number(d.min.slice(first, last + 1).reduce((a, b) => Math.min(a, b), Infinity)),
        max: fmt.number(d.max.slice(first, last + 1).reduce((a, b) => Math.max(a, b), -Infinity)) });
      c.canvas.setAttribute('aria-label', t('machine.trend.chartSummary', {
        name: c.signal.name, from: fmt.shortDateTime(state.from), to: fmt.shortDateTime(state.to), min: fmt.number(lo + vpad),
        max: fmt.number(hi - vpad), last: fmt.number(d.max[last]), unit: c.unit,
      }));
    } else c.readout.textContent = '';

    if (c.hover !== null && has && c.hover >= left && c.hover <= left + pw) {
      const tm = state.from + ((c.hover - left) / pw) * span;
      const bw = (d.to - d.from) / d.buckets;
      let lo2 = 0;
      let hi2 = d.t.length - 1;
      while (lo2 < hi2) { const mid = (lo2 + hi2) >> 1; if (d.t[mid] + bw / 2 < tm) lo2 = mid + 1; else hi2 = mid; }
      let i = lo2;
      if (i > 0 && Math.abs(d.t[i - 1] + bw / 2 - tm) < Math.abs(d.t[i] + bw / 2 - tm)) i--;
      const x = X(d.t[i] + bw / 2);
      g.strokeStyle = ink;
      g.setLineDash([3, 3]);
      g.beginPath(); g.moveTo(x, top); g.lineTo(x, top + ph); g.stroke();
      g.setLineDash([]);
      const v = d.min[i] === d.max[i] ? fmt.number(d.min[i]) : `${fmt.number(d.min[i])} … ${fmt.number(d.max[i])}`;
      c.tip.textContent = `${bw > 1000 ? fmt.shortDateTime(d.t[i]) : fmt.timeSeconds(d.t[i])}  ${v}${c.unit ? ` ${c.unit}` : ''}`;
      c.tip.hidden = false;
      c.tip.style.left = `${Math.min(Math.max(0, x - 60), w - 160)}px`;
    } else c.tip.hidden = true;
  }

  // Following the newest values reloads as often as one pixel column fills (a year: every ~17 h), at most every 15 s.
  let lastFollow = Date.now();
  function followTick() {
    if (destroyed) return;
    const span = state.to - state.from;
    if (state.follow && !document.hidden && Date.now() - lastFollow >= Math.max(FOLLOW_MS, span / 500) - 500) {
      lastFollow = Date.now();
      const end = Date.now();
      state.from = end - span;
      state.to = end;
      showRange();
      for (const c of state.charts) if (c.visible) load(c);
    }
  }
  followTimer = setInterval(followTick, FOLLOW_MS);
  showRange();
  requestAnimationFrame(() => schedule());

  return {
    el: group,
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      clearInterval(followTimer);
      if (observer) observer.disconnect();
      if (resizeObserver) resizeObserver.disconnect();
      for (const c of state.charts) if (c.abort) c.abort.abort();
    },
  };
}
