// OEE loss waterfall of one period (ISO 22400 times from GET /api/kpi):
//   planned time (planned busy time with a known state) → availability losses (stops, setups, delays) →
//   performance losses (slow cycles, micro-stops) → quality losses (time spent on scrap) → fully productive time.
// Totals are solid bars, losses hatched and labelled, so the chart reads without colour.
//
//   lossSteps(kpis) -> [{key, seconds, kind: 'total'|'loss', base}]   (pure, null when nothing was planned)
//   renderWaterfall(kpis) -> element (data-testid oee-waterfall)
import { t, fmt } from './i18n.js';
import { el } from './dom.js';

export function lossSteps(k) {
  if (!k) return null;
  const planned = Math.max(0, (k.plannedBusyTimeSeconds || 0) - (k.noDataTimeSeconds || 0));
  if (planned <= 0) return null;
  const apt = Math.min(planned, Math.max(0, k.actualProductionTimeSeconds || 0));
  const ideal = Math.min(apt, Math.max(0, k.idealProductionTimeSeconds || 0));
  const produced = k.producedQuantity || 0;
  const goodShare = produced > 0 ? Math.min(1, Math.max(0, (k.goodQuantity || 0) / produced)) : 1;
  const productive = ideal * goodShare;
  return [
    { key: 'planned', seconds: planned, kind: 'total', base: 0 },
    { key: 'availability', seconds: planned - apt, kind: 'loss', base: apt },
    { key: 'performance', seconds: apt - ideal, kind: 'loss', base: ideal },
    { key: 'quality', seconds: ideal - productive, kind: 'loss', base: productive },
    { key: 'productive', seconds: productive, kind: 'total', base: 0 },
  ];
}

export function renderWaterfall(k) {
  const steps = lossSteps(k);
  if (!steps) return el('p', { class: 'empty', testid: 'oee-waterfall-empty' }, t('machine.oee.waterfallEmpty'));
  const planned = steps[0].seconds;
  const fig = el('figure', { class: 'waterfall', testid: 'oee-waterfall' });
  const cols = el('div', { class: 'wf-cols', role: 'list' });
  for (const s of steps) {
    const h = (s.seconds / planned) * 100;
    const b = (s.base / planned) * 100;
    const share = fmt.percent(s.seconds / planned);
    const label = t(`machine.oee.step.${s.key}`);
    cols.append(el('div', { class: `wf-col wf-${s.kind}`, role: 'listitem', testid: `waterfall-${s.key}`,
      'aria-label': `${label}: ${fmt.duration(s.seconds)} (${share})` },
    el('div', { class: 'wf-track', 'aria-hidden': 'true' },
      el('div', { class: `wf-bar wf-bar-${s.key}`, style: `bottom:${b}%;height:${Math.max(h, 0.5)}%` })),
    el('div', { class: 'wf-value', 'aria-hidden': 'true' }, `${s.kind === 'loss' && s.seconds >= 0.5 ? '−' : ''}${fmt.duration(s.seconds)}`),
    el('div', { class: 'wf-share', 'aria-hidden': 'true' }, share),
    el('div', { class: 'wf-label', 'aria-hidden': 'true' }, label)));
  }
  fig.append(cols);
  if (k.noDataTimeSeconds > 0) {
    fig.append(el('figcaption', { class: 'hint' }, t('machine.oee.noDataNote', { duration: fmt.duration(k.noDataTimeSeconds) })));
  }
  return fig;
}
