// Overview (#/): "what is wrong now" at the top, then plant -> site -> area -> line with machine cards and the running
// shift's KPIs, all live from /api/live. Cards open the machine detail (#/machine/<id>), lines their report.
import { t, fmt } from '../i18n.js';
import { el, getJson, stateIcon, secondsBetween, apiHas } from '../dom.js';
import { href, setTitle } from '../router.js';
import { onLive, latestValue, latestKpis, inSnapshot } from '../live.js';
import { loadPlant, reasonSignalOf, kpiSites } from '../plant.js';
import { machineState, displayUnit, STATES } from '../format.js';

const KEY_VALUES = 6; // values shown on a card before "More values"
const PRIORITY_ORDER = ['urgent', 'high', 'medium', 'low'];

export default async function render(container) {
  setTitle(t('overview.title'));
  container.append(el('p', { class: 'message', text: t('overview.loading'), 'aria-busy': 'true' }));
  let tree;
  try {
    tree = await loadPlant();
  } catch (e) {
    container.replaceChildren(el('p', { class: 'message error', role: 'alert', text: t('overview.loadFailed', { message: e.message }) }));
    const retry = setTimeout(() => { location.reload(); }, 10000);
    return () => clearTimeout(retry);
  }
  // Lines with a KPI definition (kpi.machines): only those get shift figures, downtime and a report.
  const kpiLines = new Set((await kpiSites()).flatMap((s) => (s.machines || []).map((m) => m.line)).filter(Boolean));
  return new Overview(container, tree, kpiLines).cleanup;
}

class Overview {
  constructor(container, tree, kpiLines) {
    this.kpiLines = kpiLines;
    this.valueViews = new Map(); // signal id -> {signal, valueEl, qualityEl, rowEl}
    this.machines = new Map(); // machine id -> {asset, card, label, since, icon, stateSignal, reasonSignal, state}
    this.machineBySignal = new Map();
    this.kpiViews = new Map(); // asset id -> {el, line}
    this.lines = []; // {id, name, summaryEl, downEl, machineIds}
    this.ongoing = new Map(); // machine id -> ongoing stop (from /api/downtime)
    this.timers = [];
    this.unsubs = [];
    this.container = container;
    setTitle(tree.name);

    const wrong = el('section', { class: 'wrong-now', 'aria-labelledby': 'wrong-title', testid: 'wrong-now' });
    this.plantSummary = el('div', { class: 'summary plant-summary', testid: 'plant-summary', 'aria-live': 'polite' });
    this.wrongList = el('div', { class: 'wrong-list' });
    wrong.append(el('div', 'wrong-head', el('h2', { id: 'wrong-title', text: t('overview.wrongNow') }), this.plantSummary), this.wrongList);

    const frag = document.createDocumentFragment();
    frag.append(wrong);
    if (tree.children.length === 0) frag.append(el('p', { class: 'message', text: t('overview.noAssets') }));
    for (const child of tree.children) this.renderNode(child, frag, 2);
    container.replaceChildren(frag);

    for (const id of this.machines.keys()) this.updateMachine(id, false);
    this.updateSummaries();
    for (const m of this.kpiViews.keys()) {
      const k = latestKpis(m);
      if (k) this.applyKpiEntry(k);
    }

    this.unsubs.push(onLive('value', (v) => this.applyValue(v, !inSnapshot)));
    this.unsubs.push(onLive('kpi', (k) => { for (const a of k.assets || []) this.applyKpiEntry(a); }));
    this.unsubs.push(onLive('alarm', () => this.scheduleWrong()));
    this.unsubs.push(onLive('ready', (r) => { if (r.reconnect) loadPlant(true).catch(() => {}); }));
    this.applyValueSnapshot();
    this.refreshDowntime();
    this.refreshWrong();
    this.timers.push(setInterval(() => this.refreshDowntime(), 15000));
    this.timers.push(setInterval(() => this.refreshWrong(), 20000));
    this.timers.push(setInterval(() => this.renderWrong(), 30000)); // "stopped for" grows
    this.cleanup = () => {
      this.timers.forEach(clearInterval);
      this.unsubs.forEach((u) => u());
      clearTimeout(this.wrongTimer);
    };
  }

  applyValueSnapshot() {
    for (const id of this.valueViews.keys()) {
      const l = latestValue(id);
      if (l) this.applyValue(l, false);
    }
  }

  // ---- plant tree ----

