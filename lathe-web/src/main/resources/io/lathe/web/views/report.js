// Line and shift report (#/line/<id>/report?range=shift|today|7d|4w&by=shift|day|week): OEE with availability,
// performance and quality per period, downtime Pareto by reason and by category, parts, scrap, energy per part, the
// downtime list with reason entry; printable (print.css) and downloadable as CSV (the API's KPI CSV, and the downtime
// list). Data: GET /api/kpi and GET /api/downtime; refreshed every 30 s and right after a reason is saved.
import { t, fmt, plantZone } from '../i18n.js';
import { el, getJson, secondsBetween } from '../dom.js';
import { href, setTitle, navigate } from '../router.js';
import { loadPlant, findAsset, pathOf, kpiSite } from '../plant.js';
import { reasonButton, onReasonSaved } from '../reasons.js';

const RANGES = ['shift', 'today', '7d', '4w'];
const GROUPINGS = ['shift', 'day', 'week'];
const DEFAULT_BY = { shift: 'shift', today: 'shift', '7d': 'day', '4w': 'week' };

/** Midnight of the plant's day `daysBack` days before today, as an ISO instant (the KPI site's time zone). */
export function plantMidnight(daysBack = 0, now = new Date()) {
  const zone = plantZone() || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(now).filter((p) => p.type !== 'literal').map((p) => [p.type, p.value]));
  const utcMidnight = Date.UTC(+parts.year, +parts.month - 1, +parts.day - daysBack);
  // The zone's offset at that moment: the wall time there minus UTC (twice, for a day that changes its offset).
  let guess = utcMidnight;
  for (let i = 0; i < 2; i++) {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(guess)).filter((x) => x.type !== 'literal').map((x) => [x.type, x.value]));
    const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    guess = utcMidnight - (wall - guess);
  }
  return new Date(guess).toISOString();
}

function rangeFrom(range) {
  switch (range) {
    case 'today': return plantMidnight(0);
    case '7d': return plantMidnight(6);
    case '4w': return plantMidnight(27);
    default: return null; // the API's default: the start of the running shift
  }
}

