// Machine detail (#/machine/<id>): live state, state timeline with reasons, OEE with its loss waterfall, machine
// health, trends of every signal (zoom/pan from a minute to a year), downtime with reason entry, energy and CO2e per
// part, data-quality events. Period: the running shift (the KPI default), the last 24 h or the last 7 days.
// Test ids: machine-view (data-machine), machine-title, machine-state, period-shift|24h|7d, period-text,
// timeline-panel, state-timeline, state-segment (data-state), oee-panel, kpi-oee|availability|performance|quality,
// oee-waterfall, waterfall-planned|availability|performance|quality|productive, machine-health, health-anomaly,
// health-score, health-contributors, health-rul, health-rul-value, health-empty, trend-group (data-from, data-to,
// data-buckets, data-requests, data-state loading|ready), trend-chart (data-signal), trend-zoom-in|zoom-out|pan-left|
// pan-right|now, trend-range-15m|1h|8h|24h|7d|30d|1y, downtime-panel, downtime-table, downtime-row,
// downtime-reason-<n> (opens reasons.js's dialog), downtime-empty, energy-panel, energy-per-part, co2e-per-part,
// dq-panel, dq-table, dq-empty, oee-empty.
import { t, fmt } from '../i18n.js';
import { el, getJson, stateIcon, secondsBetween } from '../dom.js';
import { setTitle } from '../router.js';
import { loadPlant, findAsset, pathOf, kpiSites } from '../plant.js';
import { latestValue, onLive } from '../live.js';
import { machineState, formatValue } from '../format.js';
import { createTrends } from '../trend.js';
import { loadTimeline, renderTimeline, legend } from '../timeline.js';
import { renderWaterfall } from '../waterfall.js';
import { renderHealth } from '../health.js';
import { openReasonDialog, onReasonSaved } from '../reasons.js';

const PERIODS = ['shift', '24h', '7d'];

/** The view's style sheet (also linked from index.html; added here so the view never shows unstyled). */
function ensureCss(href) {
  if (!document.querySelector(`link[href="${href}"]`)) document.head.append(el('link', { rel: 'stylesheet', href }));
}
const REFRESH_MS = 30_000;

function iso(ms) {
  return encodeURIComponent(new Date(ms).toISOString());
}

function panel(id, titleKey, testid, ...children) {
  return el('section', { class: 'panel', 'aria-labelledby': id, testid },
    el('div', { class: 'panel-head' }, el('h2', { id }, t(titleKey))), ...children);
}