  renderNode(asset, parent, depth) {
    if (asset.level === 'line') { parent.append(this.renderLine(asset)); return; }
    if (asset.level === 'machine') { parent.append(this.renderMachine(asset)); return; }
    const section = el('section', `group level-${asset.level}`);
    const heading = el(`h${Math.min(depth + 1, 6)}`, { class: 'group-title', text: asset.name, title: asset.description || null });
    section.append(heading);
    if (asset.children.length === 0) section.append(el('p', { class: 'empty', text: t('overview.noLinesIn', { name: asset.name }) }));
    for (const c of asset.children) this.renderNode(c, section, depth + 1);
    parent.append(section);
  }

  renderLine(line) {
    const section = el('section', { class: 'line', 'aria-label': t('overview.lineLabel', { name: line.name }), testid: 'line', 'data-line': line.id });
    const head = el('div', 'line-head');
    const summaryEl = el('div', 'summary');
    const hasKpi = this.kpiLines.has(line.id);
    const report = hasKpi && el('a', { class: 'button-link', href: href(`/line/${encodeURIComponent(line.id)}/report`), testid: 'line-report-link' },
      el('span', { 'aria-hidden': 'true', text: '▤ ' }), t('overview.report'));
    head.append(el('h4', { class: 'line-title', text: line.name }), summaryEl, report);
    section.append(head);
    const kpiEl = el('div', { class: 'kpi-strip', testid: 'line-kpi', text: t(hasKpi ? 'overview.kpiWaiting' : 'overview.noKpiDefinition') });
    const downEl = el('div', 'downtime');
    section.append(kpiEl, downEl);
    if (hasKpi) this.kpiViews.set(line.id, { el: kpiEl, line: true });
    const grid = el('div', 'machines');
    const machineIds = [];
    for (const m of line.children) {
      if (m.level !== 'machine') continue;
      grid.append(this.renderMachine(m));
      machineIds.push(m.id);
    }
    if (machineIds.length === 0) grid.append(el('p', { class: 'empty', text: t('overview.noMachines') }));
    section.append(grid);
    this.lines.push({ id: line.id, name: line.name, summaryEl, downEl, machineIds, hasKpi });
    return section;
  }

  renderMachine(m) {
    const card = el('article', { class: 'machine state-unknown stale', testid: 'machine-card', 'data-machine': m.id });
    const icon = el('span', { class: 'state-icon', 'aria-hidden': 'true' });
    const label = el('span', { class: 'state-label', text: t('common.state.unknown') });
    const since = el('span', 'state-since');
    const band = el('div', 'state-band', el('span', 'state-main', icon, label), since);
    const link = el('a', { href: href(`/machine/${encodeURIComponent(m.id)}`), testid: 'machine-link', text: m.name, title: m.description || null });
    card.append(band, el('h5', 'machine-name', link));
    // The whole card opens the detail; the link is the keyboard's (and screen reader's) way in.
    card.addEventListener('click', (e) => {
      if (e.target.closest('a, details, button')) return;
      link.click();
    });
    const kpiEl = el('div', 'kpi-mini');
    card.append(kpiEl);
    this.kpiViews.set(m.id, { el: kpiEl, line: false });

    const reasonSignal = reasonSignalOf(m);
    const shown = m.signals.filter((s) => s.id !== m.stateSignal && s.id !== reasonSignal);
    const list = el('dl', 'values');
    const moreList = el('dl', 'values');
    const more = el('details', 'more', el('summary', { text: t('overview.moreValues', { count: Math.max(0, shown.length - KEY_VALUES) }) }), moreList);
    shown.forEach((s, i) => {
      const valueEl = el('span', { class: 'v', text: '–' });
      const qualityEl = el('span', 'q');
      const dd = el('dd', null, valueEl, el('span', { class: 'u', text: displayUnit(s.unit) }), qualityEl);
      const row = el('div', 'kv', el('dt', { text: s.name, title: s.description || null }), dd);
      (i < KEY_VALUES ? list : moreList).append(row);
      this.valueViews.set(s.id, { signal: s, valueEl, qualityEl, rowEl: row });
    });
    card.append(list);
    if (shown.length > KEY_VALUES) card.append(more);
    if (shown.length === 0 && !m.stateSignal) card.append(el('p', { class: 'empty', text: t('overview.noSignals') }));
    this.machines.set(m.id, { asset: m, card, label, since, icon, stateSignal: m.stateSignal, reasonSignal, state: null, stateSince: null });
    if (m.stateSignal) this.machineBySignal.set(m.stateSignal, m.id);
    if (reasonSignal) this.machineBySignal.set(reasonSignal, m.id);
    return card;
  }

  // ---- live values ----