export default async function render(container, params, query) {
  const lineId = params.id;
  await loadPlant().catch(() => null);
  const line = findAsset(lineId);
  const name = line ? line.name : lineId;
  setTitle(t('report.title', { line: name }));
  const range = RANGES.includes(query.get('range')) ? query.get('range') : 'shift';
  const by = GROUPINGS.includes(query.get('by')) ? query.get('by') : DEFAULT_BY[range];
  const from = rangeFrom(range);
  const site = await kpiSite(lineId);
  // Category names as the site's reason tree (kpi.sites[].reasons) calls them.
  const categoryNames = new Map((site ? site.reasons || [] : []).map((c) => [c.id, c.name]));

  const crumbs = el('nav', { class: 'crumbs', 'aria-label': t('report.breadcrumb') },
    el('a', { href: href('/'), text: t('common.nav.overview') }),
    ...pathOf(lineId).slice(1, -1).map((a) => el('span', { text: ` › ${a.name}` })));
  const rangeSelect = el('select', { id: 'report-range', testid: 'report-range' },
    ...RANGES.map((r) => el('option', { value: r, text: t(`report.range.${r}`), selected: r === range })));
  const bySelect = el('select', { id: 'report-by', testid: 'report-by' },
    ...GROUPINGS.map((g) => el('option', { value: g, text: t(`report.by.${g}`), selected: g === by })));
  const go = (r, b) => navigate(`/line/${encodeURIComponent(lineId)}/report?range=${r}&by=${b}`);
  rangeSelect.addEventListener('change', () => go(rangeSelect.value, DEFAULT_BY[rangeSelect.value]));
  bySelect.addEventListener('change', () => go(rangeSelect.value, bySelect.value));
  const q = `asset=${encodeURIComponent(lineId)}${from ? `&from=${encodeURIComponent(from)}` : ''}`;
  const csv = el('a', { class: 'button-link', href: `api/kpi?${q}&by=${by}&format=csv`, download: `kpi-${lineId}-${range}.csv`, testid: 'report-csv' },
    el('span', { 'aria-hidden': 'true', text: '⤓ ' }), t('report.csvKpi'));
  const downCsv = el('button', { type: 'button', class: 'button', testid: 'report-downtime-csv' }, el('span', { 'aria-hidden': 'true', text: '⤓ ' }), t('report.csvDowntime'));
  const print = el('button', { type: 'button', class: 'button', testid: 'report-print', on: { click: () => window.print() } },
    t('common.print'));

  const status = el('p', { class: 'message', 'aria-live': 'polite', text: t('report.loading') });
  const body = el('div', { class: 'report-body', testid: 'report-body' });
  container.append(
    crumbs,
    el('div', 'report-head',
      el('h1', { class: 'report-title', text: t('report.title', { line: name }) }),
      el('div', 'report-actions',
        el('label', { for: 'report-range', text: t('report.rangeLabel') }), rangeSelect,
        el('label', { for: 'report-by', text: t('report.byLabel') }), bySelect,
        csv, downCsv, print)),
    el('p', { class: 'report-print-head', text: '' }),
    status, body);

  let events = [];
  downCsv.addEventListener('click', () => downloadDowntime(events, `downtime-${lineId}-${range}.csv`));

  async function load() {
    const [total, periods, down] = await Promise.all([
      getJson(`api/kpi?${q}`), getJson(`api/kpi?${q}&by=${by}`), getJson(`api/downtime?${q}`),
    ]);
    if (!container.isConnected) return;
    if (!total.ok) {
      status.className = 'message';
      status.textContent = total.status === 404 ? t('report.noKpiDefinition', { line: name })
        : total.status === 503 ? t('report.kpiNotConfigured') : t('report.failed', { message: total.message });
      status.dataset.testid = 'report-empty';
      body.replaceChildren();
      return;
    }
    const k = total.data.kpis;
    const measured = total.data.measuredTo;
    status.textContent = measured
      ? t('report.rangeText', { from: fmt.dateTime(total.data.from), to: fmt.dateTime(measured), zone: fmt.zoneLabel() })
      : t('report.noData');
    status.className = 'report-range-text';
    events = down.ok ? down.data.events || [] : [];
    const pareto = down.ok ? down.data.pareto || [] : [];
    body.replaceChildren(
      k ? summary(k) : el('p', { class: 'empty', text: t('report.noDataHint') }),
      periodTable(periods.ok ? periods.data.periods || [] : [], by),
      el('div', 'report-two',
        paretoChart(t('report.paretoReason'), pareto.map((p) => ({
          key: p.reasonCode || '', label: p.reasonName || p.reasonCode || t('report.unassigned'), seconds: p.durationSeconds, count: p.count,
        })), 'pareto-reason'),
        paretoChart(t('report.paretoCategory'), byCategory(pareto, categoryNames), 'pareto-category')),
      downtimeList(events));
  }

  await load();
  const timer = setInterval(load, 30000);
  let pending = null;
  const off = onReasonSaved(() => { clearTimeout(pending); pending = setTimeout(load, 200); });
  return () => { clearInterval(timer); clearTimeout(pending); off(); };
}

function tile(label, value, testid, extra) {
  return el('div', { class: 'tile', testid }, el('span', { class: 'tile-label', text: label }), el('span', { class: 'tile-value', text: value }),
    extra ? el('span', { class: 'tile-extra', text: extra }) : null);
}

