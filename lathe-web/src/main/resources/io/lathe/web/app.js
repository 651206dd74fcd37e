// Lathe dashboard shell: header (navigation, plant clock and time zone, language switch, live state, user), the shared
// live stream and the hash router. Views live in views/*.js and register below.
import { initI18n, t, fmt, LANGUAGES, locale, setLocale, onLocaleChange, setPlantZone, translatePage } from './i18n.js';
import { register, start, refresh, onRoute } from './router.js';
import { startLive, onLiveState, liveState, onLive } from './live.js';
import { loadMe, showUser, liveScope } from './auth.js';
import { getJson, apiHas } from './dom.js';
import { loadPlant, plantTree, kpiSites } from './plant.js';
import { startAlarmBanner } from './alarm-banner.js';

const header = document.querySelector('header.top');
const conn = document.getElementById('conn');
const clock = document.getElementById('plant-clock');
const langSelect = document.getElementById('lang');
const alarmBadge = document.getElementById('alarm-badge');

register('overview', '/', { load: () => import('./views/overview.js') });
register('machine', '/machine/:id', { load: () => import('./views/machine.js') });
register('report', '/line/:id/report', { load: () => import('./views/report.js') });
register('alarms', '/alarms', { load: () => import('./views/alarms.js') });
register('connections', '/connections', { load: () => import('./views/connections.js') });

function showLiveState(s) {
  conn.className = `conn conn-${s}`;
  conn.querySelector('.conn-text').textContent = t(`common.live.${s}`);
  document.body.classList.toggle('offline', s === 'down');
  document.body.style.setProperty('--offline-text', JSON.stringify(t('common.offline')));
}

function tick() {
  clock.textContent = `${fmt.time(new Date())} ${fmt.zoneLabel()}`;
  clock.title = t('common.plantZone', { zone: fmt.zoneLabel() });
}

function fillLanguages() {
  langSelect.replaceChildren(...LANGUAGES.map((l) => {
    const o = document.createElement('option');
    o.value = l.tag;
    o.textContent = l.name;
    o.lang = l.tag;
    o.selected = l.tag === locale();
    return o;
  }));
}

/** The plant's time zone: the KPI site configuration (GET /api/kpi/sites); the browser's zone without one. */
async function loadZone() {
  const site = (await kpiSites()).find((s) => s.timeZone);
  if (site) setPlantZone(site.timeZone);
}

/** Unacknowledged alarms in the navigation (GET /api/alarms/summary); hidden while the server has no alarms route. */
let alarmsAvailable = true;
async function refreshAlarmBadge() {
  if (!alarmsAvailable) return;
  if (!(await apiHas('GET /api/alarms/summary'))) { alarmsAvailable = false; return; }
  const r = await getJson('api/alarms/summary');
  if (!r.ok) { if (r.status === 404 || r.status === 503) alarmsAvailable = false; alarmBadge.hidden = true; return; }
  const u = r.data.unacknowledged || {};
  const n = ['urgent', 'high', 'medium', 'low'].reduce((a, k) => a + (u[k] || 0), 0);
  alarmBadge.hidden = n === 0;
  alarmBadge.textContent = String(n);
  alarmBadge.title = t('common.unackAlarms', { count: n });
  alarmBadge.setAttribute('aria-label', t('common.unackAlarms', { count: n }));
}

onRoute((r) => {
  for (const a of header.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === r.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
});

onLocaleChange(() => {
  translatePage();
  fillLanguages();
  showLiveState(liveState());
  tick();
  const tree = plantTree();
  if (tree) document.getElementById('plant-name').textContent = tree.name;
  refresh();
  refreshAlarmBadge();
});

async function boot() {
  await initI18n();
  translatePage();
  fillLanguages();
  langSelect.addEventListener('change', () => setLocale(langSelect.value));
  showLiveState('connecting');
  onLiveState(showLiveState);
  tick();
  setInterval(tick, 15000);
  const me = await loadMe().catch(() => null);
  showUser(me, header);
  // Connections span the whole installation: not offered to a person restricted to some sites (the API says 403).
  if (me && me.kind === 'user' && me.rolesBySite && !me.rolesBySite['*']) header.querySelector('[data-nav=connections]').hidden = true;
  const tree = await loadPlant().catch(() => null);
  await loadZone().catch(() => {});
  tick();
  if (tree) document.getElementById('plant-name').textContent = tree.name;
  start(document.getElementById('view'));
  startLive(tree ? liveScope(tree) : null);
  refreshAlarmBadge();
  startAlarmBanner(header);
  setInterval(refreshAlarmBadge, 30000);
  let badgeTimer = null;
  onLive('alarm', () => {
    if (!badgeTimer) badgeTimer = setTimeout(() => { badgeTimer = null; refreshAlarmBadge(); }, 1000);
  });
}

boot();