  applyValue(l, animate) {
    const view = this.valueViews.get(l.signal);
    if (view) {
      const text = formatValue(l.value, view.signal.type);
      if (view.valueEl.textContent !== text) {
        view.valueEl.textContent = text;
        if (animate) flash(view.valueEl);
      }
      const bad = l.quality !== 'good';
      view.rowEl.classList.toggle('not-good', bad);
      view.qualityEl.textContent = bad ? ` ${t(`overview.quality.${l.quality}`)}` : '';
      view.rowEl.title = `${view.signal.name}: ${text} ${displayUnit(view.signal.unit)} · ${fmt.dateTime(l.timestamp)}`;
      return;
    }
    const machineId = this.machineBySignal.get(l.signal);
    if (machineId) {
      this.updateMachine(machineId, animate);
      this.updateSummaries();
    } else if (animate && !this.reloading) {
      // A value of a signal the page does not know: the plant grew (a device announced itself). Re-render once.
      this.reloading = true;
      setTimeout(() => loadPlant(true).then(() => { if (this.container.isConnected) import('../router.js').then((r) => r.refresh()); }).catch(() => {}), 2000);
    }
  }

  updateMachine(id, animate) {
    const m = this.machines.get(id);
    if (!m.stateSignal) {
      m.label.textContent = t('common.state.none');
      m.icon.textContent = '·';
      m.card.className = 'machine state-none';
      m.card.setAttribute('aria-label', t('overview.cardNoState', { name: m.asset.name }));
      return;
    }
    const l = latestValue(m.stateSignal);
    const st = machineState(l && l.value, l && l.quality);
    let text = st.key === 'unknown' && st.raw ? st.raw : t(`common.state.${st.key}`);
    if (st.stale && st.key !== 'unknown') text += ` · ${t('common.stale')}`;
    const reason = m.reasonSignal ? latestValue(m.reasonSignal) : undefined;
    if (reason && st.key !== 'running' && st.key !== 'unknown' && reason.value) text += ` · ${t('overview.reasonCode', { code: String(reason.value) })}`;
    const changed = m.label.textContent !== text;
    m.label.textContent = text;
    m.icon.textContent = stateIcon(st.stale && st.key === 'unknown' ? 'unknown' : st.key).textContent;
    const prev = m.state;
    m.state = st.stale ? 'unknown' : st.key; // stale data is not counted as running (or anything else)
    if (prev !== m.state || !m.stateSince) m.stateSince = l ? l.timestamp : null;
    const stop = this.ongoing.get(id);
    const sinceIso = stop && m.state !== 'running' ? stop.start : m.stateSince;
    m.since.textContent = sinceIso ? t('common.since', { time: fmt.time(sinceIso) }) : '';
    m.card.className = `machine state-${st.key}${st.stale ? ' stale' : ''}`;
    m.card.dataset.state = m.state;
    m.card.setAttribute('aria-label', `${m.asset.name}: ${text}`);
    if (changed && animate) flash(m.card);
  }

  updateSummaries() {
    const all = [];
    for (const line of this.lines) {
      // Meters and controllers without a state signal are shown, but not counted as machines with a state.
      const keys = line.machineIds.filter((id) => this.machines.get(id).stateSignal).map((id) => this.machines.get(id).state || 'unknown');
      all.push(...keys);
      renderSummary(line.summaryEl, keys, true);
    }
    renderSummary(this.plantSummary, all, false);
  }

  // ---- KPIs (ISO 22400, running shift) ----

  applyKpiEntry(a) {
    const v = this.kpiViews.get(a.asset);
    if (!v) return;
    const k = a.kpis;
    this.shiftStart = a.from;
    const notices = kpiNotices(a);
    if (v.line) {
      const energy = k.energyPerUnitKwh === null ? '–' : t('overview.kwhPerPart', { value: fmt.number(k.energyPerUnitKwh, 3) });
      const co2 = k.co2ePerUnitKg === null ? '' : ` · ${t('overview.co2PerPart', { value: fmt.number(k.co2ePerUnitKg * 1000, 0) })}`;
      v.el.replaceChildren(
        el('span', { class: 'kpi-oee', testid: 'line-oee', text: `${t('common.kpi.oee')} ${fmt.percent(k.oee)}` }),
        el('span', { class: 'kpi-apq', text: t('overview.apq', { a: fmt.percent(k.availability), p: fmt.percent(k.effectiveness), q: fmt.percent(k.qualityRatio) }) }),
        el('span', { class: 'kpi-more', text: t('overview.shiftLine', { shift: a.shift, parts: fmt.number(Math.round(k.producedQuantity || 0)), energy, co2, micro: fmt.number(k.microStops) }) }),
        ...notices);
    } else {
      v.el.replaceChildren(
        el('span', { text: `${t('common.kpi.oee')} ${fmt.percent(k.oee)} · ${t('common.kpi.a')} ${fmt.percent(k.availability)} · ${t('common.kpi.p')} ${fmt.percent(k.effectiveness)} · ${t('common.kpi.q')} ${fmt.percent(k.qualityRatio)}` }),
        ...notices);
    }
    v.el.classList.toggle('has-notice', notices.length > 0);
  }