function summary(k) {
  return el('section', { class: 'report-section tiles', 'aria-label': t('report.summary') },
    tile(t('common.kpi.oee'), fmt.percent(k.oee), 'report-oee'),
    tile(t('common.kpi.availability'), fmt.percent(k.availability), 'report-availability'),
    tile(t('common.kpi.performance'), fmt.percent(k.effectiveness), 'report-performance'),
    tile(t('common.kpi.quality'), fmt.percent(k.qualityRatio), 'report-quality'),
    tile(t('report.parts'), fmt.number(Math.round(k.producedQuantity || 0)), 'report-parts', t('report.good', { n: fmt.number(Math.round(k.goodQuantity || 0)) })),
    tile(t('report.scrap'), fmt.number(Math.round(k.scrapQuantity || 0)), 'report-scrap', k.scrapRatio === null ? '' : fmt.percent(k.scrapRatio, 1)),
    tile(t('report.energyPerPart'), k.energyPerUnitKwh === null ? '–' : `${fmt.number(k.energyPerUnitKwh, 3)} kWh`, 'report-energy',
      k.co2ePerUnitKg === null ? '' : t('report.co2PerPart', { g: fmt.number(k.co2ePerUnitKg * 1000, 0) })),
    tile(t('report.downtime'), fmt.duration(k.actualUnitDownTimeSeconds), 'report-downtime-total', t('report.microStops', { n: fmt.number(k.microStops) })));
}

function periodLabel(p, by) {
  const k = p.kpis;
  if (by === 'day') return fmt.weekday(k.from);
  if (by === 'week') return t('report.weekOf', { date: fmt.date(k.from) });
  // shift: "2026-12-04 early" -> localized date + the shift's name from the configuration
  const m = /^(\d{4}-\d{2}-\d{2}) (.+)$/.exec(p.label);
  return m ? `${fmt.date(k.from)} · ${m[2]}` : p.label;
}

function periodTable(periods, by) {
  const section = el('section', { class: 'report-section', 'aria-labelledby': 'period-title' },
    el('h2', { id: 'period-title', text: t(`report.periodTitle.${by}`) }));
  if (periods.length === 0) {
    section.append(el('p', { class: 'empty', text: t('report.noPeriods') }));
    return section;
  }
  const cols = ['period', 'oee', 'availability', 'performance', 'quality', 'parts', 'scrap', 'energyPerPart', 'downtime'];
  const head = el('tr', null, ...cols.map((c) => el('th', { scope: 'col', text: t(`report.col.${c}`) })));
  const rows = periods.map((p) => {
    const k = p.kpis;
    return el('tr', { testid: 'report-period' },
      el('th', { scope: 'row', text: periodLabel(p, by) }),
      el('td', { class: 'num' }, el('span', 'oee-cell', bar(k.oee), fmt.percent(k.oee))),
      el('td', { class: 'num', text: fmt.percent(k.availability) }),
      el('td', { class: 'num', text: fmt.percent(k.effectiveness) }),
      el('td', { class: 'num', text: fmt.percent(k.qualityRatio) }),
      el('td', { class: 'num', text: fmt.number(Math.round(k.producedQuantity || 0)) }),
      el('td', { class: 'num', text: fmt.number(Math.round(k.scrapQuantity || 0)) }),
      el('td', { class: 'num', text: k.energyPerUnitKwh === null ? '–' : `${fmt.number(k.energyPerUnitKwh, 3)} kWh` }),
      el('td', { class: 'num', text: fmt.duration(k.actualUnitDownTimeSeconds) }));
  });
  section.append(el('div', 'table-wrap', el('table', { class: 'report-table', testid: 'report-periods' }, el('thead', null, head), el('tbody', null, ...rows))));
  return section;
}

function bar(ratio) {
  const w = ratio === null || ratio === undefined ? 0 : Math.max(0, Math.min(1, ratio));
  return el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill', style: `width:${(w * 100).toFixed(1)}%` }));
}

function byCategory(pareto, names) {
  const m = new Map();
  for (const p of pareto) {
    const key = p.category || '';
    const e = m.get(key) || { key, label: p.category ? names.get(p.category) || p.category : t('report.unassigned'), seconds: 0, count: 0 };
    e.seconds += p.durationSeconds;
    e.count += p.count;
    m.set(key, e);
  }
  return [...m.values()].sort((a, b) => b.seconds - a.seconds);
}

