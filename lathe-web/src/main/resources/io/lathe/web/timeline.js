// State timeline (Gantt bar) of one machine over a period: each state is a colour AND a pattern AND a label with its
// shape, so it reads without colour; stops carry their downtime reason (GET /api/downtime) on hover and keyboard focus.
//
//   await loadTimeline(machine, from, to, {downtime}) -> {segments, stops, ...}   (ms times; state history + downtime;
//                                        downtime:false for a machine without a KPI definition)
//   renderTimeline({segments, from, to}) -> element (data-testid state-timeline; segments state-segment)
import { t, fmt } from './i18n.js';
import { el, getJson } from './dom.js';
import { machineState } from './format.js';
import { zoneOffsetMs } from './trend.js';

const ICONS = { running: '▶', fault: '✖', blocked: '■', starved: '◇', idle: '❚❚', 'planned-stop': '◷', unknown: '?' };
export const TIMELINE_STATES = ['running', 'fault', 'blocked', 'starved', 'idle', 'planned-stop', 'unknown'];

function iso(ms) {
  return encodeURIComponent(new Date(ms).toISOString());
}

/** State changes of the machine in [from, to), with the state in force at from (looked up to a day earlier). */
async function stateHistory(signalId, from, to) {
  const url = (f) => `api/signals/${encodeURIComponent(signalId)}/history?from=${iso(f)}&to=${iso(to)}`;
  let r = await getJson(url(from - 86_400_000));
  if (!r.ok && r.status === 400) r = await getJson(url(from));
  if (!r.ok) return { points: [], error: r.message, status: r.status };
  return { points: (r.data.points || []).map((p) => ({ t: p.tMicros / 1000, v: p.v })) };
}

export async function loadTimeline(machine, from, to, { downtime = true } = {}) {
  const stateSignal = (machine.signals || []).find((s) => /^state$/i.test(s.name)) || (machine.signals || []).find((s) => /state/i.test(s.name));
  const [hist, down] = await Promise.all([
    stateSignal ? stateHistory(stateSignal.id, from, to) : Promise.resolve({ points: [], error: null, missing: true }),
    downtime ? getJson(`api/downtime?asset=${encodeURIComponent(machine.id)}&from=${iso(from)}&to=${iso(to)}`)
      : Promise.resolve({ ok: false, status: 404, message: 'no KPI definition' }),
  ]);
  const stops = down.ok && down.data ? (down.data.events || []) : [];
  const segments = [];
  let cur = { key: 'unknown', raw: '', start: from };
  for (const p of hist.points) {
    const k = machineState(p.v, 'good').key;
    if (p.t <= from) { cur = { key: k, raw: String(p.v), start: from }; continue; }
    if (p.t >= to) break;
    if (k === cur.key) continue;
    if (p.t > cur.start) segments.push({ ...cur, end: p.t });
    cur = { key: k, raw: String(p.v), start: p.t };
  }
  if (to > cur.start) segments.push({ ...cur, end: to });
  for (const s of segments) {
    if (s.key === 'running' || s.key === 'unknown') continue;
    const stop = stops.find((x) => {
      const a = Date.parse(x.start);
      const b = x.end ? Date.parse(x.end) : Infinity;
      return a < s.end && b > s.start;
    });
    if (stop) s.stop = stop;
  }
  return {
    segments, stops, noStateSignal: !stateSignal, historyError: hist.error || null,
    downtimeError: down.ok ? null : { status: down.status, message: down.message },
  };
}

function describe(s) {
  const endText = s.end - s.start < 86_400_000 && fmt.date(s.start) === fmt.date(s.end) ? fmt.time(s.end) : fmt.shortDateTime(s.end);
  const parts = [t(`common.state.${s.key}`), `${fmt.shortDateTime(s.start)}–${endText}`, fmt.duration((s.end - s.start) / 1000)];
  if (s.stop) {
    parts.push(s.stop.reasonName || s.stop.reasonCode
      ? t('machine.timeline.reason', { code: s.stop.reasonCode || '', name: s.stop.reasonName || '' })
      : t('machine.timeline.noReason'));
    if (s.stop.category) parts.push(t('machine.timeline.category', { category: s.stop.category }));
    if (s.stop.operatorSet) parts.push(t('machine.timeline.operatorSet'));
    if (s.stop.comment) parts.push(`“${s.stop.comment}”`);
  }
  return parts;
}

export function legend() {
  return el('ul', { class: 'state-legend', 'aria-label': t('machine.timeline.legend') },
    ...TIMELINE_STATES.map((k) => el('li', {},
      el('span', { class: `tl-swatch tl-${k}`, 'aria-hidden': 'true' }, ICONS[k]), t(`common.state.${k}`))));
}

export function renderTimeline({ segments, from, to }) {
  const span = to - from;
  const box = el('div', { class: 'timeline', testid: 'state-timeline' });
  const bar = el('div', { class: 'tl-bar', role: 'list', 'aria-label': t('machine.timeline.barLabel', { from: fmt.shortDateTime(from), to: fmt.shortDateTime(to) }) });
  const tip = el('div', { class: 'tl-tip', role: 'tooltip', id: `tl-tip-${Math.random().toString(36).slice(2)}`, hidden: true });
  const show = (seg, node) => {
    tip.replaceChildren(...describe(seg).map((line, i) => el(i === 0 ? 'strong' : 'div', {}, line)));
    tip.hidden = false;
    const left = (node.offsetLeft + node.offsetWidth / 2) / Math.max(1, bar.clientWidth);
    tip.style.left = `${Math.min(80, Math.max(0, left * 100 - 10))}%`;
  };
  const hide = () => { tip.hidden = true; };
  segments.forEach((s, i) => {
    const left = ((s.start - from) / span) * 100;
    const width = Math.max(0.15, ((s.end - s.start) / span) * 100);
    const seg = el('div', {
      class: `tl-seg tl-${s.key}`, role: 'listitem', testid: 'state-segment', 'data-state': s.key,
      tabindex: s.key === 'running' ? '-1' : '0', 'aria-label': describe(s).join(', '), 'aria-describedby': tip.id,
      style: `left:${left}%;width:${width}%`,
    }, el('span', { class: 'tl-label', 'aria-hidden': 'true' }, `${ICONS[s.key] || '?'} ${t(`common.state.${s.key}`)}`));
    seg.addEventListener('mouseenter', () => show(s, seg));
    seg.addEventListener('focus', () => show(s, seg));
    seg.addEventListener('mouseleave', hide);
    seg.addEventListener('blur', hide);
    seg.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(); });
    seg.dataset.index = String(i);
    bar.append(seg);
  });
  const axis = el('div', { class: 'tl-axis', 'aria-hidden': 'true' });
  const hours = span / 3_600_000;
  const step = ([0.25, 0.5, 1, 2, 3, 4, 6, 12, 24, 48, 72, 168].find((h) => hours / h <= 8) || 336) * 3_600_000;
  const off = zoneOffsetMs(from); // ticks on the plant's wall clock (shifts start at 06:00 there)
  for (let tm = Math.ceil((from + off) / step) * step - off; tm <= to; tm += step) {
    axis.append(el('span', { style: `left:${((tm - from) / span) * 100}%` }, hours > 36 ? fmt.shortDateTime(tm) : fmt.time(tm)));
  }
  box.append(bar, axis, tip);
  return box;
}
