// Banner under the header on every view: the number of unacknowledged urgent and high-priority alarms
// (GET /api/alarms/summary), kept current by the live 'alarm' events and a 30 s poll. Hidden while there are none and
// on a server without alarm management (404/503). data-testid alarm-banner; data-count holds the number.
//   startAlarmBanner(header)   app.js calls it once after the language is loaded
import { t, onLocaleChange } from './i18n.js';
import { el, getJson } from './dom.js';
import { onLive } from './live.js';

let banner = null;
let last = null;
let available = true;
let timer = null;

function render() {
  if (!banner) return;
  const u = (last && last.unacknowledged) || {};
  const urgent = u.urgent || 0;
  const high = u.high || 0;
  const n = urgent + high;
  banner.dataset.count = String(n);
  banner.hidden = !available || n === 0;
  banner.classList.toggle('has-urgent', urgent > 0);
  banner.replaceChildren(
    el('span', { class: 'ab-icon', 'aria-hidden': 'true' }, urgent > 0 ? '◆' : '▲'),
    el('span', { class: 'ab-text' }, t('alarms.banner.text', { count: n }), ' ',
      el('span', { class: 'ab-detail' }, t('alarms.banner.detail', { urgent, high }))),
    ...(location.hash.startsWith('#/alarms') ? [] : [el('a', { href: '#/alarms', class: 'ab-link', testid: 'alarm-banner-link' }, t('alarms.banner.open'))]));
}

export async function refreshAlarmBanner() {
  if (!available) return;
  const r = await getJson('api/alarms/summary');
  if (!r.ok) {
    if (r.status === 404 || r.status === 503) available = false;
    render();
    return;
  }
  last = r.data;
  render();
}

export function startAlarmBanner(header) {
  if (banner) return;
  banner = el('div', { class: 'alarm-banner', role: 'status', 'aria-live': 'polite', testid: 'alarm-banner', hidden: true });
  header.after(banner);
  refreshAlarmBanner();
  setInterval(() => { if (!document.hidden) refreshAlarmBanner(); }, 30_000);
  onLive('alarm', () => {
    if (!timer) timer = setTimeout(() => { timer = null; refreshAlarmBanner(); }, 500);
  });
  onLocaleChange(render);
  window.addEventListener('hashchange', render);
}