  async refreshDowntime() {
    const since = this.shiftStart;
    for (const line of this.lines) {
      if (!line.hasKpi) continue;
      const r = await getJson(`api/downtime?asset=${encodeURIComponent(line.id)}${since ? `&from=${encodeURIComponent(since)}` : ''}`);
      if (!this.container.isConnected) return;
      if (!r.ok) {
        if (r.status === 404 || r.status === 503) line.downEl.replaceChildren(el('span', { class: 'down-none', text: t('overview.noKpiDefinition') }));
        continue;
      }
      for (const id of line.machineIds) this.ongoing.delete(id);
      for (const s of r.data.events || []) if (s.end === null) this.ongoing.set(s.machine, s);
      const top = (r.data.pareto || []).slice(0, 3);
      if (top.length === 0) { line.downEl.replaceChildren(el('span', { class: 'down-none', text: t('overview.noDowntime') })); continue; }
      const items = top.map((p) => el('span', { class: 'down-item',
        text: `${p.reasonName || p.reasonCode || t('overview.unassigned')} ${fmt.duration(p.durationSeconds)} (${p.count}×)` }));
      line.downEl.replaceChildren(el('span', { class: 'down-title', text: t('overview.topDowntime') }), ...items);
    }
    for (const id of this.machines.keys()) this.updateMachine(id, false);
    this.renderWrong();
  }

  // ---- what is wrong now ----

  scheduleWrong() {
    if (this.wrongTimer) return;
    this.wrongTimer = setTimeout(() => { this.wrongTimer = null; this.refreshWrong(); }, 1000);
  }

  async refreshWrong() {
    // Alarms (helper A) and machine health (helper B2) may not be on this server yet: asked only when documented.
    const [hasAlarms, hasHealth] = await Promise.all([apiHas('GET /api/alarms'), apiHas('GET /api/health/machines')]);
    const [alarms, health] = await Promise.all([
      this.alarmsMissing || !hasAlarms ? null : getJson('api/alarms'),
      this.healthMissing || !hasHealth ? null : getJson('api/health/machines'),
    ]);
    if (alarms && !alarms.ok && alarms.status === 404) this.alarmsMissing = true;
    if (health && !health.ok && health.status === 404) this.healthMissing = true;
    this.alarms = alarms && alarms.ok ? (alarms.data.alarms || []) : this.alarms || [];
    this.health = health && health.ok ? (health.data.machines || []) : this.health || [];
    this.renderWrong();
  }