export default async function render(container, params) {
  ensureCss('machine.css');
  const id = params.id;
  let machine = findAsset(id);
  if (!machine) {
    container.append(el('p', { class: 'message', testid: 'machine-loading' }, t('common.loading')));
    await loadPlant().catch(() => null);
    machine = findAsset(id);
  }
  if (!machine || machine.level !== 'machine') {
    setTitle(t('machine.notFoundTitle'));
    container.replaceChildren(el('p', { class: 'message', testid: 'machine-not-found' }, t('machine.notFound', { id }), ' ',
      el('a', { href: '#/', text: t('common.backToOverview') })));
    return undefined;
  }
  setTitle(machine.name);
  const cleanups = [];
  let period = 'shift';
  let gen = 0;
  const signals = machine.signals || [];
  const stateSignal = signals.find((s) => /^state$/i.test(s.name)) || signals.find((s) => /state/i.test(s.name));

  // ---- header: path, name, live state ----
  const path = pathOf(id);
  const crumbs = el('nav', { class: 'crumbs', 'aria-label': t('machine.breadcrumb') },
    el('a', { href: '#/' }, t('common.nav.overview')),
    ...path.slice(1, -1).flatMap((a) => [' › ', a.level === 'line'
      ? el('a', { href: `#/line/${encodeURIComponent(a.id)}/report`, title: t('machine.lineReport') }, a.name)
      : el('span', {}, a.name)]));
  const stateBox = el('div', { class: 'machine-state', role: 'status', testid: 'machine-state' });
  function showState() {
    const v = stateSignal ? latestValue(stateSignal.id) : undefined;
    const s = machineState(v ? v.value : undefined, v ? v.quality : undefined);
    stateBox.className = `machine-state st-${s.key}`;
    stateBox.replaceChildren(...[stateIcon(s.key), el('span', { class: 'state-text' }, t(`common.state.${s.key}`)),
      v && v.timestamp ? el('span', { class: 'state-since' }, t('machine.since', { time: fmt.time(v.timestamp), duration: fmt.duration(secondsBetween(v.timestamp)) })) : null].filter(Boolean));
  }
  showState();
  if (stateSignal) cleanups.push(onLive('value', (v) => { if (v.signal === stateSignal.id) showState(); }));

  const periodButtons = PERIODS.map((p) => el('button', {
    type: 'button', class: 'btn btn-small', testid: `period-${p}`, 'aria-pressed': String(p === period),
    on: { click: () => { period = p; for (const b of periodButtons) b.setAttribute('aria-pressed', String(b.dataset.testid === `period-${p}`)); load(); } },
  }, t(`machine.period.${p}`)));
  const periodText = el('span', { class: 'period-text', testid: 'period-text' });
  const head = el('div', { class: 'machine-head' },
    el('div', {}, crumbs, el('h1', { class: 'machine-title', testid: 'machine-title' }, machine.name)),
    stateBox,
    el('div', { class: 'period', role: 'group', 'aria-label': t('machine.period.label') }, ...periodButtons, periodText));

  // ---- panels ----
  const timelineBody = el('div', { class: 'panel-body' }, el('p', { class: 'empty' }, t('common.loading')));
  const timelinePanel = panel('tl-title', 'machine.timeline.title', 'timeline-panel', legend(), timelineBody);
  const oeeBody = el('div', { class: 'panel-body' }, el('p', { class: 'empty' }, t('common.loading')));
  const oeePanel = panel('oee-title', 'machine.oee.title', 'oee-panel', oeeBody);
  const health = renderHealth(id);
  const downBody = el('div', { class: 'panel-body' }, el('p', { class: 'empty' }, t('common.loading')));
  const downPanel = panel('down-title', 'machine.downtime.title', 'downtime-panel', downBody);
  const energyBody = el('div', { class: 'panel-body' });
  const energyPanel = panel('energy-title', 'machine.energy.title', 'energy-panel', energyBody);
  const dqBody = el('div', { class: 'panel-body' }, el('p', { class: 'empty' }, t('common.loading')));
  const dqPanel = panel('dq-title', 'machine.dq.title', 'dq-panel', dqBody);
  const trends = createTrends(signals.filter((s) => s !== stateSignal));
  cleanups.push(() => trends.destroy());

  container.replaceChildren(el('div', { class: 'machine-view', testid: 'machine-view', 'data-machine': id },
    head,
    timelinePanel,
    el('div', { class: 'grid-2' }, oeePanel, health.el),
    trends.el,
    el('div', { class: 'grid-2' }, downPanel, energyPanel),
    dqPanel));

  // ---- data ----
  // KPIs, downtime and data quality exist only for machines with a KPI definition (GET /api/kpi/sites): others get
  // the empty state saying where to add one, without requests that can only answer 404.
  const sites = await kpiSites();
  const hasKpi = sites.some((st) => (st.machines || []).some((m) => m.id === id));
  const noKpiAnswer = { ok: false, status: sites.length ? 404 : 503, message: t('machine.oee.noDefinition') };

  async function load() {
    const my = ++gen;
    const now = Date.now();
    if (!hasKpi) {
      const from = now - (period === '7d' ? 7 * 86_400_000 : period === '24h' ? 86_400_000 : 8 * 3_600_000);
      periodText.textContent = t('machine.period.range', { from: fmt.shortDateTime(from), to: fmt.shortDateTime(now) });
      showOee(noKpiAnswer);
      showEnergy(noKpiAnswer);
      showDataQuality(noKpiAnswer);
      const tl = await loadTimeline(machine, from, now, { downtime: false });
      if (my !== gen) return;
      showTimeline(tl, from, now);
      downBody.replaceChildren(el('p', { class: 'empty', testid: 'downtime-empty' }, noKpi(noKpiAnswer)));
      return;
    }
    let kpiUrl = `api/kpi?asset=${encodeURIComponent(id)}`;
    if (period !== 'shift') {
      const from = now - (period === '24h' ? 86_400_000 : 7 * 86_400_000);
      kpiUrl += `&from=${iso(from)}&to=${iso(now)}`;
    }
    const k = await getJson(kpiUrl);
    if (my !== gen) return;
    let from;
    let to;
    if (k.ok && k.data) {
      from = Date.parse(k.data.from);
      to = Math.min(now, Date.parse(k.data.measuredTo || k.data.to) || now);
      if (!(to > from)) to = now;
    } else {
      from = now - (period === '7d' ? 7 * 86_400_000 : period === '24h' ? 86_400_000 : 8 * 3_600_000);
      to = now;
    }
    periodText.textContent = t('machine.period.range', { from: fmt.shortDateTime(from), to: fmt.shortDateTime(to) });
    showOee(k);
    showEnergy(k);
    const [tl, dq] = await Promise.all([
      loadTimeline(machine, from, to),
      getJson(`api/data-quality?asset=${encodeURIComponent(id)}&from=${iso(from)}&to=${iso(to)}`),
    ]);
    if (my !== gen) return;
    showTimeline(tl, from, to);
    showDowntime(tl);
    showDataQuality(dq);
  }

  function noKpi(r) {
    if (r.status === 404 || r.status === 400) return t('machine.oee.noKpi', { message: r.message });
    if (r.status === 503) return t('machine.oee.kpiOff');
    return t('machine.oee.error', { message: r.message });
  }

  function showOee(r) {
    if (!r.ok || !r.data) {
      oeeBody.replaceChildren(el('p', { class: 'empty', testid: 'oee-empty' }, noKpi(r)));
      return;
    }
    const k = r.data.kpis || {};
    const perf = k.effectiveness;
    const meter = (key, value, testid) => el('div', { class: 'kpi', testid },
      el('div', { class: 'kpi-name' }, t(`machine.oee.${key}`)),
      el('div', { class: 'kpi-value' }, fmt.percent(value, 1)),
      el('div', { class: 'kpi-meter', 'aria-hidden': 'true' }, el('span', { style: `width:${Math.round(Math.min(1, Math.max(0, value || 0)) * 100)}%` })));
    const warnings = (k.warnings || []).map((w) => el('p', { class: 'warning', role: 'note' }, `⚠ ${w.message}`));
    oeeBody.replaceChildren(...[
      el('div', { class: 'kpis' }, meter('oee', k.oee, 'kpi-oee'), meter('availability', k.availability, 'kpi-availability'),
        meter('performance', perf, 'kpi-performance'), meter('quality', k.qualityRatio, 'kpi-quality')),
      k.oee === null || k.oee === undefined ? el('p', { class: 'hint' }, t('machine.oee.noParts')) : null,
      ...warnings,
      el('h3', {}, t('machine.oee.waterfall')),
      renderWaterfall(k),
      el('dl', { class: 'facts' },
        el('dt', {}, t('machine.oee.parts')), el('dd', {}, t('machine.oee.partsValue', { good: fmt.number(k.goodQuantity), scrap: fmt.number(k.scrapQuantity) })),
        el('dt', {}, t('machine.oee.mtbf')), el('dd', {}, fmt.duration(k.mtbfSeconds)),
        el('dt', {}, t('machine.oee.mttr')), el('dd', {}, fmt.duration(k.mttrSeconds)),
        el('dt', {}, t('machine.oee.microStops')), el('dd', {}, t('machine.oee.microStopsValue', { count: k.microStops || 0, lost: fmt.duration(k.microStopLostTimeSeconds) })))].filter(Boolean));
  }

  function showEnergy(r) {
    if (!r.ok || !r.data) {
      energyBody.replaceChildren(el('p', { class: 'empty' }, noKpi(r)));
      return;
    }
    const k = r.data.kpis || {};
    const row = (key, value, unit, testid) => [el('dt', {}, t(`machine.energy.${key}`)),
      el('dd', { testid }, value === null || value === undefined ? t('machine.energy.none') : `${fmt.number(value, value < 10 ? 2 : 1)} ${unit}`)];
    energyBody.replaceChildren(...[el('dl', { class: 'facts' },
      ...row('total', k.energyKwh, 'kWh', 'energy-total'),
      ...row('perPart', k.energyPerUnitKwh, t('machine.energy.kwhPerPart'), 'energy-per-part'),
      ...row('co2e', k.co2eKg, 'kg CO₂e', 'co2e-total'),
      ...row('co2ePerPart', k.co2ePerUnitKg, t('machine.energy.kgPerPart'), 'co2e-per-part')),
    k.energyPerUnitKwh === null || k.energyPerUnitKwh === undefined ? el('p', { class: 'hint' }, t('machine.energy.hint')) : null].filter(Boolean));
  }

  function showTimeline(tl, from, to) {
    const notes = [];
    if (tl.noStateSignal) notes.push(el('p', { class: 'empty' }, t('machine.timeline.noStateSignal')));
    if (tl.historyError) notes.push(el('p', { class: 'empty' }, t('machine.timeline.historyError', { message: tl.historyError })));
    timelineBody.replaceChildren(...notes, renderTimeline({ segments: tl.segments, from, to }));
  }

  function showDowntime(tl) {
    if (tl.downtimeError) {
      downBody.replaceChildren(el('p', { class: 'empty' }, noKpi(tl.downtimeError)));
      return;
    }
    const stops = [...tl.stops].sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
    if (!stops.length) {
      downBody.replaceChildren(el('p', { class: 'empty', testid: 'downtime-empty' }, t('machine.downtime.none')));
      return;
    }
    const rows = stops.map((s, i) => {
      const dur = secondsBetween(s.start, s.end);
      const reason = s.reasonCode || s.reasonName
        ? `${s.reasonCode ? `${s.reasonCode} ` : ''}${s.reasonName || ''}` : null;
      const btn = el('button', {
        type: 'button', class: 'btn btn-small', testid: `downtime-reason-${i}`,
        'aria-label': t('machine.downtime.setReasonFor', { time: fmt.shortDateTime(s.start) }),
        on: { click: () => openReasonDialog(id, s, { machineName: machine.name }) },
      }, reason ? t('machine.downtime.change') : t('machine.downtime.setReason'));
      return el('tr', { class: s.end ? '' : 'ongoing', testid: 'downtime-row' },
        el('td', {}, fmt.shortDateTime(s.start)),
        el('td', {}, s.end ? fmt.duration(dur) : t('machine.downtime.ongoing', { duration: fmt.duration(dur) })),
        el('td', {}, reason ? reason : el('span', { class: 'missing' }, `⚠ ${t('machine.downtime.noReason')}`),
          s.operatorSet ? el('span', { class: 'tag', title: t('machine.timeline.operatorSet') }, ` ✎`) : null,
          s.microStop ? el('span', { class: 'tag' }, ` ${t('machine.downtime.micro')}`) : null,
          s.comment ? el('div', { class: 'hint' }, `“${s.comment}”`) : null),
        el('td', {}, s.category || '–'),
        el('td', {}, btn));
    });
    const total = stops.reduce((a, s) => a + secondsBetween(s.start, s.end), 0);
    downBody.replaceChildren(
      el('p', { class: 'hint' }, t('machine.downtime.summary', { count: stops.length, total: fmt.duration(total) })),
      el('div', { class: 'table-scroll' }, el('table', { class: 'data', testid: 'downtime-table' },
        el('thead', {}, el('tr', {}, ...['start', 'duration', 'reason', 'category', 'action'].map((c) => el('th', { scope: 'col' }, t(`machine.downtime.col.${c}`))))),
        el('tbody', {}, ...rows))));
  }

  function showDataQuality(r) {
    if (!r.ok || !r.data) {
      dqBody.replaceChildren(el('p', { class: 'empty' }, noKpi(r)));
      return;
    }
    const events = r.data.events || [];
    if (!events.length) {
      dqBody.replaceChildren(el('p', { class: 'empty', testid: 'dq-empty' }, t('machine.dq.none')));
      return;
    }
    const byId = new Map(signals.map((s) => [s.id, s]));
    dqBody.replaceChildren(el('div', { class: 'table-scroll' }, el('table', { class: 'data', testid: 'dq-table' },
      el('thead', {}, el('tr', {}, ...['time', 'signal', 'kind', 'values', 'cause'].map((c) => el('th', { scope: 'col' }, t(`machine.dq.col.${c}`))))),
      el('tbody', {}, ...events.slice(-200).reverse().map((e) => el('tr', {},
        el('td', {}, fmt.shortDateTime(e.time)),
        el('td', {}, (byId.get(e.signal) || {}).name || e.signal || e.quantity),
        el('td', {}, e.kind),
        el('td', {}, `${e.oldValue === null ? '' : `${formatValue(e.oldValue)} → `}${formatValue(e.newValue)}${e.counted === null ? '' : ` (${t('machine.dq.counted', { n: fmt.number(e.counted) })})`}`),
        el('td', {}, e.cause || '')))))));
  }

  await load();
  cleanups.push(onReasonSaved((x) => { if (x.machine === id) load(); }));
  const timer = setInterval(() => { if (!document.hidden && period !== '7d') load(); }, REFRESH_MS);
  const healthTimer = setInterval(() => { if (!document.hidden) health.refresh(); }, 60_000);
  cleanups.push(() => { clearInterval(timer); clearInterval(healthTimer); gen++; });
  return () => { for (const f of cleanups) f(); };
}