function paretoChart(title, items, testid) {
  const section = el('section', { class: 'report-section pareto', testid }, el('h2', { text: title }));
  if (items.length === 0) {
    section.append(el('p', { class: 'empty', text: t('report.noDowntime') }));
    return section;
  }
  const total = items.reduce((a, x) => a + x.seconds, 0) || 1;
  const max = items[0].seconds || 1;
  let cum = 0;
  const rows = items.map((x) => {
    cum += x.seconds;
    return el('li', { class: 'pareto-row', testid: 'pareto-row', 'data-key': x.key, 'data-seconds': String(x.seconds) },
      el('span', { class: 'pareto-label', text: x.label }),
      el('span', { class: 'pareto-bar', 'aria-hidden': 'true' }, el('span', { class: 'pareto-fill', style: `width:${(x.seconds / max * 100).toFixed(1)}%` })),
      el('span', { class: 'pareto-value', text: `${fmt.duration(x.seconds)} · ${t('report.times', { n: x.count })} · ${fmt.percent(cum / total)}` }));
  });
  section.append(el('ol', 'pareto-list', ...rows));
  return section;
}

function downtimeList(events) {
  const section = el('section', { class: 'report-section', 'aria-labelledby': 'down-title' }, el('h2', { id: 'down-title', text: t('report.downtimeList') }));
  if (events.length === 0) {
    section.append(el('p', { class: 'empty', text: t('report.noDowntime') }));
    return section;
  }
  const sorted = [...events].sort((a, b) => b.start.localeCompare(a.start));
  const head = el('tr', null, ...['machine', 'start', 'duration', 'reason', 'action'].map((c) => el('th', { scope: 'col', text: t(`report.down.${c}`) })));
  // The later part of a split stop: the same machine's previous stop ends where it starts.
  const ends = new Set(events.filter((e) => e.end).map((e) => `${e.machine}|${new Date(e.end).getTime()}`));
  const rows = sorted.map((s) => {
    const joinable = ends.has(`${s.machine}|${new Date(s.start).getTime()}`);
    const m = findAsset(s.machine);
    const reason = s.reasonCode ? `${s.reasonCode} ${s.reasonName || ''}`.trim() : t('report.unassigned');
    return el('tr', { testid: 'downtime-row', 'data-machine': s.machine, 'data-start': s.start, class: s.reasonCode ? '' : 'no-reason' },
      el('td', null, el('a', { href: href(`/machine/${encodeURIComponent(s.machine)}`), text: m ? m.name : s.machine })),
      el('td', { text: `${fmt.shortDateTime(s.start)}${s.end ? '' : ` · ${t('reasons.ongoing')}`}` }),
      el('td', { class: 'num', text: fmt.duration(secondsBetween(s.start, s.end)) + (s.microStop ? ` · ${t('report.micro')}` : '') }),
      el('td', null, joinable ? el('span', { class: 'tag', text: t('report.splitPart') }) : null, el('span', { text: reason }), s.operatorSet ? el('span', { class: 'tag', text: t('report.byOperator') }) : null,
        s.comment ? el('span', { class: 'comment', text: ` “${s.comment}”` }) : null),
      el('td', null, reasonButton(s.machine, s, undefined, { joinable })));
  });
  section.append(el('div', 'table-wrap', el('table', { class: 'report-table downtime-table', testid: 'downtime-list' }, el('thead', null, head), el('tbody', null, ...rows))));
  return section;
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function downloadDowntime(events, filename) {
  const lines = [['machine', 'start', 'end', 'durationSeconds', 'reasonCode', 'reasonName', 'category', 'operatorSet', 'microStop', 'comment'].join(',')];
  for (const s of events) {
    lines.push([s.machine, s.start, s.end || '', Math.round(secondsBetween(s.start, s.end)), s.reasonCode, s.reasonName, s.category,
      s.operatorSet, s.microStop, s.comment || ''].map(csvCell).join(','));
  }
  const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv;charset=utf-8' }));
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