  renderWrong() {
    if (!this.container.isConnected) return;
    const items = [];
    // Machines stopped longest: ongoing unplanned stops first (from the KPI engine), then states other than running.
    const stopped = [];
    for (const [id, m] of this.machines) {
      if (!m.stateSignal || !m.state || m.state === 'running' || m.state === 'unknown') continue;
      const stop = this.ongoing.get(id);
      const since = stop ? stop.start : m.stateSince;
      stopped.push({ m, since, reason: stop && (stop.reasonName || stop.reasonCode) });
    }
    stopped.sort((a, b) => (a.since || '').localeCompare(b.since || ''));
    for (const s of stopped.slice(0, 4)) {
      items.push(el('a', { class: `wrong-item wrong-stopped state-${s.m.state}`, href: href(`/machine/${encodeURIComponent(s.m.asset.id)}`), testid: 'wrong-stopped' },
        stateIcon(s.m.state),
        el('span', 'wrong-text', el('strong', { text: s.m.asset.name }), ' ',
          t('overview.stoppedFor', { state: t(`common.state.${s.m.state}`), duration: s.since ? fmt.duration(secondsBetween(s.since)) : '–' }),
          s.reason ? ` · ${s.reason}` : '')));
    }
    const unack = (this.alarms || []).filter((a) => !a.acknowledged && !a.shelved && !a.outOfService && !a.suppressed)
      .sort((a, b) => PRIORITY_ORDER.indexOf(a.priority) - PRIORITY_ORDER.indexOf(b.priority) || (a.lastChange || '').localeCompare(b.lastChange || ''));
    for (const a of unack.slice(0, 4)) {
      items.push(el('a', { class: `wrong-item wrong-alarm priority-${a.priority}`, href: href('/alarms'), testid: 'wrong-alarm' },
        el('span', { class: 'state-icon', 'aria-hidden': 'true', text: '⚠' }),
        el('span', 'wrong-text', el('strong', { text: t(`overview.priority.${a.priority}`) }), ' ', `${a.assetName || a.asset}: ${a.message || a.name}`,
          a.activeSince ? ` · ${t('common.since', { time: fmt.time(a.activeSince) })}` : '')));
    }
    if (unack.length > 4) items.push(el('a', { class: 'wrong-item wrong-more', href: href('/alarms'), text: t('overview.moreAlarms', { count: unack.length - 4 }) }));
    const high = (this.health || []).filter((h) => h.anomaly && h.anomaly.high).sort((a, b) => (b.anomaly.score || 0) - (a.anomaly.score || 0));
    for (const h of high.slice(0, 4)) {
      const m = this.machines.get(h.machine);
      const top = (h.anomaly.topContributors || [])[0];
      items.push(el('a', { class: 'wrong-item wrong-anomaly', href: href(`/machine/${encodeURIComponent(h.machine)}`), testid: 'wrong-anomaly' },
        el('span', { class: 'state-icon', 'aria-hidden': 'true', text: '∿' }),
        el('span', 'wrong-text', el('strong', { text: m ? m.asset.name : h.machine }), ' ',
          t('overview.anomaly', { score: fmt.number(h.anomaly.score, 2), threshold: fmt.number(h.anomaly.threshold, 2) }),
          top ? ` · ${t('overview.anomalyTop', { signal: top.name || top.signal })}` : '')));
    }
    if (items.length === 0) items.push(el('p', { class: 'wrong-none', testid: 'wrong-none' }, el('span', { 'aria-hidden': 'true', text: '✓ ' }), t('overview.nothingWrong')));
    this.wrongList.replaceChildren(...items);
  }
}

function formatValue(value, type) {
  if (value === undefined) return '–';
  if (value === null) return t('common.notAvailable');
  if (typeof value === 'boolean') return value ? t('common.on') : t('common.off');
  if (typeof value === 'number') {
    if (type === 'long' || (Number.isInteger(value) && type !== 'double')) return fmt.number(value, 0);
    const a = Math.abs(value);
    return fmt.number(value, a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3);
  }
  return String(value);
}

function renderSummary(target, keys, perLine) {
  const counts = { running: 0, fault: 0 };
  for (const k of keys) counts[k] = (counts[k] || 0) + 1;
  const frag = document.createDocumentFragment();
  frag.append(el('span', { class: 'summary-total', text: t('common.machines', { count: keys.length }) }));
  for (const s of STATES) {
    const n = counts[s.key] || 0;
    if (n === 0 && s.key !== 'running' && s.key !== 'fault') continue;
    if (!perLine && n === 0 && s.key !== 'fault') continue;
    frag.append(el('span', { class: `chip state-${s.key}${n === 0 ? ' zero' : ''}` }, stateIcon(s.key), ` ${fmt.number(n)} ${t(`common.state.${s.key}`)}`));
  }
  target.replaceChildren(frag);
}

/** Notices that go with an asset's shift figures: implausible figures and the shift's data-quality events. */
function kpiNotices(a) {
  const out = [];
  for (const w of a.kpis.warnings || []) {
    let text = null;
    if (w.code === 'effectiveness_above_100') text = t('overview.warn.performance', { value: fmt.percent(a.kpis.effectiveness) });
    if (w.code === 'quality_ratio_out_of_range') text = t('overview.warn.quality', { value: fmt.percent(a.kpis.qualityRatio) });
    if (!text) continue; // data_quality_events: shown below with the last cause
    out.push(el('span', { class: 'kpi-notice kpi-warning', title: w.message, text: `⚠ ${text}` }));
  }
  const dq = a.dataQuality;
  if (dq && dq.events > 0) {
    const n = el('a', { class: 'kpi-notice kpi-dq', href: `api/data-quality?asset=${encodeURIComponent(a.asset)}&from=${encodeURIComponent(a.from)}`,
      text: `⚠ ${t('overview.dqEvents', { count: dq.events })}` });
    if (dq.last) {
      n.append(el('span', { class: 'kpi-dq-last', text: ` · ${t('overview.dqLast', { time: fmt.time(dq.last.time), kind: dq.last.kind, signal: dq.last.signal, counted: dq.last.counted })}` }));
      n.title = dq.last.cause;
    }
    out.push(n);
  }
  return out;
}

function flash(e) {
  e.classList.remove('flash');
  void e.offsetWidth; // restart the animation
  e.classList.add('flash');
}
