// Machine health panel: anomaly score (with its threshold, a small trend of the last 24 h and the signals that
// contribute most) and remaining useful life with its band, from GET /api/assets/{id}/health (CONTRACTS.md).
// A server without the prediction module (404) or a machine without a model gets an empty state that says what to do.
//
//   renderHealth(machineId) -> {el, refresh()}   (data-testid machine-health)
import { t, fmt } from './i18n.js';
import { el, getJson } from './dom.js';

function iso(ms) {
  return encodeURIComponent(new Date(ms).toISOString());
}

/** A small SVG line of the score's last 24 h (120 buckets of the maximum) with the threshold dashed. */
async function sparkline(signal, threshold) {
  const to = Date.now();
  const r = await getJson(`api/signals/${encodeURIComponent(signal)}/history?from=${iso(to - 86_400_000)}&to=${iso(to)}&buckets=120&agg=max`);
  if (!r.ok || !r.data || !(r.data.points || []).length) return null;
  const pts = r.data.points.filter((p) => typeof p.v === 'number');
  if (!pts.length) return null;
  const hi = Math.max(threshold || 0, ...pts.map((p) => p.v)) * 1.1 || 1;
  const W = 240;
  const H = 48;
  const x = (p) => ((p.tMicros / 1000 - (to - 86_400_000)) / 86_400_000) * W;
  const y = (v) => H - (v / hi) * H;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('machine.health.sparkLabel', { max: fmt.number(Math.max(...pts.map((p) => p.v)), 2) }));
  if (threshold) {
    const l = document.createElementNS(ns, 'line');
    for (const [k, v] of Object.entries({ x1: 0, x2: W, y1: y(threshold), y2: y(threshold), class: 'spark-threshold' })) l.setAttribute(k, v);
    svg.append(l);
  }
  const path = document.createElementNS(ns, 'polyline');
  path.setAttribute('points', pts.map((p) => `${x(p).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '));
  path.setAttribute('class', 'spark-line');
  svg.append(path);
  return svg;
}

export function renderHealth(machineId) {
  const panel = el('section', { class: 'panel health', 'aria-labelledby': 'health-title', testid: 'machine-health' });
  const body = el('div', { class: 'health-body' }, el('p', { class: 'empty' }, t('machine.health.loading')));
  panel.append(el('div', { class: 'panel-head' }, el('h2', { id: 'health-title' }, t('machine.health.title'))), body);

  async function refresh() {
    const r = await getJson(`api/assets/${encodeURIComponent(machineId)}/health`);
    if (!r.ok) {
      body.replaceChildren(el('p', { class: 'empty', testid: 'health-empty' }, r.status === 404
        ? t('machine.health.notAvailable') : t('machine.health.error', { message: r.message })));
      return;
    }
    const h = r.data || {};
    const a = h.anomaly || {};
    const parts = [];
    const status = a.status || 'no-model';
    const anomaly = el('div', { class: 'health-card', testid: 'health-anomaly' }, el('h3', {}, t('machine.health.anomaly')));
    if (status === 'no-model' || status === 'stopped' || a.score === null || a.score === undefined) {
      anomaly.append(el('p', { class: 'empty', testid: 'health-empty' }, t(`machine.health.status.${status === 'learning' ? 'learning' : status === 'stopped' ? 'stopped' : status === 'scoring' ? 'noScore' : 'noModel'}`)));
    } else {
      const high = Boolean(a.high) || (a.threshold && a.score >= a.threshold);
      anomaly.append(
        el('p', { class: `score ${high ? 'score-high' : 'score-ok'}` },
          el('span', { class: 'score-icon', 'aria-hidden': 'true' }, high ? '▲' : '●'),
          el('span', { class: 'score-value', testid: 'health-score' }, fmt.number(a.score, 2)),
          el('span', { class: 'score-text' }, high ? t('machine.health.high') : t('machine.health.normal'))),
        el('p', { class: 'hint' }, t('machine.health.threshold', { threshold: fmt.number(a.threshold, 2), at: fmt.shortDateTime(a.at) })));
      if (status === 'learning') anomaly.append(el('p', { class: 'hint' }, t('machine.health.status.learning')));
      const spot = el('div', { class: 'spark-box' });
      anomaly.append(spot);
      if (a.signal) sparkline(a.signal, a.threshold).then((svg) => { if (svg) spot.append(svg); }).catch(() => {});
      const top = a.topContributors || [];
      if (top.length) {
        anomaly.append(el('h4', {}, t('machine.health.contributors')),
          el('ol', { class: 'contributors', testid: 'health-contributors' }, ...top.slice(0, 5).map((c) => el('li', {},
            el('span', { class: 'contrib-name' }, c.zone ? `${c.name || c.signal}: ${c.zone}` : (c.name || c.signal)),
            el('span', { class: 'contrib-bar', 'aria-hidden': 'true' }, el('span', { style: `width:${Math.round(Math.min(1, Math.max(0, c.contribution || 0)) * 100)}%` })),
            el('span', { class: 'contrib-value' }, fmt.percent(c.contribution))))));
      }
    }
    parts.push(anomaly);

    const rul = h.rul;
    const rulCard = el('div', { class: 'health-card', testid: 'health-rul' }, el('h3', {}, t('machine.health.rul')));
    if (!rul || rul.value === null || rul.value === undefined) {
      rulCard.append(el('p', { class: 'empty' }, t('machine.health.noRul')));
    } else {
      const hi = Math.max(rul.upper || rul.value, rul.value) * 1.15 || 1;
      rulCard.append(
        el('p', { class: 'rul-value' }, el('strong', { testid: 'health-rul-value' }, fmt.duration(rul.value * 3600)),
          ' ', el('span', { class: 'hint' }, t('machine.health.rulBand', { lower: fmt.duration((rul.lower ?? rul.value) * 3600), upper: fmt.duration((rul.upper ?? rul.value) * 3600) }))),
        el('div', { class: 'rul-band', 'aria-hidden': 'true' },
          el('span', { class: 'rul-range', style: `left:${((rul.lower ?? rul.value) / hi) * 100}%;width:${(((rul.upper ?? rul.value) - (rul.lower ?? rul.value)) / hi) * 100}%` }),
          el('span', { class: 'rul-mark', style: `left:${(rul.value / hi) * 100}%` })),
        el('p', { class: 'hint' }, t('machine.health.asOf', { at: fmt.shortDateTime(rul.at) })));
    }
    parts.push(rulCard);
    body.replaceChildren(...parts);
  }
  refresh();
  return { el: panel, refresh };
}
